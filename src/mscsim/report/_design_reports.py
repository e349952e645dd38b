"""HTML reports of trial-design studies: sample size/assurance and adaptive designs."""

from __future__ import annotations

from typing import Any

from mscsim.report._html import HtmlReport
from mscsim.report._power_plot import plot_power_curve


def samplesize_report(result: Any, provenance: dict) -> HtmlReport:
    """Power and assurance against total sample size (a `SampleSizeResult`)."""
    rep = HtmlReport(
        f"Sample size: {result.scenario} / {result.endpoint}",
        provenance=provenance,
        subtitle=f"{result.replicates} virtual trials per size, seed {result.seed}, "
        f"success = two-sided p < {result.alpha:g} in favour of MSCs",
    )
    rep.add_section(
        "Power and assurance",
        "Power: share of replicate trials with a significant benefit at the model's "
        "parameters. Assurance: the same, each replicate drawing its own MSC effect "
        "parameters from the prior (probability of success averaged over parameter "
        "uncertainty). Every size uses the same seed (common random numbers).",
    )
    lines = {"power (fixed parameters)": result.power}
    if result.assurance is not None:
        lines["assurance (prior draws)"] = result.assurance
    rep.add_figure(
        plot_power_curve(
            result.n,
            lines,
            target=result.target,
            replicates=result.replicates,
            ylabel="Probability of a significant benefit",
        ),
        caption=f"Power and assurance by total sample size ({result.target:g} target line).",
    )
    rows = [
        {"n": n, "power": p, **({"assurance": a} if result.assurance else {})}
        for n, p, a in zip(result.n, result.power, result.assurance or result.power)
    ]
    rep.add_table(rows, caption="Power and assurance per total sample size")
    rep.add_table(
        [
            {"quantity": "smallest n with power >= target", "value": result.n_for_power},
            {"quantity": "smallest n with assurance >= target", "value": result.n_for_assurance},
        ],
        caption="Sample size (None: not reached within the sizes simulated)",
    )
    rep.add_section("Prior of the MSC effect")
    rep.add_table([{"item": k, "value": str(v)} for k, v in result.prior.items()])
    return rep


def adaptive_report(doc: dict, provenance: dict) -> HtmlReport:
    """Operating characteristics of an adaptive design (the `design adaptive` JSON)."""
    rep = HtmlReport("Adaptive design: operating characteristics", provenance=provenance)
    rep.add_section("Design")
    rep.add_table([{"item": k, "value": str(v)} for k, v in doc["design"].items()])
    for key, label in (("scenario", "Under the scenario (power)"), ("null", "Under the null")):
        if key not in doc:
            continue
        oc = doc[key]
        if "per_arm" in oc:
            _multiarm_section(rep, oc, key == "null")
            continue
        rep.add_section(label, f"{oc['replicates']} virtual trials of {oc['scenario']}.")
        cal = oc.get("calendar")
        rep.add_table(
            [
                {
                    "look": j + 1,
                    "events" if cal else "n": n,
                    "stop for efficacy": oc["stop_efficacy"][j],
                    "stop for futility / fail": oc["stop_futility"][j],
                    **(_calendar_row(cal, j) if cal else {}),
                }
                for j, n in enumerate(oc["sizes"])
            ]
        )
        if cal:
            rep.add_table(
                _quantities(
                    cal,
                    (
                        "expected_duration_days",
                        "duration_without_stop_days",
                        "reached_max_events",
                        "end_of_study_days",
                        "accrual_days",
                        "max_events",
                        "max_events_source",
                        "enrollment",
                    ),
                )
            )
        rep.add_table(
            _quantities(
                oc,
                (
                    "reject",
                    "reject_mc_se",
                    "expected_sample_size",
                    "max_sample_size",
                    "mean_estimate_at_stop",
                    "mean_estimate_final",
                    "bias",
                ),
            )
        )
    return rep


def _quantities(d: dict, keys: tuple[str, ...]) -> list[dict]:
    """A two-column table (quantity, value) of ``keys`` of ``d``."""
    return [{"quantity": q, "value": d[q]} for q in keys]


