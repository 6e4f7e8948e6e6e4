"""Turning a raw grid into tidy tables and located problems: the wide and long layouts."""
