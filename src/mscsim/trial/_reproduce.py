"""Published comparisons of binary endpoints checked against their own published counts.

A virtual trial computes the risk ratio and p-value of a binary endpoint from its 2x2 table
with the endpoint's analysis: the crude risk ratio (0.5 added to every cell when a zero cell
leaves it undefined) and Fisher's exact test, or Pearson's chi-square with ``test: chi2``
(`mscsim.stats.compare_proportions`). A published risk ratio or p-value is comparable with
that predictive distribution only if the same analysis of the paper's own counts gives it
back, to the precision printed (half a unit of the last printed decimal). Where it does not
(an adjusted model, another test, a misprint) the number measures the paper's analysis rather
than the trial's outcome: validation lists it as a warning that names what the counts give,
and compares the counts themselves. Comparisons without published counts of both arms cannot
be checked and are compared as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mscsim.stats import compare_counts
from mscsim.trial._scenario_fields import BINARY_KINDS


def printed_tolerance(value: float) -> float:
    """Half a unit of the last decimal `value` is printed with (``0.047`` -> ``0.0005``)."""
    exponent = Decimal(repr(float(value))).as_tuple().exponent
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0


@dataclass(frozen=True)
class Mismatch:
    """A published number that the endpoint's analysis of the published counts does not give."""

    endpoint: str
    what: str  # "p-value" or "RR"
    arm: str
    published: float
    recomputed: float
    analysis: str

    def message(self) -> str:
        return (
            f"{self.endpoint}: {self.what} {self.arm} vs control = {self.published:g} is not "
            f"compared: the published counts give {self.recomputed:.3g} by the trial's "
            f"analysis ({self.analysis}), so the paper's number comes from another analysis "
            "(state its test with the endpoint's 'test', or it is adjusted); the counts are "
            "compared instead"
        )


def _counts(results, endpoint: str, arm: str) -> tuple[int, int] | None:
    for r in results:
        v = r.arms.get(arm) if r.endpoint == endpoint else None
        if v is not None and v.events is not None and v.n is not None:
            return v.events, v.n
    return None


def irreproducible(scenario) -> dict[tuple[int, str], Mismatch]:
    """``(index in scenario.validated_results(), "p_value" | "estimate") -> Mismatch`` for
    every published RR or p-value of a binary endpoint that its published counts do not give
    back by the endpoint's analysis."""
    eps = {ep.id: ep for ep in scenario.endpoints.all}
    results = scenario.validated_results()
    active = [a.name for a in scenario.arms if not a.is_control]
    control = scenario.control_arm.name
    out: dict[tuple[int, str], Mismatch] = {}
    for i, res in enumerate(results):
        ep, eff = eps[res.endpoint], res.effect
        if eff is None or ep.kind not in BINARY_KINDS:
            continue
        arm = eff.arm or active[0]
        treated, ctrl = _counts(results, res.endpoint, arm), _counts(results, res.endpoint, control)
        if treated is None or ctrl is None:
            continue
        ours = compare_counts(*treated, *ctrl, test=ep.binary_test)
        test = "Pearson chi-square" if ep.binary_test == "chi2" else "Fisher exact test"
        checks = [("p_value", "p-value", eff.p_value, float(ours.p_value), test)]
        if eff.measure == "RR":
            checks.append(("estimate", "RR", eff.estimate, float(ours.estimate), "crude RR"))
        for field, what, published, recomputed, analysis in checks:
            if published is None:
                continue
            if abs(recomputed - published) > printed_tolerance(published) * (1 + 1e-9):
                out[(i, field)] = Mismatch(
                    res.endpoint, what, arm, float(published), recomputed, analysis
                )
    return out
