r"""Two-stage group-sequential design with promising-zone sample-size re-estimation.

Stage 1 analyses the first :math:`n_1` patients (:math:`z_1`); stage 2 the next :math:`n_2`
patients only (:math:`z_2`), so the stage statistics are independent under the null whatever
:math:`n_2` the interim data chose. The final statistic is the inverse-normal combination
:math:`Z = w_1 z_1 + w_2 z_2` with the pre-planned weights :math:`w_1 = \sqrt{t_1}`,
:math:`w_2 = \sqrt{1 - t_1}` (Cui, Hung & Wang 1999), compared with the group-sequential
boundary. Conditional power under the current trend at stage-2 size :math:`n_2`:

.. math::
    CP(n_2) = 1 - \Phi\bigl((c_2 - w_1 z_1)/w_2 - z_1\sqrt{n_2/n_1}\bigr).

In the promising zone :math:`CP_{\min} \le CP(n_2^{plan}) < CP_{target}` the stage-2 size grows
to the smallest :math:`n_2` with :math:`CP(n_2) = CP_{target}`, within the cap (Mehta & Pocock
2011). Each replicate is simulated once at the cap; stage 2 takes the next patients in
enrollment order.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from mscsim._errors import InputError
from mscsim.design._adaptive_config import AdaptiveDesign, GroupSequentialRule
from mscsim.design._boundaries import design_boundaries
from mscsim.design._looks import effect_name, window_statistic


def stage_two_size(z1, n1: int, n2_plan: int, n2_max: int, c2: float, w1: float, re, block: int):
    """Stage-2 patients per replicate (planned, or grown in the promising zone)."""
    z1 = np.asarray(z1, dtype=float)
    w2 = math.sqrt(1 - w1 * w1)
    b = (c2 - w1 * z1) / w2
    with np.errstate(invalid="ignore", divide="ignore"):
        cp = 1 - ndtr(b - z1 * np.sqrt(n2_plan / n1))
        zone = (cp >= re.cp_min) & (cp < re.cp_target) & (z1 > 0)
        need = n1 * ((b - ndtri(1 - re.cp_target)) / z1) ** 2
    need = np.ceil(np.nan_to_num(need, nan=n2_plan, posinf=n2_max) / block) * block
    n2 = np.where(zone, np.clip(need, n2_plan, n2_max), n2_plan).astype(int)
    return n2, np.nan_to_num(cp, nan=0.0)


def evaluate_reestimation(design: AdaptiveDesign, run, ep, arm: str, n1: int, n_plan: int):
    """Per replicate: stopping look, success, final size, effect estimate; and summaries."""
    rule, re = design.rule, design.reestimation
    assert re is not None and isinstance(rule, GroupSequentialRule)  # checked by AdaptiveDesign
    if run.sample_size < re.max_sample_size:
        raise InputError("reestimation.max_sample_size", "the run must be simulated at the cap")
    block = sum(run.scenario.allocation.values())
    gs = design_boundaries(2, rule.alpha, rule.spending, info=design.looks, futility=rule.futility)
    c1, c2 = gs.z
    f1 = gs.futility[0] if gs.futility else -np.inf
    w1 = math.sqrt(design.looks[0])
    z1, est1, _ = window_statistic(run, ep, arm, 0, n1)
    up1 = np.nan_to_num(z1 >= c1).astype(bool)
    down1 = np.nan_to_num(z1 <= f1).astype(bool) & ~up1
    n2, cp = stage_two_size(z1, n1, n_plan - n1, re.max_sample_size - n1, c2, w1, re, block)
    z2, _, _ = window_statistic(run, ep, arm, n1, n1 + n2)
    big_z = w1 * z1 + math.sqrt(1 - w1 * w1) * z2
    est_all = window_statistic(run, ep, arm, 0, n1 + n2)[1]
    stop1 = up1 | down1
    success = np.where(stop1, up1, np.nan_to_num(big_z >= c2).astype(bool))
    size = np.where(stop1, n1, n1 + n2)
    est = np.where(stop1, est1, est_all)
    return {
        "first": np.where(stop1, 0, 1),
        "success": success,
        "size": size,
        "estimate": est,
        "increased": ~stop1 & (n2 > n_plan - n1),
        "conditional_power": cp,
        "effect": effect_name(ep),
    }
