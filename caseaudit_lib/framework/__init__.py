"""Frameworks: questions, themes, case types and rating bands, and the shipped YAML files."""
