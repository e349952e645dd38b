"""``mscsim evidence``: list, pool and extend the MSC-COVID evidence base (thin shell over the API)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

import typer

from mscsim._errors import InputError

app = typer.Typer(
    name="evidence",
    no_args_is_help=True,
    add_completion=False,
    help="Source-backed MSC-COVID trial data and metafor-grade meta-analysis.",
)

# Options shared by meta, cumulative and leave-one-out.
STORE = typer.Option(None, "--store", help="User store (default: evidence.yaml in $MSCSIM_HOME).")
JSON = typer.Option(False, "--json", help="Print one JSON object.")
OUTCOME = typer.Option("mortality", "--outcome", help="mortality | sae | ae (built-in data).")
DATA = typer.Option(None, "--data", help="CSV of your own studies instead of the built-ins.")
MEASURE = typer.Option(None, "--measure", help="RR, OR, RD or MD, SMD (default RR; MD for means).")
METHOD = typer.Option("REML", "--method", help="FE, MH, PETO, DL, REML, PM or ML.")
HKSJ = typer.Option(False, "--hksj", help="Hartung-Knapp (Sidik-Jonkman) adjustment.")
RCT = typer.Option(False, "--randomized-only", help="Keep randomized trials only.")
BLIND = typer.Option(False, "--blinded-only", help="Keep single/double-blind trials only.")
PRODUCTS = typer.Option("cells", "--products", help="cells | derived (secretome/EV) | all.")
LEVEL = typer.Option(95.0, "--level", help="Confidence level in percent.")
ADD = typer.Option(0.5, "--add", help="Constant added to 2x2 tables with a zero cell.")
TO = typer.Option("only0", "--to", help="Which tables get --add: only0, all, if0all or none.")
DROP00 = typer.Option(
    None,
    "--drop-double-zero/--keep-double-zero",
    help="Double-zero studies (default: dropped for RR/OR, kept for RD).",
)
PLOT = typer.Option(None, "--plot", help="Write a forest plot (.png or .svg).")


#: Fields the core names in its errors -> the command-line option that sets them.
_OPTION_OF = {
    name: f"--{name}"
    for name in ("outcome", "data", "measure", "method", "hksj", "products", "level", "add", "to")
} | {"by": "--by", "store": "--store", "file": "FILE"}


@contextlib.contextmanager
def _options_named() -> Iterator[None]:
    """Re-raise the core's `InputError` under the command-line option's name."""
    try:
        yield
    except InputError as exc:
        option = _OPTION_OF.get(exc.field)
        if option is None:
            raise
        raise InputError(option, exc.allowed, exc.got) from None


def _check_store(store: Path | None) -> None:
    if store is not None and store.is_dir():
        raise InputError("--store", "a YAML file, not a folder", got=str(store))


def _shared(option: Any) -> Any:
    """A `_Pooling` field (no default) for a shared command-line option."""
    return field(metadata={"option": option})


@dataclass(frozen=True)
class _Pooling:
    """The options shared by meta, cumulative and leave-one-out, as given on the command line.

    Each field's metadata holds its typer Option; the field order is the --help order.
    """

    outcome: str = _shared(OUTCOME)
    data: Path | None = _shared(DATA)
    measure: str | None = _shared(MEASURE)
    method: str = _shared(METHOD)
    hksj: bool = _shared(HKSJ)
    randomized_only: bool = _shared(RCT)
    blinded_only: bool = _shared(BLIND)
    products: str = _shared(PRODUCTS)
    level: float = _shared(LEVEL)
    add: float = _shared(ADD)
    to: str = _shared(TO)
    drop00: bool | None = _shared(DROP00)
    plot: Path | None = _shared(PLOT)
    store: Path | None = _shared(STORE)
    as_json: bool = _shared(JSON)

    def prepare(self) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        """The study table, the engine keyword arguments and the selection report."""
        from mscsim.evidence import ZeroCellCorrection, load_trials, read_table_csv, select_outcome

        if self.plot is not None:
            _check_figure(self.plot, "--plot")
        _check_store(self.store)
        if self.data is not None:
            if self.randomized_only or self.blinded_only:
                raise InputError("randomized-only/blinded-only", "only with the built-in evidence")
            table, info = read_table_csv(self.data), {"data": str(self.data)}
        else:
            sel = select_outcome(
                load_trials(self.store),
                self.outcome,
                products=self.products,
                randomized_only=self.randomized_only,
                blinded_only=self.blinded_only,
            )
            table, info = sel.table, {"outcome": self.outcome, "selection": sel.to_dict()}
        kw = {
            "measure": self.measure or ("MD" if table.kind == "continuous" else "RR"),
            "method": self.method,
            "hksj": self.hksj,
            "level": self.level,
            "zero_cells": ZeroCellCorrection(add=self.add, to=self.to, drop00=self.drop00),
        }
        return table, kw, info

    def run(self, analyse: Callable[..., Any]) -> None:
        """Load and validate the studies, pool them with ``analyse(table, **kw)``, report."""
        with _options_named():
            table, kw, info = self.prepare()
            self.report(analyse(table, **kw), info)

    def report(
        self,
        res: Any,
        info: dict[str, Any],
        extra: dict[str, Any] | None = None,
        funnel: tuple[Any, Path | None] | None = None,
    ) -> None:
        """Write the forest plot (--plot) and the ``(result, path)`` funnel plot, then print."""
        _plot("plot_forest", res, self.plot)
        if funnel is not None:
            _plot("plot_funnel", *funnel)
        _emit(res, info, self.as_json, extra)


def _pooling_command(
    name: str, after: Mapping[str, tuple[str, ...]] | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn(pool: _Pooling, **own)`` as the command `name` of `app`.

    The command takes the shared options (the fields of `_Pooling`, passed as one) and
    the keyword options of `fn` itself; ``after={"hksj": ("by",)}`` lists ``--by`` in --help
    right after ``--hksj``. The help text is `fn`'s docstring.
    """
    after = after or {}

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(_Pooling) | get_type_hints(fn)
        own = {p.name: p for p in list(inspect.signature(fn).parameters.values())[1:]}
        if sorted(own) != sorted(n for names in after.values() for n in names):
            raise TypeError(f"{name}: place each own option with `after`")
        params = []
        for f in fields(_Pooling):
            params.append(
                inspect.Parameter(
                    f.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=f.metadata["option"],
                    annotation=hints[f.name],
                )
            )
            params += [
                own[n].replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[n])
                for n in after.get(f.name, ())
            ]

        @functools.wraps(fn)
        def command(**kwargs: Any) -> None:
            fn(_Pooling(**{f.name: kwargs.pop(f.name) for f in fields(_Pooling)}), **kwargs)

        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        app.command(name)(command)
        return command

    return register


