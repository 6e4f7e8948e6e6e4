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

import caseaudit_lib as ca
from caseaudit_lib import explore, views

params = ca.params_from_namespace(globals())
_floor_flush()

results = ca.score_params(params)
_floor_display(print(f'{params.title}: {results.audit.n_cases} cases'))
_floor_flush()

_floor_display(explore.explorer(results))
_floor_flush()

theme_id = views.lowest_theme(results)
case_type = None
auditor = None
_floor_display(print('Theme:', results.framework.theme(theme_id).name))
_floor_flush()

_floor_display(views.styled(explore.theme_overview(results, case_type, auditor)))
_floor_flush()

_floor_display(views.styled(explore.theme_questions(results, theme_id, case_type, auditor)))
_floor_flush()

poor = explore.question_cases(results, theme_id, case_type=case_type, auditor=auditor, answer='not sufficient')
_floor_display(views.styled(poor))
_floor_flush()

dragging = views.cases_dragging_down(results, theme_id, limit=1)
case_id = dragging['Case'].iloc[0] if len(dragging) else results.audit.cases['case_id'].iloc[0]
print('Case:', case_id)
_floor_display(views.styled(explore.case_answers(results, case_id)))
_floor_flush()

_floor_display(views.show_record(views.record(results, theme_id=theme_id, not_sufficient_rows=len(poor))))
_floor_flush()
