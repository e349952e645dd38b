"""`mscsim design boundaries | adaptive`: a thin shell over `mscsim.design`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from mscsim._errors import InputError

app = typer.Typer(no_args_is_help=True, help="Design the next trial.")


def _dump(obj) -> None:
    from mscsim.io import jsonable

    json.dump(jsonable(obj), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def _floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(option, "comma-separated numbers, e.g. 0.3,0.65,1", text) from None


@app.command("boundaries")
def boundaries(
    looks: Annotated[int, typer.Option(help="Number of analyses K (interim looks + final).")],
    alpha: Annotated[float, typer.Option(help="Overall one-sided significance level.")] = 0.025,
    spending: Annotated[
        str, typer.Option(help="OF, P, asOF, asP (Lan-DeMets) or HP (Haybittle-Peto).")
    ] = "asOF",
    info: Annotated[
        str | None, typer.Option(help="Information fractions, e.g. 0.3,0.65,1 (default equal).")
    ] = None,
    futility: Annotated[
        str | None, typer.Option(help="Non-binding futility z bounds per interim look, e.g. 0,0.5.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """One-sided group-sequential efficacy boundaries (z scale) and the alpha spent per look."""
    from mscsim.design import design_boundaries

    d = design_boundaries(
        looks, alpha, spending, _floats(info, "--info"), _floats(futility, "--futility")
    )
    if as_json:
        _dump(d.to_dict())
        return
    print(f"{d.spending} design, K = {d.looks}, one-sided alpha = {d.alpha:g}")
    print(f"{'look':>4s} {'info':>7s} {'z':>8s} {'nominal p':>10s} {'cum. alpha':>11s}")
    for k in range(d.looks):
        print(
            f"{k + 1:4d} {d.info[k]:7.3f} {d.z[k]:8.4f} {d.nominal_p[k]:10.6f} "
            f"{d.cumulative_alpha[k]:11.6f}"
        )
    if d.alpha_with_futility is not None:
        print(f"level if the (non-binding) futility bounds are obeyed: {d.alpha_with_futility:.6f}")