def _emit(
    obj: Any,
    info: dict[str, Any],
    as_json: bool,
    extra: dict[str, Any] | None = None,
) -> None:
    if as_json:
        typer.echo(json.dumps({**obj.to_dict(), **(extra or {}), **info}, indent=2))
        return
    typer.echo(obj.summary())
    for key, value in (extra or {}).items():
        typer.echo(f"{key}: {value}")
    sel = info.get("selection")
    if sel:
        typer.echo(
            f"{len(sel['included'])} trials included, {len(sel['excluded'])} excluded "
            "(reasons in --json)"
        )
        for note in sel["notes"]:
            typer.echo(f"note: {note}")


def _check_figure(path: Path, option: str) -> None:
    from mscsim.report._evidence_plots import check_figure_path

    check_figure_path(path, option)


def _plot(kind: str, obj: Any, path: Path | None) -> None:
    if path is not None:
        from mscsim.report import _evidence_plots

        getattr(_evidence_plots, kind)(obj, path)


@app.command("list")
def list_trials(store: Path | None = STORE, as_json: bool = JSON) -> None:
    """List the trials: the built-ins merged with the user store."""
    from mscsim.evidence import default_store_path, load_trials

    _check_store(store)
    with _options_named():
        trials = load_trials(store)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "count": len(trials),
                    "store": str(store or default_store_path()),
                    "trials": [t.model_dump(mode="json", exclude_none=True) for t in trials],
                },
                indent=2,
            )
        )
        return
    typer.echo(
        f"{'id':<20} {'year':<5} {'design':<15} {'product':<9} {'source':<11} "
        f"{'n T/C':<8} {'deaths T/C':<11} confidence"
    )
    for t in trials:
        n = f"{_q(t.n_treat.value)}/{_q(t.n_ctrl.value) if t.n_ctrl else '-'}"
        deaths = "-"
        if t.mortality is not None:
            ctrl = t.mortality.events_ctrl
            deaths = f"{_q(t.mortality.events_treat.value)}/{_q(ctrl.value) if ctrl else '-'}"
        typer.echo(
            f"{t.id:<20} {t.year:<5} {t.design:<15} {t.product:<9} {t.cell_source:<11} "
            f"{n:<8} {deaths:<11} {t.confidence}"
        )


def _q(v: int | None) -> str:
    return "?" if v is None else str(v)


