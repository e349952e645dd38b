"""Seeded fuzz corpus and harness for the `mscsim` command line (issue 12).

`corpus(seed, n)` draws `n` cases, each a command line plus the files it reads, from four
families: hostile CLI options, mutated scenario files, evidence CSV tables and evidence
YAML files added to a store (which also holds a known set of records). `run_case` calls
`mscsim.cli.main` in-process in a fresh folder under a SIGALRM time bound and checks the
contract: exit 0, 2, or 1 for an operating-system error; on failure exactly one line on
stderr, starting with ``error:`` and at most `MAX_LINE` characters long; no exception
escapes (a traceback); nothing half-written (no temporaries; no new files after a failure,
except the store's empty ``.lock`` file); the store keeps every record it had.

Run at scale (prints the figures): ``MSCSIM_FUZZ_N=1200 python -m pytest -q -s
tests/faults/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import string
import traceback
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mscsim.cli import main

SCENARIOS = ("lanzoni2021", "shu2020", "meng2020")
HOSTILE = [
    "-1",
    "0",
    "1",
    "2",
    "-0",
    "1e308",
    "-1e308",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e-320",
    str(2**63),
    str(2**64),
    "9" * 400,
    "",
    " ",
    "abc",
    "1,2",
    ",",
    "1;2",
    "0x10",
    "1_000",
    "é",
    "\u202e",
    "\x00",
    "a" * 5000,
    "../../etc/passwd",
    "/dev/null",
    "/",
    ".",
    "-",
    "--help",
    "--json",
    "true",
    "[]",
    "{}",
    "1.5",
    "24",
    "3",
]
YAML_VALUES = [
    "-1",
    "0",
    "1e308",
    ".nan",
    ".inf",
    "-.inf",
    "''",
    "null",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "9" * 120,
    "true",
    "'x'",
    "*bomb",
    "!!binary aGk=",
    "0o17",
    "1:30",
    "~",
    "'" + "x" * 2000 + "'",
    "{? [a, b] : 1}",
    "2.5",
    "3",
    "24",
    '"\\u0000"',
]
BOMB = "bomb_a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"bomb_{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


#: Longest error line accepted: messages must not echo a huge input back.
MAX_LINE = 1000


@dataclass
class Case:
    """One input: `argv` run in a folder holding `files` (name -> bytes)."""

    family: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    store: bool = False  # a known evidence store is put at store.yaml first


@dataclass
class Outcome:
    case: Case
    code: int | None = None
    stderr: str = ""
    problem: str | None = None  # traceback | hang | dirty-stderr | bad-exit | leftover | lost


# generators -----------------------------------------------------------------------------------
def _option_case(r: random.Random) -> Case:
    v = lambda: r.choice(HOSTILE)  # noqa: E731
    sc = r.choice(SCENARIOS)
    templates = [
        ["trial", "run", sc, "--replicates", r.choice(["1", v()]), "--seed", v()],
        ["trial", "run", sc, "--replicates", "1", "--workers", v(), "--out", v()],
        ["trial", "run", sc, "--replicates", "1", "--store", r.choice(["afile", "adir", v()])],
        ["trial", "run", sc, "--replicates", "1", "--out", r.choice(["afile/x", "afile", "adir"])],
        ["trial", "run", r.choice([v(), "afile", "adir"]), "--replicates", "1"],
        ["trial", "power", sc, "--n", r.choice(["24", v()]), "--replicates", r.choice(["2", v()])],
        ["trial", "validate", sc, "--replicates", v(), "--seed", v()],
        ["simulate", "--severity", r.choice(["severe", v()]), "--days", v()],
        ["simulate", "--days", "20", "--step", v(), "--dose", v(), "--at", v()],
        ["simulate", "--days", "20", "--dose-per-kg", v(), "--at", "5", "--weight", v()],
        ["simulate", "--days", "20", "--out", r.choice(["afile", "adir/new", "afile/x", v()])],
        ["export", "sbml", r.choice(["m.xml", "adir", "afile/m.xml", v() + ".xml", v()])],
        ["export", "sbml", "m.xml", "--severity", v(), "--dose", v(), "--at", v()],
        ["evidence", "meta", "--method", v(), "--measure", v(), "--level", v()],
        ["evidence", "meta", "--add", v(), "--to", v(), "--outcome", v(), "--products", v()],
        ["evidence", "meta", "--by", v(), "--plot", r.choice(["f.png", "f.pdf", "adir", v()])],
        ["evidence", "meta", "--funnel", r.choice(["f.svg", "afile/f.svg", "adir", v()])],
        ["evidence", r.choice(["cumulative", "leave-one-out"]), "--method", v(), "--hksj"],
        ["evidence", "list", "--store", r.choice(["adir", "afile", v()])],
        ["evidence", "add", r.choice(["afile", "adir", v()]), "--store", "s.yaml"],
        [r.choice(["trial", "evidence", "simulate", "export", "nope", v()]), v(), v()],
        ["params", v()],
    ]
    return Case("cli-options", r.choice(templates))


def _mutate_yaml(text: str, r: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(r.randint(1, 3)):
        i = r.randrange(len(lines))
        kind = r.randrange(7)
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[r.randrange(len(lines))])
        elif kind == 2 and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            lines[i] = f"{head}: {r.choice(YAML_VALUES)}"
        elif kind == 3:
            lines[i] = " " * r.randint(0, 5) + lines[i].lstrip()
        elif kind == 4:
            lines.insert(i, r.choice(["? [a, b]\n: 1", "&x", "*nope", "%YAML 9.9", "---", "\t"]))
        elif kind == 5:
            lines = lines[: r.randint(1, len(lines))]
        else:
            lines[i] = lines[i][: r.randint(0, len(lines[i]))]
    out = "\n".join(lines) + "\n"
    return (BOMB + out) if "*bomb" in out else out


def _scenario_case(r: random.Random) -> Case:
    name = r.choice(SCENARIOS)
    text = resources.files("mscsim.trial.scenarios").joinpath(f"{name}.yaml").read_text()
    data = _mutate_yaml(text, r).encode("utf-8", "surrogatepass")
    if r.random() < 0.1:
        pos = r.randrange(len(data))
        data = data[:pos] + bytes([r.randrange(0x80, 0x100)]) + data[pos:]
    argv = ["trial", "run", "s.yaml", "--replicates", "1", "--out", "run", "--store", "db.sqlite"]
    return Case("scenario-file", argv, {"s.yaml": data})


CSV_COLUMNS = ["study", "events_treat", "n_treat", "events_ctrl", "n_ctrl", "year", "group"]


def _cell(r: random.Random, col: str, i: int) -> str:
    if r.random() < 0.08:
        return r.choice(HOSTILE[:30])
    if col == "study":
        return f"S{i}"
    if col == "year":
        return str(r.randint(1990, 2024))
    if col == "group":
        return r.choice("ab")
    n = r.randint(5, 200)
    return str(r.randint(0, n // 2) if col.startswith("events") else n)


def _csv_case(r: random.Random) -> Case:
    cols = list(CSV_COLUMNS)
    if r.random() < 0.2:
        cols.insert(r.randrange(len(cols)), r.choice(cols))  # duplicated header
    if r.random() < 0.1:
        del cols[r.randrange(len(cols))]
    k = r.choice([0, 1, 2, 3, 5, 8, 20] + ([2001] if r.random() < 0.05 else []))
    rows = [",".join(cols)]
    for i in range(k):
        cells = [_cell(r, c, i) for c in cols]
        if r.random() < 0.05:
            cells.append("extra")
        rows.append(",".join(cells))
    data = ("\n".join(rows) + "\n").encode("utf-8", "surrogatepass")
    if r.random() < 0.08:
        data = data.replace(b"S1", b"S\xff1")
    if r.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    command = r.choice(["meta", "meta", "cumulative", "leave-one-out"])
    argv = ["evidence", command, "--data", "t.csv", "--json"]
    argv += (
        r.choice([[], ["--method", "DL"], ["--by", "group"], ["--measure", "OR"], ["--egger"]])
        if command == "meta"
        else []
    )
    return Case("evidence-csv", argv, {"t.csv": data})


def _trial_doc(r: random.Random, tid: str) -> dict[str, Any]:
    src = {"source": "https://example.org/t", "quote": "table 2", "confidence": "verified"}
    return {
        "id": tid,
        "first_author": "Doe J",
        "year": 2024,
        "doi": f"10.1234/{tid.lower()}",
        "product": "cells",
        "design": "RCT",
        "blinding": "double-blind",
        "severity": "critical",
        "cell_source": "UC",
        "confidence": "verified",
        "n_treat": {"value": 30, **src},
        "n_ctrl": {"value": 30, **src},
        "mortality": {
            "events_treat": {"value": r.randint(0, 30), **src},
            "events_ctrl": {"value": r.randint(0, 30), **src},
        },
    }


def _yaml_case(r: random.Random, i: int) -> Case:
    docs = [_trial_doc(r, f"Fuzz{i}x{j}") for j in range(r.randint(1, 3))]
    if r.random() < 0.3:
        docs.append(_trial_doc(r, "Known0"))  # duplicate of a stored record
    text = yaml.safe_dump({"trials": docs}, sort_keys=False)
    if r.random() < 0.7:
        text = _mutate_yaml(text, r)
    data = text.encode("utf-8", "surrogatepass")
    if r.random() < 0.08:
        data = b"\xff\xfe" + data
    if r.random() < 0.1:
        return Case("evidence-store", ["evidence", "list", "--store", "store.yaml"], {}, True)
    return Case(
        "evidence-yaml",
        ["evidence", "add", "t.yaml", "--store", "store.yaml"],
        {"t.yaml": data},
        True,
    )


def corpus(seed: int, n: int) -> list[Case]:
    """`n` cases drawn from `seed` (the same seed gives the same cases)."""
    r = random.Random(seed)
    makers = [_option_case, _scenario_case, _csv_case]
    out = []
    for i in range(n):
        k = i % 4
        out.append(_yaml_case(r, i) if k == 3 else makers[k](r))
    return out


# harness --------------------------------------------------------------------------------------
class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _known_store(folder: Path) -> set[str]:
    docs = [_trial_doc(random.Random(k), f"Known{k}") for k in range(3)]
    (folder / "store.yaml").write_text(yaml.safe_dump({"trials": docs}), encoding="utf-8")
    return {d["id"] for d in docs}


def _store_ids(folder: Path) -> set[str] | None:
    try:
        doc = yaml.safe_load((folder / "store.yaml").read_text(encoding="utf-8"))
        return {t["id"] for t in doc["trials"]}
    except Exception:  # noqa: BLE001 - a store that no longer parses counts as lost
        return None


def run_case(case: Case, folder: Path, bound_s: int = 60) -> Outcome:
    """Run `case` in the empty `folder` and check the contract (see the module docstring)."""
    (folder / "afile").write_text("a file where a folder is expected")
    (folder / "adir").mkdir()
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    known = _known_store(folder) if case.store else set()
    before = _tree(folder)
    out, err = io.StringIO(), io.StringIO()
    res = Outcome(case)
    old_cwd, old_alarm = os.getcwd(), signal.signal(signal.SIGALRM, _alarm)
    old_home = os.environ.get("MSCSIM_HOME")
    os.environ["MSCSIM_HOME"] = str(folder / "home")  # never the user's own evidence store
    os.chdir(folder)
    signal.alarm(bound_s)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            res.code = main(list(case.argv))
    except _Hang:
        res.problem = "hang"
    except BaseException:  # noqa: BLE001 - anything escaping main is a traceback
        res.problem = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old_alarm)
        os.chdir(old_cwd)
        if old_home is None:
            os.environ.pop("MSCSIM_HOME", None)
        else:
            os.environ["MSCSIM_HOME"] = old_home
    res.stderr = err.getvalue()
    if res.problem:
        return res
    lines = res.stderr.splitlines()
    after = _tree(folder)
    if "Traceback" in res.stderr:
        res.problem = "traceback"
    elif res.code not in (0, 1, 2):
        res.problem = "bad-exit"
    elif res.code != 0 and (
        len(lines) != 1 or not lines[0].startswith("error: ") or len(lines[0]) > MAX_LINE
    ):
        res.problem = "dirty-stderr"
    elif any(Path(p).name.startswith(".") and p.endswith(".tmp") for p in after):
        res.problem = "leftover"
    elif res.code != 0 and {p for p in after - before if not p.endswith(".lock")}:
        res.problem = "leftover"
    elif case.store:
        ids = _store_ids(folder)
        if ids is None or not known <= ids:
            res.problem = "lost"
    return res


def figures(outcomes: list[Outcome]) -> dict[str, int]:
    """tried / exit 0 / clean errors (exit 2) / OS errors (exit 1) / each kind of problem."""
    problems = Counter(o.problem for o in outcomes if o.problem)
    return {
        "tried": len(outcomes),
        "ok (exit 0)": sum(o.code == 0 and not o.problem for o in outcomes),
        "clean errors (exit 2)": sum(o.code == 2 and not o.problem for o in outcomes),
        "os errors (exit 1)": sum(o.code == 1 and not o.problem for o in outcomes),
        "tracebacks": problems["traceback"],
        "hangs": problems["hang"],
        "dirty stderr": problems["dirty-stderr"],
        "bad exit codes": problems["bad-exit"],
        "leftovers": problems["leftover"],
        "records lost": problems["lost"],
    }


def printable(text: str, limit: int = 300) -> str:
    keep = set(string.printable) - set("\x0b\x0c")
    return "".join(c if c in keep else "?" for c in text)[:limit]
