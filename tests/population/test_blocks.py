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