@_pooling_command(
    "meta",
    after={
        "hksj": ("by",),
        "plot": ("funnel", "egger"),
        "as_json": ("virtual", "replicates", "seed", "posterior", "out"),
    },
)
def meta(
    pool: _Pooling,
    by: str | None = typer.Option(None, "--by", help="Subgroup field, e.g. cell_source."),
    funnel: Path | None = typer.Option(None, "--funnel", help="Write a funnel plot."),
    egger: bool = typer.Option(False, "--egger", help="Add Egger's regression test."),
    virtual: bool = typer.Option(
        False, "--virtual", help="Also pool the model's predictions (virtual meta-analysis)."
    ),
    replicates: int = typer.Option(200, "--replicates", help="Virtual meta-analyses (--virtual)."),
    seed: int = typer.Option(2026, "--seed", help="Seed of the virtual trials (--virtual)."),
    posterior: str = typer.Option(
        "default", "--posterior", help="default | none | a posterior file (--virtual)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for virtual_meta.json and report.html (--virtual)."
    ),
) -> None:
    """Pool the evidence (or --data FILE.csv) and report the estimate, CI, PI and heterogeneity.

    With --virtual: simulate every trial the model can express and pool it the same way.
    """
    from mscsim.evidence import egger_test, meta_analysis, subgroup_analysis

    if virtual:
        _virtual_meta(pool, by, funnel, egger, replicates, seed, posterior, out)
        return
    if funnel is not None:
        _check_figure(funnel, "--funnel")
    with _options_named():
        table, kw, info = pool.prepare()
        res = subgroup_analysis(table, by, **kw) if by else meta_analysis(table, **kw)
        overall = res.overall if by else res
        extra = {"egger": egger_test(overall).to_dict()} if egger else None
        pool.report(res, info, extra, funnel=(overall, funnel))


def _virtual_meta(pool: _Pooling, by, funnel, egger, replicates, seed, posterior, out) -> None:
    from mscsim.app._model_checks import virtual_meta_job
    from mscsim.cli._progress import wanted

    for flag, bad in (
        ("--data", pool.data),
        ("--by", by),
        ("--funnel", funnel),
        ("--egger", egger or None),
        ("--hksj", pool.hksj or None),
        ("--plot", pool.plot),
    ):
        if bad is not None:
            raise InputError(flag, "not with --virtual (built-in evidence; use --out for plots)")
    if wanted(pool.as_json):  # one line, no refresh thread: the engine may fork workers
        print(f"simulating {replicates} virtual evidence bases ...", file=sys.stderr, flush=True)
    with _options_named():
        doc = virtual_meta_job(
            pool.outcome,
            measure=pool.measure or "RR",
            method=pool.method,
            products=pool.products,
            randomized_only=pool.randomized_only,
            replicates=replicates,
            seed=seed,
            posterior=posterior,
            out=out,
            store=pool.store,
            command="mscsim evidence meta --virtual",
        )
    if pool.as_json:
        typer.echo(json.dumps(doc, indent=1, default=str))
        return
    o, v = doc["observed"], doc["virtual"]
    typer.echo(
        f"published pooled {doc['measure']} {o['estimate']:.3f} ({o['ci_low']:.3f} to "
        f"{o['ci_high']:.3f}), {len(doc['trials'])} trials; virtual ({v['estimable']} of "
        f"{v['replicates']}): median {v['median']:.3f}, 10-90% {v['q10']:.3f} to {v['q90']:.3f}"
    )
    typer.echo(
        f"published estimate at the {doc['percentile']:.1f}th percentile of the virtual ones"
    )
    x = doc["excess_significance"]
    typer.echo(
        f"significant in favour of MSC (Fisher p < 0.05): {x['observed']} of {x['trials']} "
        f"published comparisons, {x['expected']:.2f} expected from their virtual replicates "
        f"(excess-significance test: exact p = {x['p_exact']:.2g})"
    )
    for t, p in doc["per_trial"].items():
        b = p["log_rr"]
        typer.echo(
            f"  {t:20s} observed RR {math.exp(p['observed_log_rr']):6.2f}  predicted "
            f"{math.exp(b['median']):5.2f} (90% {math.exp(b['low']):.2f} to {math.exp(b['high']):.2f})"
        )
    if out is not None:
        typer.echo(f"wrote {out} (virtual_meta.json, report.html)")


@_pooling_command("cumulative")
def cumulative(pool: _Pooling) -> None:
    """Cumulative meta-analysis, adding studies by publication year."""
    from mscsim.evidence import cumulative as run

    pool.run(run)


@_pooling_command("leave-one-out")
def leave_one_out(pool: _Pooling) -> None:
    """Leave-one-out sensitivity analysis: refit without each study in turn."""
    from mscsim.evidence import leave_one_out as run

    pool.run(run)


@app.command("add")
def add_cmd(
    file: Path = typer.Argument(..., help="YAML file with one or more trials."),
    store: Path | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Validate trials from FILE.yaml and append them to the user store."""
    from mscsim.evidence import add_trials, default_store_path

    _check_store(store)
    with _options_named():
        added = add_trials(file, store)
    path = str(store or default_store_path())
    if as_json:
        typer.echo(json.dumps({"added": [t.id for t in added], "store": path}))
    else:
        typer.echo(f"added {len(added)} trial(s) to {path}: {', '.join(t.id for t in added)}")
