"""Scores, intervals, ratings and moderation agreement: the only home of the theme rules."""
