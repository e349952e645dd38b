"""Write a set of output files so that nothing half-written is ever left behind."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mscsim._errors import InputError


@contextmanager
def atomic_output_dir(path: str | Path, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder; on success move its files into `path` (created if needed).

    On any exception the temporary folder is removed and `path` is left as it was.
    """
    final = Path(path)
    if final.exists() and not final.is_dir():
        raise InputError(option, f"{final} exists and is not a folder")
    parent = final.resolve().parent
    if not parent.exists():
        raise InputError(option, f"parent folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=parent))
    try:
        yield tmp
        final.mkdir(exist_ok=True)
        for item in sorted(tmp.iterdir()):
            target = final / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            item.replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
