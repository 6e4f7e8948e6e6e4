"""Baselines, comparisons against them and earlier audits, and the trend over years."""
