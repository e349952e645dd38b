"""Scenario format: loading, hashing, overrides, and one-line validation errors."""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path

import pydantic
import pytest
import yaml

from mscsim._errors import InputError
from mscsim.trial._scenario import (
    list_scenarios,
    load_scenario,
    scenario_from_yaml,
    scenario_hash,
)
from mscsim.trial._scenario_model import Scenario


def _builtin_dict(name: str = "lanzoni2021") -> dict:
    text = resources.files("mscsim.trial.scenarios").joinpath(f"{name}.yaml").read_text()
    return yaml.safe_load(text)


def _error(data: dict) -> str:
    with pytest.raises(InputError) as info:
        scenario_from_yaml(yaml.safe_dump(data, sort_keys=False))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_load_builtin_by_name_and_by_path_agree(tmp_path: Path) -> None:
    by_name = load_scenario("lanzoni2021")
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(_builtin_dict()))
    assert scenario_hash(load_scenario(path)) == scenario_hash(by_name)
    assert scenario_hash(load_scenario(str(path))) == scenario_hash(by_name)


def test_hash_is_canonical_sha256_and_sensitive() -> None:
    s = load_scenario("lanzoni2021")
    h = scenario_hash(s)
    assert len(h) == 64 and int(h, 16) >= 0
    assert scenario_hash(load_scenario("lanzoni2021")) == h
    # Key order in the YAML does not matter, any value does.
    reordered = dict(reversed(list(_builtin_dict().items())))
    assert scenario_hash(scenario_from_yaml(yaml.safe_dump(reordered, sort_keys=False))) == h
    assert scenario_hash(s.with_overrides(seed=s.seed + 1)) != h


def test_dump_round_trip_is_identical() -> None:
    for summary in list_scenarios():
        s = load_scenario(summary.name)
        again = scenario_from_yaml(yaml.safe_dump(s.model_dump(mode="json")))
        assert again == s
        assert scenario_hash(again) == scenario_hash(s)


def test_with_overrides_revalidates_and_keeps_the_original() -> None:
    s = load_scenario("lanzoni2021")
    t = s.with_overrides(seed=7, replicates=1000, sample_size=200)
    assert (t.seed, t.replicates, t.sample_size) == (7, 1000, 200)
    assert (s.seed, s.replicates, s.sample_size) == (20210105, 1, 24)
    assert s.with_overrides() == s
    with pytest.raises(InputError, match=r"^replicates: must be >= 1 \(got 0\)$"):
        s.with_overrides(replicates=0)
    with pytest.raises(InputError, match=r"^sample_size: must be >= 2 \(got 1\)$"):
        s.with_overrides(sample_size=1)


def test_scenario_is_frozen() -> None:
    s = load_scenario("lanzoni2021")
    with pytest.raises(pydantic.ValidationError):
        s.sample_size = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        s.arms[0].dose_per_infusion = 1.0  # type: ignore[misc]


def test_endpoint_ids_and_helpers() -> None:
    s = load_scenario("lanzoni2021")
    assert s.endpoints.ids[:3] == ("infusion_ae_6h", "infusion_ae_24h", "survival_d31")
    assert "il6_change_d6" in s.endpoints.ids
    assert s.control_arm.name == "vehicle"
    assert s.arm("uc_msc").infusion_days == (0, 3)
    with pytest.raises(KeyError):
        s.arm("nope")
    assert set(s.used_results()) >= {"survival_d31", "sae_d31", "infusion_ae_6h"}


def test_yaml_exponent_numbers_are_floats() -> None:
    data = _builtin_dict()
    text = yaml.safe_dump(data).replace("100000000.0", "1e8")
    assert "1e8" in text
    assert scenario_from_yaml(text).arms[0].dose_per_infusion == 1e8


def test_list_scenarios_has_the_required_builtins() -> None:
    names = [s.name for s in list_scenarios()]
    assert names == sorted(names)
    assert {
        "lanzoni2021",
        "meng2020",
        "shi2021",
        "monsel2022",
        "dilogo2021",
        "bowdish2023",
        "rebelatto2022",
        "adas2021",
        "xu2021",
        "leng2020",
        "gregoire2022",
    } <= set(names)
    lanzoni = next(s for s in list_scenarios() if s.name == "lanzoni2021")
    assert lanzoni.arms == ("uc_msc", "vehicle")
    assert lanzoni.registry_id == "NCT04355728"


