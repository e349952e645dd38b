"""Designing the next trial: group-sequential boundaries and adaptive designs."""

from mscsim.design._boundaries import SPENDING, GroupSequentialDesign, design_boundaries

__all__ = ["SPENDING", "GroupSequentialDesign", "design_boundaries"]
