"""Link evidence-base comparisons to the trial designs that express them, and count outcomes.

A scenario's ``evidence`` field maps an active arm to the id of its comparison with the
control arm in the evidence base (e.g. ``{uc_msc: Lanzoni2021}``). For each linked comparison
the outcome is read at the endpoint whose published per-arm counts are the ones the evidence
record holds; failing that, the latest published endpoint of that outcome; failing that, the
end of follow-up. :func:`virtual_counts` then gives every replicate trial's counts per arm.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from mscsim.evidence._schema import Trial
from mscsim.trial._scenario import builtin_names, load_scenario
from mscsim.trial._scenario_endpoints import Endpoint
from mscsim.trial._scenario_model import Scenario
from mscsim.trial._validate import _arm_stat

#: Endpoint kinds that count each outcome of the evidence base.
OUTCOME_KINDS = {"mortality": ("mortality", "survival"), "sae": ("sae",)}


@dataclass(frozen=True)
class Design:
    """One evidence comparison expressed by a scenario: its active arm and endpoint."""

    trial_id: str
    scenario: Scenario
    arm: str
    endpoint: Endpoint
    outcome: str = "mortality"


def _counts_of(trial: Trial, outcome: str) -> tuple[int | None, int | None]:
    out = getattr(trial, outcome, None)
    if out is None or out.events_ctrl is None:
        return None, None
    return out.events_treat.value, out.events_ctrl.value


def pick_endpoint(scenario, arm: str, outcome: str, trial: Trial | None = None) -> Endpoint:
    """The endpoint of `scenario` at which `outcome` of `arm` vs control is read (module doc)."""
    kinds = OUTCOME_KINDS[outcome]
    eps = {ep.id: ep for ep in scenario.endpoints.all}
    ctrl = scenario.control_arm.name
    want = _counts_of(trial, outcome) if trial is not None else (None, None)
    candidates = []
    for res in scenario.validated_results():
        ep = eps[res.endpoint]
        a, c = res.arms.get(arm), res.arms.get(ctrl)
        if ep.kind not in kinds or a is None or c is None:
            continue
        if a.events is not None and (a.events, c.events) == want:
            return ep
        candidates.append(ep)
    if candidates:
        return max(candidates, key=lambda e: e.horizon(scenario.follow_up_days))
    return Endpoint.model_validate({"kind": kinds[0]})  # deaths (or SAEs) by end of follow-up


def linked_designs(
    trials: Iterable[Trial], outcome: str, scenarios: Iterable[Scenario] | None = None
) -> tuple[list[Design], list[tuple[str, str]]]:
    """(designs, [(trial id, why not expressed)]) for the comparisons in `trials`.

    `scenarios` defaults to the built-in ones; the first scenario linking an id wins.
    """
    pool = list(scenarios) if scenarios is not None else [load_scenario(n) for n in builtin_names()]
    links: dict[str, tuple[Scenario, str]] = {}
    for sc in pool:
        for arm, tid in sc.evidence.items():
            links.setdefault(tid, (sc, arm))
    designs, missing = [], []
    for t in trials:
        if t.id not in links:
            missing.append((t.id, "no scenario links this comparison (scenario field `evidence`)"))
            continue
        sc, arm = links[t.id]
        designs.append(Design(t.id, sc, arm, pick_endpoint(sc, arm, outcome, t), outcome))
    return designs, missing


def arm_counts(run, design: Design) -> dict[str, np.ndarray]:
    """Per-replicate events (as `validate` counts them) and sizes of the design's active and
    control arms."""
    out = {}
    for key, arm in (("treat", design.arm), ("ctrl", design.scenario.control_arm.name)):
        idx = run.arm_names.index(arm)
        out[f"events_{key}"] = _arm_stat(run, design.endpoint, idx, "events")
        out[f"n_{key}"] = run.as_matrix(run.arm == idx).sum(axis=1).astype(float)
    return out


def design_seed(seed: int, scenario_name: str) -> int:
    """The run seed of one design: independent streams per trial (its between-trial effect and
    patients must not be shared with the other trials of a virtual meta-analysis)."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(scenario_name.encode())])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def virtual_counts(
    designs: list[Design],
    *,
    replicates: int,
    seed: int,
    param_draws=None,
    taus: Mapping[str, float] | None = None,
    progress=None,
    executor=None,
    on_run=None,
) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """(trial id, outcome) -> per-replicate counts (``arm_counts``); one run per scenario,
    shared by its linked comparisons (so comparisons sharing a control share its patients)."""
    from mscsim.trial._engine import run_trial

    by_scenario: dict[str, list[Design]] = {}
    for d in designs:
        by_scenario.setdefault(d.scenario.name, []).append(d)
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for group in by_scenario.values():
        run = run_trial(
            group[0].scenario,
            seed=design_seed(seed, group[0].scenario.name),
            replicates=replicates,
            param_draws=param_draws,
            taus=dict(taus) if taus is not None else None,
            executor=executor,
        )
        for d in group:
            out[(d.trial_id, d.outcome)] = arm_counts(run, d)
        if on_run is not None:  # e.g. per-replicate biomarker statistics of the same run
            on_run(group[0].scenario, run)
        if progress is not None:
            progress(len(group))
    return out
