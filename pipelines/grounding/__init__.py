"""Grounding: candidates printed on the page, layout rules, the grounded grammar, ranking, evidence boxes."""
