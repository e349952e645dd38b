"""A CONSORT-like participant flow diagram drawn as boxes and arrows.

Layout follows the CONSORT 2010 flow diagram (Schulz, Altman & Moher 2010, BMJ 340:c332,
figure 1): assessed for eligibility, excluded with reasons, then one column per arm through
allocation, follow-up and analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mscsim._errors import InputError
from mscsim.report import _checks
from mscsim.report._mpl import arm_color, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

_PAD = 0.5  # box padding, in units of the font size
_FONT = 9.0


def _checked_flow(flow: Mapping[str, Any]) -> dict[str, Any]:
    _checks.mapping("flow", flow)
    _checks.keys("flow", flow, ("screened", "excluded", "enrolled", "randomized"))
    out: dict[str, Any] = {
        "screened": _checks.count("flow.screened", flow["screened"]),
        "enrolled": _checks.count("flow.enrolled", flow["enrolled"]),
    }
    if out["enrolled"] > out["screened"]:
        raise InputError("flow.enrolled", "at most flow.screened", got=out["enrolled"])
    excluded = _checks.mapping("flow.excluded", flow["excluded"], nonempty=False)
    out["excluded"] = {r: _checks.count(f"flow.excluded[{r!r}]", n) for r, n in excluded.items()}
    randomized = _checks.mapping("flow.randomized", flow["randomized"])
    out["randomized"] = {
        a: _checks.count(f"flow.randomized[{a!r}]", n) for a, n in randomized.items()
    }
    if sum(out["randomized"].values()) != out["enrolled"]:
        raise InputError(
            "flow.randomized",
            "arm counts summing to flow.enrolled",
            got=sum(out["randomized"].values()),
        )
    for stage in ("completed", "analysed"):
        given = _checks.mapping(f"flow.{stage}", flow.get(stage, {}), nonempty=False)
        if given and set(given) != set(out["randomized"]):
            arms = ", ".join(out["randomized"])
            raise InputError(f"flow.{stage}", f"the arms of flow.randomized ({arms})")
        for arm, n in given.items():
            k = _checks.count(f"flow.{stage}[{arm!r}]", n)
            if k > out["randomized"][arm]:
                raise InputError(f"flow.{stage}[{arm!r}]", "at most the number randomized", got=k)
        out[stage] = {arm: int(given[arm]) for arm in out["randomized"]} if given else {}
    return out


def plot_consort(flow: Mapping[str, Any], *, ax: Axes | None = None) -> Figure:
    """Draw the participant flow of a (virtual) trial as a CONSORT-like diagram.

    Parameters
    ----------
    flow : mapping
        ``{"screened": int, "excluded": {reason: count}, "enrolled": int,
        "randomized": {arm: int}, "completed": {arm: int}, "analysed": {arm: int}}``;
        ``completed`` and ``analysed`` are optional; every enrolled patient is randomized, so
        the arm counts must sum to ``enrolled``. The excluded total shown is
        ``screened - enrolled``; reason counts may overlap (a patient failing several criteria
        counts under each) and are listed as given.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (its frame is hidden); a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    f = _checked_flow(flow)
    arms = list(f["randomized"])
    stages = [s for s in ("completed", "analysed") if f[s]]
    width = max(6.4, 3.0 * len(arms))
    rows, height = _row_positions(len(stages), len(f["excluded"]))
    fig, ax = single_axes(ax, (width, height))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    top = _box(ax, 0.5, rows["screened"], f"Assessed for eligibility\n(n = {f['screened']})")
    enrolled = _box(ax, 0.5, rows["enrolled"], f"Enrolled and randomized\n(n = {f['enrolled']})")
    _arrow(ax, enrolled, top)
    reasons = "".join(f"\n\u2022 {r}: {n}" for r, n in f["excluded"].items())
    excl = _box(
        ax,
        0.62,
        rows["excluded"],
        f"Excluded (n = {f['screened'] - f['enrolled']}){reasons}",
        ha="left",
    )
    ax.annotate(
        "",
        xy=(0.0, 0.5),
        xycoords=excl,
        xytext=(0.5, rows["excluded"]),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "shrinkA": 0, "shrinkB": _PAD * _FONT + 1},
    )
    xs = [(i + 0.5) / len(arms) for i in range(len(arms))]
    split = rows["split"]
    ax.annotate(
        "",
        xy=(0.5, split),
        xycoords="axes fraction",
        xytext=(0.5, 0.0),
        textcoords=enrolled,
        arrowprops={"arrowstyle": "-", "shrinkA": _PAD * _FONT + 1, "shrinkB": 0},
    )
    ax.plot([xs[0], xs[-1]], [split, split], color="black", lw=1.0)
    for i, (arm, x) in enumerate(zip(arms, xs, strict=True)):
        above = _box(
            ax,
            x,
            rows["allocated"],
            f"Allocated to {arm}\n(n = {f['randomized'][arm]})",
            edge=arm_color(i),
        )
        ax.annotate(
            "",
            xy=(0.5, 1.0),
            xycoords=above,
            xytext=(x, split),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->", "shrinkA": 0, "shrinkB": _PAD * _FONT + 1},
        )
        for stage in stages:
            label = "Completed follow-up" if stage == "completed" else "Analysed"
            box = _box(ax, x, rows[stage], f"{label}\n(n = {f[stage][arm]})", edge=arm_color(i))
            _arrow(ax, box, above)
            above = box
    return fig


def _row_positions(n_stages: int, n_reasons: int) -> tuple[dict[str, float], float]:
    """Vertical centres of each row (axes fraction) and the figure height (inches).

    Rows are laid out in inches from the top so boxes keep their spacing whatever the number
    of exclusion reasons and stages.
    """
    line = 1.5 * _FONT / 72.0
    inches = {"screened": 0.45}
    gap = max(1.1, (n_reasons + 1) * line + 0.75)
    inches["excluded"] = inches["screened"] + gap / 2
    inches["enrolled"] = inches["screened"] + gap
    inches["split"] = inches["enrolled"] + 0.55
    inches["allocated"] = inches["split"] + 0.55
    for k, stage in enumerate(("completed", "analysed")[:n_stages]):
        inches[stage] = inches["allocated"] + 1.0 * (k + 1)
    height = max(inches.values()) + 0.45
    return {k: 1.0 - v / height for k, v in inches.items()}, height


def _box(
    ax: Axes, x: float, y: float, text: str, *, ha: str = "center", edge: str = "black"
) -> Text:
    """A rounded text box centred (vertically) at axes fraction ``(x, y)``."""
    return ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha=ha,
        va="center",
        fontsize=_FONT,
        multialignment=ha,
        bbox={"boxstyle": f"round,pad={_PAD}", "fc": "white", "ec": edge, "lw": 1.2},
    )


def _arrow(ax: Axes, child: Text, parent: Text) -> None:
    """Arrow from the bottom of `parent` to the top of `child`, clipped at both boxes."""
    gap = _PAD * _FONT + 1
    ax.annotate(
        "",
        xy=(0.5, 1.0),
        xycoords=child,
        xytext=(0.5, 0.0),
        textcoords=parent,
        arrowprops={"arrowstyle": "->", "shrinkA": gap, "shrinkB": gap},
    )
