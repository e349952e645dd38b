"""CLI faults (issue 12): signals, OS errors, seeds, early checks, symlinks, leftovers.

Each test names the item of issue 12 it guards. In-process calls of `mscsim.cli.main` where
possible; a real process only where the signal or the file descriptor must be real.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mscsim import _atomic
from mscsim._errors import InputError
from mscsim.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# item 6: seeds --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", ["-1", str(2**63), str(10**30)])
@pytest.mark.parametrize("command", ["run", "power", "validate"])
def test_bad_seed_refused_before_any_work(seed, command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    extra = ["--n", "24"] if command == "power" else []
    assert main(["trial", command, "lanzoni2021", "--seed", seed, *extra]) == 2
    assert "--seed" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_largest_seed_is_recorded(tmp_path, capsys):
    import sqlite3

    out = tmp_path / "run"
    seed = 2**63 - 1
    assert main(["trial", "run", "shu2020", "--seed", str(seed), "--out", str(out), "--json"]) == 0
    with sqlite3.connect(tmp_path / "mscsim.sqlite") as db:
        assert db.execute("SELECT seed FROM runs").fetchall() == [(seed,)]


# item 10: checks before anything is written ---------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--workers", "0"], "--workers"),
        (["--replicates", "0"], "--replicates"),
        (["--store", "."], "--store"),
        (["--store", "not-sqlite.txt"], "--store"),
        (["--store", "missing/db.sqlite"], "--store"),
        (["--out", "afile/run"], "--out"),
        (["--out", "afile"], "--out"),
    ],
)
def test_trial_run_checks_options_before_writing(argv, option, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "not-sqlite.txt").write_text("hello")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["trial", "run", "lanzoni2021", *argv]) == 2
    err = _one_line(capsys)
    assert err.startswith(f"error: {option}") or f"'{option}'" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no mscsim-runs/, no folder


def test_nul_bytes_are_refused(tmp_path, capsys):
    from mscsim._atomic import check_output_dir

    assert main(["simulate", "--days", "20", "--out", "a\x00b"]) == 2
    assert "NUL" in _one_line(capsys)
    with pytest.raises(InputError, match="^--out: a path without NUL bytes"):
        check_output_dir("a\x00b", "--out")


def test_out_error_names_the_option(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["simulate", "--out", str(tmp_path / "afile")]) == 2
    assert _one_line(capsys).startswith("error: --out:")


# item 7: operating-system errors --------------------------------------------------------------
def test_os_error_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(_atomic.os, "replace", full)
    out = tmp_path / "m.xml"
    assert main(["export", "sbml", str(out)]) == 1
    assert "No space left on device" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_named_like_the_file(tmp_path, capsys):
    (tmp_path / "m.xml").mkdir()
    assert main(["export", "sbml", str(tmp_path / "m.xml")]) == 2
    assert "OUT.xml" in _one_line(capsys)


def _run(args: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = "import sys; from mscsim.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stderr=subprocess.PIPE, text=True, **kw
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_stdout_on_a_full_device(tmp_path):
    with open("/dev/full", "w") as full:
        proc = _run(["trial", "list", "--json"], stdout=full)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err


# item 3: Ctrl-C and SIGTERM -------------------------------------------------------------------
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_write_cleans_up(sig, code, tmp_path, monkeypatch, capsys):
    import mscsim.io

    real = mscsim.io.write_table

    def write_then_signal(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), sig)  # arrives while the temporary folder holds the table
        time.sleep(5)
        raise AssertionError("the signal did not interrupt")

    monkeypatch.setattr(mscsim.io, "write_table", write_then_signal)
    assert main(["simulate", "--days", "20", "--out", str(tmp_path / "run")]) == code
    assert _one_line(capsys) == ("error: terminated\n" if code == 143 else "error: interrupted\n")
    assert list(tmp_path.iterdir()) == []


def _children(pid: int) -> list[int]:
    """Ids of the processes whose parent is `pid` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_to_a_running_trial_with_workers(sig, code, tmp_path):
    proc = _run(  # ~10 minutes of work if not interrupted
        ["trial", "run", "lanzoni2021", "--replicates", "100000", "--workers", "2", "--json"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(_children(proc.pid)) < 2:  # the worker processes run: the trial is under way
        assert proc.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    # the last line (after any progress bar, drawn with carriage returns) is the one message
    last = err.strip().splitlines()[-1].split("\r")[-1]
    assert last.endswith("error: interrupted" if code == 130 else "error: terminated"), err
    assert "Traceback" not in err
    runs = tmp_path / "mscsim-runs"
    assert not runs.exists() or [p.name for p in runs.iterdir()] == []


# item 5 and 10: symlinks and leftovers --------------------------------------------------------
def test_symlink_at_target_is_replaced_not_followed(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "m.xml").symlink_to(victim)
    assert main(["export", "sbml", str(tmp_path / "m.xml")]) == 0
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "m.xml").is_symlink()


def test_planted_temporary_name_is_not_followed(tmp_path, monkeypatch, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    monkeypatch.setattr(_atomic.secrets, "token_hex", lambda n: "ab" * n)
    planted = tmp_path / f".m.xml.{os.getpid()}.{'ab' * 6}.tmp"
    planted.symlink_to(victim)
    assert main(["export", "sbml", str(tmp_path / "m.xml")]) == 1  # refuses: O_EXCL|O_NOFOLLOW
    assert "exists" in _one_line(capsys)
    assert victim.read_text() == "keep me" and not (tmp_path / "m.xml").exists()


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path, capsys):
    dead = _dead_pid()
    stale_dir = tmp_path / f".run.{dead}.0123456789ab.tmp"
    stale_dir.mkdir()
    (stale_dir / "adsl.parquet").write_text("half")
    stale_file = tmp_path / f".m.xml.{dead}.0123456789ab.tmp"
    stale_file.write_text("half")
    alive = tmp_path / f".run.{os.getpid()}.0123456789ab.tmp"  # a live writer's: kept
    alive.mkdir()
    assert main(["simulate", "--days", "10", "--out", str(tmp_path / "run")]) == 0
    assert main(["export", "sbml", str(tmp_path / "m.xml")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", "m.xml", alive.name])


def test_written_files_have_the_stated_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["export", "sbml", str(tmp_path / "m.xml")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "m.xml").stat().st_mode & 0o777 == 0o644
