"""Writing results out: score tables, the offline HTML and PDF report, the overview of audits."""
