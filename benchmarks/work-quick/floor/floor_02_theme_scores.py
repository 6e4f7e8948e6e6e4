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

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import caseaudit_lib as ca
from caseaudit_lib import plots, views

params = ca.params_from_namespace(globals())
_floor_flush()

results = ca.score_params(params)
_floor_display(print(f'{params.title}: {results.audit.n_cases} cases'))
_floor_flush()

ax = plots.theme_scores_chart(results.scores.themes, bands=results.framework)
_floor_flush()

_floor_display(views.styled(views.theme_table(results)))
_floor_flush()

for theme in results.framework.themes:
    display(Markdown(f"### {theme.name}"))
    plots.question_scores_chart(
        results.scores.questions, theme_id=theme.id, bands=results.framework
    )
    plt.show()
    display(views.styled(views.question_table(results, theme.id)))
    dragging = views.cases_dragging_down(results, theme.id)
    if len(dragging):
        display(views.styled(dragging, f"Cases that drag {theme.name} down"))
    else:
        print(f"No single case pulls {theme.name} down.")
_floor_flush()

ax = plots.auditor_chart(results.scores.auditors)
plt.show()
_floor_display(views.styled(views.auditor_table(results)))
_floor_flush()

_floor_display(print('\n\n'.join(views.flag_sentences(results)) or 'No auditor is flagged.'))
_floor_flush()

agreement = views.agreement_table(results)
if len(agreement):
    display(views.styled(agreement))
else:
    print("No case was marked twice, so there is no agreement to show.")
_floor_flush()

if results.framework.overall is None:
    print("This framework has no HMIP standards or overall rating.")
else:
    display(views.styled(views.standards_table(results)))
    print(views.overall_sentence(results))
_floor_flush()

questions = results.scores.questions.set_index('question_id')['score_pct']
_floor_display(views.show_record(views.record(results, questions=questions.to_dict(), flagged=int(results.scores.auditors['flag'].sum()), overall=results.scores.overall)))
_floor_flush()
