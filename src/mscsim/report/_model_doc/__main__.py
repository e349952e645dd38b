"""``python -m mscsim.report._model_doc [PATH]``: write the model page to PATH or stdout."""

from __future__ import annotations

import sys

from mscsim.report._model_doc._page import model_markdown, write_model_doc


def main(argv: list[str]) -> None:
    """Write the page atomically to ``argv[0]`` if given, else print it."""
    if argv:
        write_model_doc(argv[0])
    else:
        sys.stdout.write(model_markdown())


if __name__ == "__main__":
    main(sys.argv[1:])
