"""The docstring examples of the public evidence API run."""

from __future__ import annotations

import doctest

import pytest

import mscsim.evidence
import mscsim.evidence.meta._api


@pytest.mark.parametrize("module", [mscsim.evidence, mscsim.evidence.meta._api])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
