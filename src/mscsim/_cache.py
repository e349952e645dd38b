"""A cache folder that only this user can write: code is imported from it (Numba backend).

The generated model module and Numba's cache index are loaded from this folder, so anyone
who can write into it can run code as the user. `private_cache_dir` therefore uses a folder
only if it is a real folder (not a symlink) owned by the user, with no group/other write
permission, under parents that others cannot rename it in (each parent owned by the user or
root, and sticky if others may write to it). Candidates, in order:

1. ``$MSCSIM_CACHE_DIR/<name>``, else ``$XDG_CACHE_HOME/mscsim/<name>``, else
   ``~/.cache/mscsim/<name>`` (created 0o700);
2. ``$TMPDIR/mscsim-<name>-<uid>`` (created 0o700; refused if someone else made it first);
3. no disk cache: a fresh private temporary folder for this process, removed at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import stat
import tempfile
from pathlib import Path


def _owned_private(folder: Path) -> bool:
    """`folder` itself is a real folder (not a symlink) of this user, not group/other-writable."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def is_private_dir(folder: Path) -> bool:
    """True if `folder` is a real folder owned by this user that no one else can change."""
    if not _owned_private(folder):
        return False
    for parent in Path(os.path.abspath(folder)).parents:
        try:
            st = os.stat(parent)
        except OSError:
            return False
        if st.st_uid not in (os.getuid(), 0):
            return False
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            return False
    pycache = folder / "__pycache__"  # where Numba keeps its index: must be as private
    return not os.path.lexists(pycache) or _owned_private(pycache)


def _usable(folder: Path) -> bool:
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return is_private_dir(folder) and os.access(folder, os.W_OK | os.X_OK)


@functools.cache
def private_cache_dir(name: str) -> Path:
    """The first safe candidate folder for cache `name` (see the module docstring)."""
    base = os.environ.get("MSCSIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "mscsim"
    )
    for folder in (
        Path(base) / name,
        Path(tempfile.gettempdir()) / f"mscsim-{name}-{os.getuid()}",
    ):
        if _usable(folder):
            return folder
    folder = Path(tempfile.mkdtemp(prefix=f"mscsim-{name}-"))  # 0o700, a new unique name
    atexit.register(_remove, folder, os.getpid())
    return folder


def _remove(folder: Path, pid: int) -> None:
    if os.getpid() == pid:  # not in forked workers: the folder is the parent's
        shutil.rmtree(folder, ignore_errors=True)