def _set(path: tuple, value: object):
    def mutate(d: dict) -> None:
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value

    return mutate


def _drop(path: tuple):
    def mutate(d: dict) -> None:
        for key in path[:-1]:
            d = d[key]
        del d[path[-1]]

    return mutate


ERROR_CASES = [
    # The two examples of the contract, verbatim.
    (
        _set(("arms", 0, "dose_unit"), "mg"),
        "arms[0].dose_unit: must be one of 'cells', 'cells/kg', 'mL' (got 'mg')",
    ),
    (_drop(("sample_size",)), "sample_size: field required"),
    (
        _set(("colour",), "red"),
        "colour: unknown field (extra forbidden); allowed: name, title, citation, population, "
        "eligibility, arms, allocation, randomization, sample_size, follow_up_days, endpoints, "
        "replicates, seed, setting, parameters, published_results, evidence, notes",
    ),
    (
        _set(("arms", 1, "colour"), "red"),
        "arms[1].colour: unknown field (extra forbidden); allowed: name, product, infusions, "
        "dose_unit, dose_per_infusion, infusion_days, is_control",
    ),
    (
        _set(("arms", 0, "product"), "MSC"),
        "arms[0].product: must be one of 'UC-MSC', 'BM-MSC', 'AD-MSC', 'PL-MSC', 'MB-MSC', "
        "'CD362-MSC', 'MSC-secretome', 'MSC-EV', 'vehicle', 'placebo', 'standard-care' "
        "(got 'MSC')",
    ),
    (
        _set(("arms", 1, "dose_per_infusion"), 5),
        "arms[1].dose_per_infusion: must be 0 for product 'vehicle' (got 5.0)",
    ),
    (
        _set(("arms", 0, "dose_per_infusion"), 0),
        "arms[0].dose_per_infusion: must be > 0 for product 'UC-MSC' (got 0.0)",
    ),
    (
        _set(("arms", 0, "dose_per_infusion"), 1e13),
        "arms[0].dose_per_infusion: must be <= 1e+11 cells per infusion (got 1e+13)",
    ),
    (
        _set(("arms", 0, "infusion_days"), [3, 0]),
        "arms[0].infusion_days: must be strictly increasing (got [3, 0])",
    ),
    (
        _set(("arms", 0, "infusion_days"), [-1, 3]),
        "arms[0].infusion_days: days must lie within [0, 365] (got [-1, 3])",
    ),
    (
        _set(("arms", 1, "is_control"), False),
        "arms: exactly one arm must have is_control: true (got [])",
    ),
    (_set(("arms", 1, "name"), "uc_msc"), "arms[1].name: arm names must be unique (got 'uc_msc')"),
    (_set(("allocation", "uc_msc"), 0), "allocation.uc_msc: must be >= 1 (got 0)"),
    (
        _set(("allocation", "ghost"), 1),
        "allocation: keys must be the arm names ['uc_msc', 'vehicle'] "
        "(got ['ghost', 'uc_msc', 'vehicle'])",
    ),
    (
        _set(("randomization", "block_size"), 3),
        "randomization: block_size must be a multiple of the allocation-ratio sum (2) (got 3)",
    ),
    (
        _set(("randomization", "strata"), ["height"]),
        "randomization.strata[0]: must be one of 'ards_severity', 'sex', 'age_group' "
        "(got 'height')",
    ),
    (
        _set(("randomization", "method"), "block"),
        "randomization.strata: must be empty for method 'block' (got ['ards_severity'])",
    ),
    (_set(("sample_size",), "many"), "sample_size: must be an integer (got 'many')"),
    (_set(("seed",), -1), "seed: must be >= 0 (got -1)"),
    (
        _set(("name",), "Lanzoni 2021"),
        "name: must be a lowercase slug (a-z, 0-9, '_', starting with a letter) "
        "(got 'Lanzoni 2021')",
    ),
    (
        _set(("citation", "doi"), "doi:10.1/x"),
        "citation.doi: must be a bare DOI such as '10.1002/sctm.20-0472' (got 'doi:10.1/x')",
    ),
    (
        _set(("population", "female_fraction"), 1.5),
        "population.female_fraction: must be <= 1 (got 1.5)",
    ),
    (_set(("population", "age", "sd"), 0), "population.age.sd: must be > 0 (got 0)"),
    (
        _set(("population", "age", "mean"), float("nan")),
        "population.age.mean: must be a finite number (got nan)",
    ),
    (_set(("population", "age", "max"), 10), "population.age.max: must be > min (18) (got 10.0)"),
    (
        _set(("population", "disease_mix", "terminal"), 0.1),
        "population.disease_mix.terminal: key must be one of 'mild', 'moderate', 'severe', "
        "'critical' (got 'terminal')",
    ),
    (
        _set(("population", "disease_mix", "severe"), 0.6),
        "population.disease_mix: weights must sum to 1 (got 1.058333)",
    ),
    (_drop(("eligibility", "pf_ratio_max")), "eligibility.pf_ratio_max: field required"),
    (
        _set(("eligibility", "ards_severity"), ["severe", "severe"]),
        "eligibility.ards_severity: must be a non-empty list without repeats, or null "
        "(got ['severe', 'severe'])",
    ),
    (
        _set(("eligibility", "pf_ratio_min"), 350),
        "eligibility.pf_ratio_min: must be < pf_ratio_max (300) (got 350.0)",
    ),
    (
        _set(("eligibility", "age_min"), 95),
        "eligibility.age_min: must be <= the population's maximum age (90) (got 95)",
    ),
    (
        lambda d: d["eligibility"].update(
            require_invasive_ventilation=True, exclude_invasive_ventilation=True
        ),
        "eligibility.exclude_invasive_ventilation: cannot be true together with "
        "require_invasive_ventilation (got True)",
    ),
    (
        _set(("endpoints", "primary", 0, "day"), 3),
        "endpoints.primary[0].day: is not a parameter of kind 'infusion_ae' (got 3)",
    ),
    (
        _drop(("endpoints", "primary", 0, "window_hours")),
        "endpoints.primary[0].window_hours: is required for kind 'infusion_ae'",
    ),
    (
        _set(("endpoints", "secondary", 0, "kind"), "death"),
        "endpoints.secondary[0].kind: must be one of 'survival', 'sae_free_survival', "
        "'mortality', 'infusion_ae', 'sae', 'ventilation', 'time_to_recovery', "
        "'biomarker_change', 'ventilator_free_days', 'who_scale', 'time_to_discharge', "
        "'time_to_improvement', 'lung_outcome' (got 'death')",
    ),
    (
        _set(("endpoints", "secondary", 0, "day"), 40),
        "endpoints.secondary[0].day: must be <= follow_up_days (31) (got 40)",
    ),
    (
        _set(("endpoints", "secondary", 1), {"kind": "survival", "day": 31}),
        "endpoints.secondary[1]: duplicates an earlier endpoint (ids must be unique across "
        "primary and secondary) (got 'survival_d31')",
    ),
    (_set(("endpoints", "primary"), []), "endpoints.primary: must have at least 1 item(s) (got 0)"),
    (
        _set(("published_results", 0, "endpoint"), "foo_d3"),
        "published_results[0].endpoint: must be one of the endpoint ids ['infusion_ae_6h', "
        "'infusion_ae_24h', 'survival_d31', 'sae_free_survival_d31', 'sae_d31', "
        "'time_to_recovery_d31', 'il6_change_d6', 'tnf_change_d6', 'il10_change_d6', "
        "'crp_change_d6'] (got 'foo_d3')",
    ),
    (
        _set(("published_results", 0, "arms", "ghost"), {"n": 1, "events": 0}),
        "published_results[0].arms.ghost: must be an arm name ['uc_msc', 'vehicle'] (got 'ghost')",
    ),
    (
        _set(("published_results", 0, "arms", "uc_msc", "events"), 13),
        "published_results[0].arms.uc_msc: 'events' must be <= n (12) (got 13)",
    ),
    (
        _set(("published_results", 0, "confidence"), "sure"),
        "published_results[0].confidence: must be one of 'verified', 'partly', 'unverified' "
        "(got 'sure')",
    ),
    (
        _set(("published_results", 0, "source"), "a paper"),
        "published_results[0].source: must be a DOI (10.xxxx/...) or an http(s) URL "
        "(got 'a paper')",
    ),
    (
        _set(("published_results", 3, "used"), True),
        "published_results[3].used: only one result per endpoint (and compared arm) may be "
        "used ('survival_d31' already has one) (got True)",
    ),
    (
        _set(
            ("published_results", 2, "effect"),
            {"measure": "p_only", "estimate": 1.0, "p_value": 0.015},
        ),
        "published_results[2].effect: measure 'p_only' takes no estimate or ci",
    ),
    (
        _set(
            ("published_results", 2, "effect"),
            {"measure": "RR", "estimate": 0.5, "ci_low": 0.6, "ci_high": 0.9},
        ),
        "published_results[2].effect: must satisfy ci_low <= estimate <= ci_high "
        "(got [0.6, 0.5, 0.9])",
    ),
    (_set(("arms", 0), "uc_msc"), "arms[0]: must be a mapping (key: value) (got 'uc_msc')"),
]


