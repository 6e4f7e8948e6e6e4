"""Writing results out: score tables, the offline HTML and PDF report, the overview of audits.

The names below are shared by the export modules and the build (which publishes what they
write); they live here, where importing them costs nothing (``export/html.py`` pulls in
nbconvert and ``export/overview.py`` pandas, which a batch that changed nothing must not pay
for).
"""

from pathlib import Path

REPORT_FILE = "report.html"  # the board report in each outputs/<audit_id>/
OVERVIEW_FILE = "index.html"  # the overview of every audit, in outputs/
REGION_FILE = "region.html"  # the regional view (funnel plots), in outputs/, when there is one
TEMPLATES_DIR = Path(__file__).parent / "templates"  # the report's and the overview's templates
