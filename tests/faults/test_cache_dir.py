"""The Numba cache folder is private or not used (issue 12, item 4: code ran from a planted cache)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from mscsim import _cache


@pytest.fixture
def env(tmp_path, monkeypatch):
    """First candidate unusable (under a file); the temp candidate in `tmp_path/tmp` (0o1777)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, so no folder can be made below it")
    monkeypatch.setenv("MSCSIM_CACHE_DIR", str(blocker / "cache"))
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    _cache.private_cache_dir.cache_clear()
    yield shared
    _cache.private_cache_dir.cache_clear()


def _fallback(folder: Path, shared: Path) -> bool:
    """A fresh private folder of this process: not the fixed name, mode 0o700."""
    fixed = shared / f"mscsim-numba-{os.getuid()}"
    return folder != fixed and folder.parent == shared and (folder.stat().st_mode & 0o777) == 0o700


def test_own_private_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("MSCSIM_CACHE_DIR", str(tmp_path / "c"))
    _cache.private_cache_dir.cache_clear()
    folder = _cache.private_cache_dir("numba")
    assert folder == tmp_path / "c" / "numba"
    assert (folder.stat().st_mode & 0o777) == 0o700
    _cache.private_cache_dir.cache_clear()


def test_fixed_temp_name_used_when_made_by_us(env):
    folder = _cache.private_cache_dir("numba")
    assert folder == env / f"mscsim-numba-{os.getuid()}"


@pytest.mark.parametrize("plant", ["world_writable", "symlink", "other_owner", "pycache"])
def test_planted_temp_folder_is_refused(env, plant, monkeypatch):
    fixed = env / f"mscsim-numba-{os.getuid()}"
    if plant == "symlink":
        (env / "attacker").mkdir(mode=0o700)
        fixed.symlink_to(env / "attacker")
    else:
        fixed.mkdir(mode=0o700)
    if plant == "world_writable":
        fixed.chmod(0o777)
    if plant == "pycache":
        (fixed / "__pycache__").mkdir()
        (fixed / "__pycache__").chmod(0o777)
    if plant == "other_owner":  # as if another user had made it: this user's id differs
        real = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real + 4242)
    folder = _cache.private_cache_dir("numba")
    assert folder != fixed and _fallback(folder, env)


def test_parent_writable_by_others_without_sticky_bit_is_refused(tmp_path, monkeypatch):
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)  # anyone could rename our folder away and put theirs in its place
    monkeypatch.setenv("MSCSIM_CACHE_DIR", str(open_dir / "c"))
    assert not _cache.is_private_dir(open_dir)
    (open_dir / "c" / "numba").mkdir(parents=True, mode=0o700)
    assert not _cache.is_private_dir(open_dir / "c" / "numba")
    _cache.private_cache_dir.cache_clear()
    assert _cache.private_cache_dir("numba") != open_dir / "c" / "numba"
    _cache.private_cache_dir.cache_clear()
