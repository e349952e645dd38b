"""Candidates drawn block by block or all blocks at once are the same patients."""

import numpy as np

from mscsim.population import concat, draw_block, draw_blocks
from mscsim.trial import load_scenario


def test_draw_blocks_equals_concatenated_single_blocks():
    sc = load_scenario("bowdish2023")
    blocks = [(0, 0), (0, 1), (7, 3), (2, 0), (7, 4)]
    for overrides in (None, {"Emax_kgf": 2.0, "k_rep": 0.5}):
        one = concat([draw_block(sc.population, 11, r, b, overrides) for r, b in blocks])
        many = draw_blocks(sc.population, 11, blocks, overrides)
        for name in ("age", "female", "weight", "comorbidity", "screening_day", "score"):
            np.testing.assert_array_equal(getattr(many, name), getattr(one, name))
        np.testing.assert_array_equal(many.uniforms, one.uniforms)
        assert many.params.keys() == one.params.keys() and many.y0.keys() == one.y0.keys()
        for k in one.params:
            np.testing.assert_array_equal(many.params[k], one.params[k])
        for k in one.y0:
            np.testing.assert_array_equal(many.y0[k], one.y0[k])
    # a block is its own stream: it does not depend on which other blocks are drawn with it
    alone = draw_block(sc.population, 11, 7, 3)
    np.testing.assert_array_equal(draw_blocks(sc.population, 11, blocks).age[32:48], alone.age)


def _reference_block(population, seed, replicate, block, n_iiv):
    """One block drawn by the plain Generator calls that `_raw_draws` merges (the stream
    order documented there)."""
    from mscsim.model import SEVERITIES
    from mscsim.population._population import BLOCK, DEFAULT_MIX, N_UNIFORMS, STREAM_POPULATION

    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM_POPULATION, replicate, block]))
    mix = population.disease_mix or DEFAULT_MIX
    probs = np.array([mix.get(s, 0.0) for s in SEVERITIES])
    days = population.onset_to_screening_days
    return {
        "u_age": rng.uniform(size=BLOCK),
        "female": rng.uniform(size=BLOCK) < population.female_fraction,
        "u_weight": rng.uniform(size=BLOCK),
        "comorbidity": rng.poisson(population.comorbidity_mean, BLOCK),
        "screening_day": rng.integers(days.min, days.max + 1, BLOCK),
        "severity_class": rng.choice(len(SEVERITIES), size=BLOCK, p=probs / probs.sum()),
        "jitter": rng.uniform(-0.5, 0.5, BLOCK),
        "z": rng.standard_normal((BLOCK, n_iiv)),
        "uniforms": rng.uniform(size=(BLOCK, N_UNIFORMS)),
    }


def test_merged_stream_calls_draw_what_the_plain_generator_calls_draw():
    from mscsim.model import SEVERITIES
    from mscsim.population._population import DEFAULT_MIX, _raw_draws

    sc = load_scenario("bowdish2023")
    mixes = (None, {"severe": 0.5416667, "critical": 0.4583333}, {"critical": 1.0})
    for mix in mixes:
        pop = sc.population.model_copy(update={"disease_mix": mix})
        blocks = [(r, b) for r in (0, 3, 999) for b in range(40)]
        raw = _raw_draws(pop, 5, blocks, 13)
        ref = [_reference_block(pop, 5, r, b, 13) for r, b in blocks]
        for key in ref[0]:
            want = np.stack([d[key] for d in ref])
            got = raw[key].reshape(want.shape)
            assert got.dtype == want.dtype, key
            np.testing.assert_array_equal(got, want, err_msg=key)
        weights = [(mix or DEFAULT_MIX).get(s, 0.0) for s in SEVERITIES]
        drawn = set(np.unique(raw["severity_class"]).tolist())
        assert drawn == {i for i, w in enumerate(weights) if w > 0}  # never a zero-weight class
