"""Writing results out: score tables, the offline HTML report, and the headless browser."""
