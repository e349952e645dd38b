"""Safe writing: the one helper behind every file and folder mscsim writes.

Rules (see docs/security.md):

- A file is written to a temporary file with a unique, unguessable name in the target folder,
  created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a name planted in advance, symlink or not,
  makes creation fail instead of redirecting the write), flushed and ``fsync``-ed, given its
  stated permissions and moved over the target with one ``os.replace`` (which replaces a
  symlink at the target instead of following it); the folder is then ``fsync``-ed.
- Permissions: files ``FILE_MODE`` (0o644) and folders ``DIR_MODE`` (0o755), both narrowed by
  the umask; temporaries are private (0o600 files, 0o700 folders) until they are complete.
- A set of files is written to a hidden temporary folder and moved in only when all are
  complete. Temporary names carry the writer's process id, so the next writer removes
  temporaries of processes that no longer exist (left by SIGKILL or a power cut).
- `locked` serializes read-modify-write cycles of one file across processes (``flock``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mscsim._errors import InputError

FILE_MODE = 0o644
DIR_MODE = 0o755
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_name(name: str) -> str:
    return f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: Path, name: str) -> list[str]:
    """Remove this user's temporaries for `name` in `folder` left by processes now gone."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[0-9a-f]+\.tmp$")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = pattern.match(entry.name)
            if not m or _pid_alive(int(m.group(1))):
                continue
            st = entry.stat(follow_symlinks=False)
            if st.st_uid != os.getuid():
                continue
            with contextlib.suppress(OSError):
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def _as_path(path: str | os.PathLike[str], option: str) -> Path:
    if "\x00" in os.fspath(path):
        raise InputError(option, "a path without NUL bytes", got=os.fspath(path))
    return Path(path)


def check_output_file(path: str | os.PathLike[str], option: str = "path") -> Path:
    """Check that `path` can be a file to write: an existing folder, not a folder itself."""
    target = _as_path(path, option)
    if not target.name or target.name in (".", ".."):
        raise InputError(option, "a file name", got=str(target))
    parent = target.parent
    if not parent.is_dir():
        raise InputError(option, "a file in an existing folder", got=str(target))
    if target.is_dir():
        raise InputError(option, "a file path, not a folder", got=str(target))
    return target


def check_output_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check that `path` can be an output folder: a folder or absent, under an existing folder."""
    final = _as_path(path, option)
    if final.exists() and not final.is_dir():
        raise InputError(option, "a folder (a file of that name exists)", got=str(final))
    real = final.resolve()
    if real == real.parent:
        raise InputError(option, "a folder other than the root folder", got=str(final))
    if not real.parent.is_dir():
        raise InputError(option, "a folder whose parent folder exists", got=str(final))
    return final


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system supports it
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def atomic_file(
    path: str | os.PathLike[str], option: str = "path", mode: int = FILE_MODE
) -> Iterator[BinaryIO]:
    """Yield a binary handle; on success its bytes replace `path` in one step.

    On any exception (including KeyboardInterrupt) the temporary file is removed and an
    existing `path` is left untouched.

    Raises
    ------
    InputError
        If the parent folder does not exist or `path` is a folder (named as `option`).
    """
    target = check_output_file(path, option)
    clean_stale(target.parent, target.name)
    tmp = target.parent / _temp_name(target.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, option: str = "path", mode: int = FILE_MODE
) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one."""
    with atomic_file(path, option, mode) as handle:
        handle.write(data)
    return Path(path)


def write_text_atomic(
    path: str | os.PathLike[str], text: str, option: str = "path", mode: int = FILE_MODE
) -> Path:
    """Write `text` as UTF-8 (``\\n`` line ends) atomically; see `atomic_file`."""
    check_output_file(path, option)
    return write_bytes_atomic(path, text.encode("utf-8"), option, mode)


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


@contextmanager
def atomic_output_dir(path: str | os.PathLike[str], option: str = "--out") -> Iterator[Path]:
    """Yield a private temporary folder; on success move its files into `path`.

    `path` is created if needed (``DIR_MODE``); files of the same names are replaced, other
    files in it are kept. On any exception the temporary folder is removed and `path` is
    left as it was.
    """
    final = check_output_dir(path, option)
    real = final.resolve()  # "." and "run/.." have no name of their own
    parent = real.parent
    clean_stale(parent, real.name)
    tmp = parent / _temp_name(real.name)
    os.mkdir(tmp, 0o700)  # fails on any planted name, symlink or not
    try:
        yield tmp
        _fsync_tree(tmp)
        final.mkdir(mode=DIR_MODE & ~_umask(), exist_ok=True)
        for item in sorted(tmp.iterdir()):
            target = final / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            item.replace(target)
        _fsync_dir(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock for read-modify-write cycles of `path` across processes.

    The lock is ``flock`` on ``<path>.lock`` (created 0o600 without following symlinks, never
    removed, so every writer locks the same inode); it is released when the block ends or
    the process dies.
    """
    import fcntl

    target = Path(path)
    lock = target.with_name(target.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
