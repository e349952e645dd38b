"""Published comparisons checked against their own counts, and the binary endpoint's test."""

import pytest
import yaml

from mscsim import InputError
from mscsim.trial import load_scenario, scenario_hash, unsupported_numbers
from mscsim.trial._reproduce import irreproducible, printed_tolerance
from mscsim.trial._scenario import Scenario, canonical_json, scenario_from_yaml


def _with(name, **changes):
    data = load_scenario(name).model_dump(mode="json")
    for path, value in changes.items():
        node = data
        *head, last = path.split(".")
        for key in head:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value
    return scenario_from_yaml(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("value", "tol"),
    [(0.047, 0.0005), (0.04, 0.005), (0.0001, 0.00005), (0.88, 0.005), (1.0, 0.05)],
)
def test_printed_tolerance_is_half_the_last_decimal(value, tol):
    assert printed_tolerance(value) == pytest.approx(tol)


def test_zarrabi_effects_that_its_counts_contradict_are_listed_not_compared():
    sc = load_scenario("zarrabi2023")
    bad = irreproducible(sc)
    assert sorted(bad) == [(0, "estimate"), (0, "p_value"), (1, "estimate"), (1, "p_value")]
    assert bad[(0, "p_value")].recomputed == pytest.approx(1.0)  # 3/11 vs 8/24, Fisher
    assert bad[(1, "estimate")].recomputed == pytest.approx((0.5 / 9) / (8.5 / 25))
    warnings = unsupported_numbers(sc)
    assert sum("is not compared: the published counts give" in w for w in warnings) == 4


def test_reproducible_effects_are_kept():
    # Bowdish's RR 0.88 and Xu's Fisher p 0.048 follow from their counts; Dilogo's 0.047
    # from Pearson's chi-square, the test its scenario states
    for name in ("bowdish2023", "xu2021", "dilogo2021", "lanzoni2021", "meng2020", "shu2020"):
        assert irreproducible(load_scenario(name)) == {}, name


def test_the_wrong_test_makes_a_published_p_value_irreproducible():
    sc = _with("dilogo2021", **{"endpoints.primary.0.test": None})
    (m,) = irreproducible(sc).values()
    assert m.published == 0.047 and m.recomputed == pytest.approx(0.0958, abs=1e-4)
    assert "Fisher exact test" in m.message()


def test_test_field_only_for_binary_kinds_and_hash_kept_when_unset():
    with pytest.raises(
        InputError, match=r"endpoints\.secondary\[0\]\.test: is only for the binary kinds"
    ):
        _with("lanzoni2021", **{"endpoints.secondary.0.test": "chi2"})  # survival_d31
    sc = load_scenario("lanzoni2021")
    assert '"test"' not in canonical_json(sc)
    assert '"test":"chi2"' in canonical_json(load_scenario("dilogo2021"))
    assert scenario_hash(sc) == scenario_hash(Scenario.model_validate(sc.model_dump(mode="json")))


def test_virtual_trials_report_the_stated_test():
    from mscsim.trial import analyse, run_trial

    run = run_trial(load_scenario("dilogo2021"), replicates=3, seed=5)
    (an,) = [a for a in analyse(run) if a.id == "mortality_d28"]
    assert an.method.endswith("Pearson chi-square p")
