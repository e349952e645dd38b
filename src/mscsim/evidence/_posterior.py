"""The versioned posterior of the calibrated parameters, shipped with the package.

``posterior/posterior.json`` holds the parameter draws (values on each parameter's natural
scale), the sampler diagnostics, the data it was fitted to (with a hash), the code version,
the seed and the surrogate's check. :class:`PosteriorDraws` hands one draw to each replicate
trial (``run_trial(param_draws=...)``): replicate ``r`` of a run seeded ``seed`` takes draw
``Generator(SeedSequence([seed, STREAM_POSTERIOR, r])).integers(n_draws)``, the same for every
design of that replicate (a virtual evidence base shares one MSC effect). A posterior with a
between-trial product spread (``tau_efficacy_log10``: the maximal MSC effects;
``tau_potency_log10``: the potency) also gives each virtual trial its product's multiplier
``10 ** (tau * z)``, ``z`` keyed by the run's own seed and the replicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.model import MSC_COVID

#: Between-trial effects of the infused product drawn per virtual trial: each multiplies its
#: targets by ``10 ** (sign * tau * z)`` (capped at the parameter's upper bound). Potency acts as
#: a multiplier of the product's per-arm potency (the product table's value is kept).
PRODUCT_EFFECTS: dict[str, dict[str, float]] = {
    "tau_potency_log10": {"potency": 1.0},
    "tau_efficacy_log10": {"Emax_kgf": 1.0, "Imax_tsg": 1.0},
}
_DEFAULTS = {p.name: p.value for p in MSC_COVID.parameters}
_UPPER = {p.name: p.upper for p in MSC_COVID.parameters}

#: Version of the posterior file's layout (not of its contents: see ``data_hash``).
POSTERIOR_SCHEMA = 1
STREAM_POSTERIOR = 9


@dataclass(frozen=True)
class Posterior:
    """Parameter draws with their provenance (``meta``: diagnostics, data, version, seed)."""

    names: tuple[str, ...]
    draws: np.ndarray  # (n_draws, n_params), natural scale
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        """Short id of this posterior: hash of its draws and data."""
        h = hashlib.sha256(np.ascontiguousarray(self.draws).tobytes())
        h.update(str(self.meta.get("data_hash", "")).encode())
        return h.hexdigest()[:12]

    def draw(self, i: int) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.draws[i])}

    def summary(self) -> dict[str, dict[str, float]]:
        q = np.quantile(self.draws, [0.05, 0.5, 0.95], axis=0)
        return {
            n: {"q05": float(q[0, j]), "median": float(q[1, j]), "q95": float(q[2, j])}
            for j, n in enumerate(self.names)
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": POSTERIOR_SCHEMA,
            "names": list(self.names),
            "draws": self.draws.tolist(),
            "summary": self.summary(),
            "version": self.version,
            **self.meta,
        }

    def write(self, path: str | Path) -> Path:
        from mscsim._atomic import write_text_atomic

        return write_text_atomic(Path(path), json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def from_dict(cls, doc: dict[str, Any], where: str = "posterior") -> Posterior:
        if doc.get("schema") != POSTERIOR_SCHEMA:
            raise InputError(f"{where}.schema", f"{POSTERIOR_SCHEMA}", got=doc.get("schema"))
        names = tuple(doc["names"])
        draws = np.asarray(doc["draws"], dtype=float)
        if draws.ndim != 2 or draws.shape[1] != len(names) or draws.shape[0] < 1:
            raise InputError(
                f"{where}.draws", f"a list of rows of {len(names)} numbers", got=draws.shape
            )
        skip = {"schema", "names", "draws", "summary", "version"}
        return cls(names, draws, {k: v for k, v in doc.items() if k not in skip})


def shipped_path() -> Path:
    return Path(str(resources.files("mscsim.evidence") / "posterior" / "posterior.json"))


def load_posterior(spec: str | Path | None = "default") -> Posterior | None:
    """``"default"``: the shipped posterior; ``"none"`` / None: no posterior; else a file."""
    if spec is None or str(spec) == "none":
        return None
    path = shipped_path() if str(spec) == "default" else Path(spec)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(
            "--posterior", "default, none or an existing posterior JSON file", got=str(spec)
        ) from None
    except json.JSONDecodeError as e:
        raise InputError(
            "--posterior", "a posterior JSON file (mscsim calibrate)", got=f"{path}: {e.msg}"
        ) from None
    return Posterior.from_dict(doc, where=str(path))


class PosteriorDraws:
    """``param_draws`` for :func:`mscsim.trial.run_trial`: one posterior draw per replicate."""

    def __init__(self, posterior: Posterior, seed: int, skip: frozenset[str] = frozenset()):
        # only the draws travel to worker processes (not the surrogate, data and diagnostics)
        self.posterior = Posterior(posterior.names, posterior.draws, {})
        self.seed, self.skip = int(seed), frozenset(skip)

    def index(self, replicate: int) -> int:
        rng = np.random.default_rng(
            np.random.SeedSequence([self.seed, STREAM_POSTERIOR, int(replicate)])
        )
        return int(rng.integers(self.posterior.draws.shape[0]))

    def __call__(self, seed: int, replicate: int) -> dict[str, float]:
        d = self.posterior.draw(self.index(replicate))
        for k, name in enumerate(PRODUCT_EFFECTS):
            tau = d.pop(name, 0.0)
            if tau <= 0:
                continue
            # the trial's product: keyed by the run's seed (a design's own in a virtual
            # meta-analysis), so trials differ while sharing the posterior draw
            z = np.random.default_rng(
                np.random.SeedSequence([int(seed), STREAM_POSTERIOR, int(replicate), 1 + k])
            ).standard_normal()
            for target, sign in PRODUCT_EFFECTS[name].items():
                base = d.get(target, _DEFAULTS[target])
                d[target] = float(min(base * 10.0 ** (sign * tau * z), _UPPER[target]))
        return {k: v for k, v in d.items() if k not in self.skip}


def posterior_draws(spec, scenario, seed: int) -> tuple[PosteriorDraws | None, dict[str, Any]]:
    """(param_draws, provenance) for a run of `scenario` seeded `seed` under posterior `spec`
    (``"default"``, ``"none"`` or a file). Parameters the scenario overrides keep its value."""
    post = load_posterior(spec)
    if post is None:
        return None, {"posterior": "none"}
    skip = frozenset(getattr(scenario, "parameters", {}) or {})
    prov = {
        "posterior": "default" if str(spec) == "default" else str(spec),
        "posterior_version": post.version,
        "posterior_data_hash": post.meta.get("data_hash"),
        "posterior_parameters": [n for n in post.names if n not in skip],
    }
    return PosteriorDraws(post, seed, skip), prov
