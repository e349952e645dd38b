"""Leave-one-out, cumulative and subgroup analyses against direct refits and identities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mscsim._errors import InputError
from mscsim.evidence.meta import (
    StudyTable,
    compute_effects,
    cumulative,
    leave_one_out,
    meta_analysis,
    subgroup_analysis,
)


def test_leave_one_out_equals_refits_without_each_study(bcg):
    res = leave_one_out(bcg, measure="RR", method="DL")
    assert res.labels == bcg.study and len(res.steps) == 13
    for i, step in enumerate(res.steps):
        direct = meta_analysis(bcg.subset([j for j in range(13) if j != i]), method="DL")
        assert step.estimate == pytest.approx(direct.estimate)
        assert step.tau2 == pytest.approx(direct.tau2)
        assert step.k == 12


def test_cumulative_first_step_is_the_oldest_study(bcg):
    res = cumulative(bcg, measure="OR", method="FE")
    eff = compute_effects(bcg, "OR")
    first = int(np.argmin(bcg.year))
    assert res.steps[0].estimate == pytest.approx(eff.yi[first])
    assert [s.k for s in res.steps] == list(range(1, 14))
    assert res.steps[-1].estimate == pytest.approx(
        meta_analysis(bcg, measure="OR", method="FE").estimate
    )
    d = res.to_dict()
    assert d["order_by"] == "year" and "studies" not in d["steps"][0]
    assert d["steps"][0]["study"] == res.labels[0] and "exp" in d["steps"][0]


def test_cumulative_without_years_uses_input_order(bcg):
    table = StudyTable(kind="binary", study=bcg.study, data=bcg.data)
    res = cumulative(table, method="FE")
    assert res.order_by == "input" and res.labels == bcg.study


def test_leave_one_out_needs_two_studies(bcg):
    with pytest.raises(InputError, match="^data:"):
        leave_one_out(bcg.subset([0]))


def test_subgroup_fixed_effect_partition_of_q(bcg):
    # with fixed-effect pooling, Q_total = Q_between + sum of Q_within (Borenstein 2009, ch.19)
    res = subgroup_analysis(bcg, "alloc", measure="RR", method="FE")
    q_within = sum(r.q for _, r in res.groups)
    assert res.overall.q == pytest.approx(res.q_between + q_within)
    assert [name for name, _ in res.groups] == ["random", "alternate", "systematic"]
    assert res.q_between_df == 2
    assert res.q_between_p == pytest.approx(stats.chi2.sf(res.q_between, 2))


def test_subgroup_random_effects_between_test_by_hand(bcg):
    res = subgroup_analysis(bcg, "alloc", measure="RR", method="REML")
    est = np.array([r.estimate for _, r in res.groups])
    w = 1 / np.array([r.se for _, r in res.groups]) ** 2
    mu = np.sum(w * est) / np.sum(w)
    assert res.q_between == pytest.approx(np.sum(w * (est - mu) ** 2))
    d = res.to_dict()
    assert d["by"] == "alloc" and len(d["subgroups"]) == 3 and d["k"] == 13
    assert {"group", "estimate", "studies"} <= set(d["subgroups"][0])


def test_subgroup_field_must_exist(bcg):
    with pytest.raises(InputError, match="^by: one of alloc"):
        subgroup_analysis(bcg, "cell_source")
