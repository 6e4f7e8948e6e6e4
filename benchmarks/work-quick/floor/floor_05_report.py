from floor_prelude import display as _floor_display, flush as _floor_flush

audit_id: str = "bromley-2016"  # slug naming the audit and its outputs folder outputs/<audit_id>/
title: str = "Case file audit, Bromley YOS, March 2016 (synthetic sample)"  # the report's title
service: str = "Bromley YOS"  # the youth justice service audited
audit_date: str = "2016-03-21"  # first day of the audit, YYYY-MM-DD; orders audits in a trend
audit_end_date: str = "2016-03-22"  # last day if the audit took more than one day, or None
data_file: str = "data/bromley-2016-audit.xlsx"  # scoring file (xlsx, ods, csv...), from the root
framework: str = "yjb-audit-2016"  # a packaged framework's name, or a framework YAML file
caseload: int = 80  # cases open at the service that the sample came from; None if not known
sample_description: str = (  # how the cases were chosen, in words
    "all cases that started from 1 September 2015, when the new Deputy and Head of Service arrived"
)
baselines: list[str] = [  # baseline files (inspection figures or judgements) to compare with
    "data/baselines/bromley-hmip-fji-2015.yaml",
    "data/baselines/bromley-hmip-2012.yaml",
]
earlier_audits: list[str] = []  # params files of earlier audits of the same service
findings_file: str = "data/findings/bromley-2016.yaml"  # the analyst's findings file, or None
organisational_ratings: dict[str, str] = {}  # HMIP framework only: {"1.1": "Good", ...}
privacy: dict[str, list[str]] = {"drop": [], "pseudonymise": []}  # extra columns to drop or hash
_floor_flush()

# Parameters
audit_id = "bromley-2016"
title = "Case file audit, Bromley YOS, March 2016 (synthetic sample)"
service = "Bromley YOS"
audit_date = "2016-03-21"
audit_end_date = "2016-03-22"
data_file = "data/bromley-2016-audit.xlsx"
framework = "yjb-audit-2016"
caseload = 80
sample_description = "all cases that started from 1 September 2015, when the new Deputy and Head of Service arrived"
baselines = ["data/baselines/bromley-hmip-fji-2015.yaml", "data/baselines/bromley-hmip-2012.yaml"]
earlier_audits = []
findings_file = "data/findings/bromley-2016.yaml"
organisational_ratings = {}
privacy = {"drop": [], "pseudonymise": []}

from IPython.display import Markdown, display

import caseaudit_lib as ca
from caseaudit_lib import plots
from caseaudit_lib.narrative import Narrative
from caseaudit_lib.report import display_figure

params = ca.params_from_namespace(globals())
results = ca.score_params(params)
story = Narrative(results)
_floor_flush()

_floor_display(display(Markdown(story.background())))
_floor_flush()

display(Markdown(story.conclusion()))
display_figure(plots.theme_scores_chart(results.scores.themes, bands=results.framework))
if not results.comparison.empty:
    display_figure(
        plots.comparison_chart(
            results.comparison, bands=results.framework, themes=results.scores.themes
        )
    )
_floor_flush()

_floor_display(display(Markdown(story.good_practice())))
_floor_flush()

for theme in results.framework.themes:
    display(Markdown(story.theme_heading(theme.id)))
    display(Markdown(story.theme_score(theme.id)))
    display_figure(
        plots.question_scores_chart(
            results.scores.questions, theme_id=theme.id, bands=results.framework
        )
    )
    display(Markdown(story.theme_findings(theme.id)))
_floor_flush()

_floor_display(display(Markdown(story.recommendations())))
_floor_flush()

_floor_display(display(Markdown(story.annex())))
_floor_flush()