def _calendar_row(cal: dict, j: int) -> dict:
    """Calendar columns of look ``j`` of event-driven looks (means over trials holding it)."""
    return {
        "held (share of trials)": cal["held"][j],
        "mean day": cal["mean_time_days"][j],
        "mean events": cal["mean_events"][j],
        "mean enrolled": cal["mean_enrolled"][j],
    }


def _multiarm_section(rep: HtmlReport, oc: dict, null: bool) -> None:
    from mscsim.report._allocation_plot import plot_allocation

    what = "family-wise type I error" if null else "power (some arm declared effective)"
    rep.add_section(
        "Under the null (every arm inert)" if null else "Under the scenario",
        f"{oc['replicates']} virtual multi-arm trials of {oc['scenario']}, "
        f"{oc['randomization']} randomization, {oc['multiplicity']}: {what} "
        f"{oc['reject']:.4f} (MC SE {oc['reject_mc_se']:.4f}).",
    )
    rep.add_table(
        [
            {
                "look": j + 1,
                "n": n,
                "stop for efficacy": oc["stop_efficacy"][j],
                "stop: no arm left / fail": oc["stop_futility"][j],
            }
            for j, n in enumerate(oc["sizes"])
        ]
    )
    rep.add_table(
        [
            {
                "arm": a["arm"],
                f"true {oc['effect']}": a["true_effect"],
                "declared effective": a["declared_effective"],
                "selected": a["selected"],
                "dropped": a["dropped"],
                "E[patients]": a["expected_patients"],
                "mean estimate at stop": a["mean_estimate_at_stop"],
            }
            for a in oc["per_arm"]
        ]
    )
    rep.add_table(
        _quantities(
            oc,
            (
                "expected_sample_size",
                "max_sample_size",
                "control_expected_patients",
                "best_arm",
                "correct_selection",
                "selection_bias",
                "undefined_statistic",
            ),
        )
    )
    rep.add_figure(
        plot_allocation(oc),
        caption="Mean allocation share per batch (trials still running); response-adaptive "
        "randomization moves patients towards the arm more likely to be best.",
    )


def optimize_report(result: Any, provenance: dict) -> HtmlReport:
    """Recommended regimen, response surfaces and every candidate (an `OptimizationResult`)."""
    from mscsim.report._response_plot import plot_response

    rep = HtmlReport(
        f"Regimen optimization: {result.scenario}",
        provenance=provenance,
        subtitle=f"{len(result.candidates)} candidates, {result.replicates} virtual trials each "
        f"(n = {result.sample_size}, trial seed {result.seed}, TPE seed {result.optimizer_seed})",
    )
    b = result.best
    rep.add_section(
        "Recommended regimen",
        "The candidate with the highest mean utility over replicate virtual trials (the same "
        "trials for every candidate: common random numbers). Near-optimal: every candidate "
        "within one Monte Carlo SE of the best.",
    )
    keys = ("dose", "infusions", "spacing_days", "first_day", "severity_window")
    rep.add_table(
        [
            {"quantity": k, "recommended": b[k], "near-optimal range": str(result.near_optimal[k])}
            for k in keys
        ]
        + [
            {
                "quantity": "utility",
                "recommended": b["utility"],
                "near-optimal range": f"SE {b['utility_se']:.3g}, {result.near_optimal['count']} "
                "candidates",
            }
        ]
    )
    rep.add_section("Response surface")
    rep.add_figure(
        plot_response(
            result.candidates,
            "dose",
            color_by="infusions",
            log_x=True,
            best=b,
            xlabel=f"Dose per infusion ({result.spec['space']['dose_unit']})",
        ),
        caption="Utility against dose per infusion, by number of infusions (hollow: breaks "
        "the toxicity constraint).",
    )
    rep.add_figure(
        plot_response(
            result.candidates,
            "first_day",
            color_by="severity_window",
            best=b,
            xlabel="First infusion (days after enrollment)",
        ),
        caption="Utility against the first infusion day, by eligibility window.",
    )
    rep.add_section("All candidates")
    rep.add_table(result.candidates, caption="Every candidate in evaluation order")
    rep.add_section("Utility")
    rep.add_table([{"item": k, "value": str(v)} for k, v in result.spec["utility"].items()])
    return rep
