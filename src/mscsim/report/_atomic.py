"""Atomic file writing: a temporary file in the target folder, then one rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mscsim._errors import InputError


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to `path` so that readers see the old file or the whole new one.

    The text goes to a hidden temporary file in the same folder, is flushed to disk, and
    replaces `path` with `os.replace` (atomic on POSIX and Windows within one file system).
    On any error the temporary file is removed and an existing `path` is left untouched.

    Raises
    ------
    InputError
        If the parent folder does not exist or `path` is a folder.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError("path", "a file in an existing folder", got=str(target))
    if target.is_dir():
        raise InputError("path", "a file path, not a folder", got=str(target))
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
