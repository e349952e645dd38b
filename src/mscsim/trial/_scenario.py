"""Loading, listing and hashing trial scenarios.

Built-in scenarios are YAML files shipped in ``mscsim/trial/scenarios/``; a scenario can
also be any YAML file on disk. Parsing is strict: duplicate keys are an error, and
numbers such as ``1e6`` are read as floats (PyYAML's YAML 1.1 resolver would read them
as strings).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from mscsim._errors import InputError
from mscsim._yaml import load_yaml
from mscsim.trial._scenario_fields import FROZEN
from mscsim.trial._scenario_model import Scenario

_BUILTIN_PACKAGE = "mscsim.trial.scenarios"
_FLOAT = re.compile(r"^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)[eE][-+]?\d+$")


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that rejects duplicate keys and reads ``1e6`` as a float."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


class ScenarioSummary(BaseModel):
    """One line of ``mscsim trial list``: what a built-in scenario is and where it is from."""

    model_config = FROZEN

    name: str = Field(description="Scenario name (argument of load_scenario).")
    title: str = Field(description="One-line description.")
    citation: str = Field(description="Reference text.")
    doi: str | None = Field(description="DOI of the publication, if any.")
    registry_id: str | None = Field(description="Trial registry id, if any.")
    sample_size: int = Field(description="Patients enrolled.")
    arms: tuple[str, ...] = Field(description="Arm names, control last.")
    follow_up_days: int = Field(description="Follow-up (days).")
    n_published_results: int = Field(description="Number of published results recorded.")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    root = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def _parse_yaml(text: str, where: str) -> Any:
    return load_yaml(text, where, _StrictLoader)  # bounded: no alias bombs, plain keys


def scenario_from_yaml(text: str, where: str = "scenario") -> Scenario:
    """Parse and validate a scenario from YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    where : str
        Name of the source, used in the message for malformed YAML.

    Raises
    ------
    mscsim.InputError
        Malformed YAML, a top level that is not a mapping, or any invalid field.
    """
    data = _parse_yaml(text, where)
    if not isinstance(data, dict):
        raise InputError(
            where, "must be a YAML mapping of scenario fields", got=type(data).__name__
        )
    return Scenario.from_dict(data)


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load a built-in scenario by name, or a scenario YAML file by path.

    Parameters
    ----------
    name_or_path : str or path-like
        A built-in name (see :func:`list_scenarios`) or the path of a ``.yaml`` file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    mscsim.InputError
        Unknown name, unreadable file, malformed YAML or an invalid field (one line naming
        the field path and what is allowed).

    Examples
    --------
    >>> s = load_scenario("lanzoni2021")
    >>> s.sample_size, [a.name for a in s.arms]
    (24, ['uc_msc', 'vehicle'])
    """
    text_name = os.fspath(name_or_path)
    builtins = builtin_names()
    if text_name in builtins and not isinstance(name_or_path, os.PathLike):
        text = resources.files(_BUILTIN_PACKAGE).joinpath(f"{text_name}.yaml").read_text("utf-8")
        return scenario_from_yaml(text, f"{text_name}.yaml")
    path = Path(text_name)
    if not path.is_file():
        raise InputError(
            "scenario",
            f"must be a built-in scenario ({', '.join(builtins)}) or the path of a YAML file",
            got=text_name,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            str(path), f"must be a readable UTF-8 text file ({exc.__class__.__name__})"
        ) from None
    return scenario_from_yaml(text, str(path))


def list_scenarios() -> list[ScenarioSummary]:
    """Summaries of all built-in scenarios, sorted by name."""
    out = []
    for name in builtin_names():
        s = load_scenario(name)
        arms = (*(a.name for a in s.arms if not a.is_control), s.control_arm.name)
        out.append(
            ScenarioSummary(
                name=s.name,
                title=s.title,
                citation=s.citation.text,
                doi=s.citation.doi,
                registry_id=s.citation.registry_id,
                sample_size=s.sample_size,
                arms=arms,
                follow_up_days=s.follow_up_days,
                n_published_results=len(s.published_results),
            )
        )
    return out


def canonical_json(scenario: Scenario) -> str:
    """Canonical JSON of a scenario: sorted keys, no whitespace, ASCII, no NaN."""
    return json.dumps(
        scenario.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of :func:`canonical_json`; equal scenarios have equal hashes.

    Every field counts, including defaults, notes and published results, so the hash
    identifies exactly the scenario a run used (e.g. in a run's ``manifest.json``).
    """
    return hashlib.sha256(canonical_json(scenario).encode("ascii")).hexdigest()


def parse_parameter_overrides(items: list[str] | None, option: str = "--param") -> dict[str, float]:
    """``["NAME=VALUE", ...]`` to a dict, each checked against the parameter's bounds.

    Raises
    ------
    mscsim.InputError
        Naming `option`, on a malformed item, an unknown name or a value out of bounds.
    """
    from mscsim.model import MSC_COVID

    out: dict[str, float] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(option, "must be NAME=VALUE, e.g. EC50_msc=1e8", item)
        if name not in MSC_COVID.parameter_names:
            raise InputError(option, "NAME must be a model parameter (see `mscsim params`)", name)
        try:
            value = float(text)
        except ValueError:
            raise InputError(option, f"VALUE of {name} must be a number", text) from None
        p = MSC_COVID.parameter(name)
        if not (p.lower <= value <= p.upper):  # also rejects nan
            raise InputError(
                option,
                f"{name} must lie within its bounds [{p.lower:g}, {p.upper:g}] {p.unit}",
                value,
            )
        out[name] = value
    return out