@pytest.mark.parametrize(("mutate", "expected"), ERROR_CASES)
def test_validation_error_names_field_and_allowed(mutate, expected: str) -> None:
    data = _builtin_dict()
    mutate(data)
    assert _error(data) == expected


def test_rules_of_other_builtins() -> None:
    data = _builtin_dict("meng2020")
    data["arms"][1]["infusion_days"] = [0]
    assert _error(data) == (
        "arms[1].infusion_days: must be empty for product "
        "'standard-care' (nothing is infused) (got [0])"
    )
    data = _builtin_dict("shu2020")
    data["randomization"]["block_size"] = 41
    assert _error(data) == "randomization.block_size: must be absent for method 'simple' (got 41)"
    data = _builtin_dict("bowdish2023")
    data["eligibility"]["pf_ratio_min"] = 150
    data["eligibility"]["ards_severity"] = ["severe"]
    assert _error(data) == (
        "eligibility.ards_severity: no class overlaps the P/F window "
        "(150, 200] mmHg (got ['severe'])"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The wording of the parser's problem differs between libyaml and pure PyYAML.
        ("a: [1, 2", r"t\.yaml: malformed YAML: .*expected ',' or '\]'.* at line \d, column \d"),
        ("name: x\nname: y\n", "t.yaml: malformed YAML: duplicate key 'name' at line 2, column 1"),
        ("- 1\n- 2\n", "t.yaml: must be a YAML mapping of scenario fields (got 'list')"),
        ("", "t.yaml: must be a YAML mapping of scenario fields (got 'NoneType')"),
    ],
)
def test_malformed_yaml_is_one_line(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_yaml(text, "t.yaml")
    assert str(info.value) == expected or re.fullmatch(expected, str(info.value))


def test_unknown_builtin_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"^scenario: must be a built-in scenario \(.*"
        r"lanzoni2021.*\) or the path of a YAML file "
        r"\(got 'nope'\)$",
    ):
        load_scenario("nope")
    with pytest.raises(InputError, match=r"^scenario: .*\(got '.*missing\.yaml'\)$"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match=r"bad\.yaml: must be a readable UTF-8 text file"):
        load_scenario(bad)


def test_from_dict_raises_input_error_not_pydantic() -> None:
    data = copy.deepcopy(_builtin_dict())
    data["follow_up_days"] = 0
    with pytest.raises(InputError) as info:
        Scenario.from_dict(data)
    assert info.value.field == "follow_up_days"
    assert info.value.allowed == "must be >= 1"
    assert info.value.got == 0


def test_evidence_links_name_active_arms() -> None:
    data = _builtin_dict()
    data["evidence"] = {"vehicle": "Lanzoni2021"}  # the control arm: not a comparison
    assert _error(data).startswith("evidence.vehicle: keys must be active arm names ['uc_msc']")
