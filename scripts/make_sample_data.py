"""Write the bundled synthetic sample audits, their params files and the Bromley baselines.

Everything here is made up. The 2016 audit follows the story of the YJB's case file audit of
Bromley YOS (21-22 March 2016) theme by theme, but no case, child or auditor
is real: case ids such as BRM-16-001, auditors "Auditor A".."Auditor G", and identifying columns
(child_name, dob, cms_ref) filled with obviously invented values so that the loader's privacy step
has something to drop. The baselines are the published HMIP figures (2012 and 2015).

Answers are drawn per case and question: a question's probability of "sufficient" (from the story)
moved on the logit scale by a case effect and a smaller auditor effect, so that weak cases drag
every theme down, as in real audits. Which question gets which probability is decided by matching
the question's wording, never its id, so the story survives a re-numbered framework; every story
rule must match at least one question, so a re-worded framework fails loudly here.

Run: ``python scripts/make_sample_data.py [--out DIR]`` (default: the project root). Deterministic:
a fixed seed, and xlsx files with fixed timestamps, so a second run writes identical bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl.writer.excel import ExcelWriter

from caseaudit_lib.forms.auditor_forms import form_file_name
from caseaudit_lib.forms.template import FIRST_CASE_ROW, HEADER_ROW, build_template
from caseaudit_lib.framework.model import Framework, load_framework
from caseaudit_lib.paths import project_root

# Any seed gives a plausible audit; this one was picked among the first 300 because its 20-case
# draw tells the seed report's story closely (tests/test_sample_data.py checks the main points).
SEED = 227
FIXED_TIME = dt.datetime(2016, 3, 22, 17, 0, 0)
IDENTIFYING = ("child_name", "dob", "cms_ref")
# Invented names: the surnames say they are not real people and are easy to find in a leak check.
FIRST_NAMES = (
    "Alex Jordan Casey Riley Morgan Taylor Jamie Sam Charlie Robin Kai Ashley Drew Quinn Rowan "
    "Frankie Jesse Sky Reese Harley"
).split()
SURNAMES = "Sample Example Placeholder Madeup Fictional Synthetic Notreal Testcase".split()


@dataclass(frozen=True)
class Rule:
    """A probability of "sufficient" for the questions whose wording (and theme) match."""

    name: str  # a short name for the story's own use (never a question id)
    text: str  # regex on the question wording, case-insensitive
    p: float
    theme: str = ""  # regex on the theme name; "" for any theme
    na: float = 0.0  # share judged N/A by the auditor where it applies ("where ... existed")
    yes: tuple[str, ...] = ()  # evidence comments for a sufficient answer
    no: tuple[str, ...] = ()  # ... and for a not sufficient one


@dataclass(frozen=True)
class Story:
    """How one synthetic audit's answers are drawn."""

    rules: tuple[Rule, ...]
    default_p: float = 0.6  # for a question no rule matches
    case_sd: float = 0.8  # logit-scale case effect: some cases are weak throughout
    auditor_sd: float = 0.25
    blank: float = 0.012  # not answered
    comment: float = 0.3  # share of answers with an evidence comment


GENERIC_YES = ("Evidence seen on the case management system.", "Clear and well recorded.")
GENERIC_NO = ("Not evident on the case management system.", "Limited evidence; not sufficient.")

# The Bromley story, question by question, from the seed report. Columns: name, theme (regex on
# the theme name), wording (regex on the question text), p(sufficient) in March 2016, in March
# 2017 (planning and oversight better, vulnerability still weak), share judged N/A by auditors.
# fmt: off
_BROMLEY = (
    ("timeliness",     "assess",  r"timescales",                      0.88, 0.90, 0.0),
    ("backdating",     "assess",  r"back-dating",                     0.65, 0.80, 0.0),
    ("analysis",       "assess",  r"analysis draw",                   0.35, 0.50, 0.0),
    ("wdyt",           "assess",  r"what do you think",               0.12, 0.35, 0.0),
    ("desist_assess",  "assess",  r"factors for desistance",          0.30, 0.50, 0.0),
    ("diversity",      "assess",  r"diversity",                       0.75, 0.75, 0.0),
    ("psr",            "report",  r"\(PSR\) of a sufficient",         0.80, 0.82, 0.0),
    ("psr_proposal",   "report",  r"PSR proposal",                    0.45, 0.60, 0.0),
    ("ro_length",      "report",  r"two pages",                       0.15, 0.55, 0.0),
    ("ro_interv",      "report",  r"avoid specifying",                0.30, 0.60, 0.0),
    ("gatekeeping",    "report",  r"gatekeeping",                     0.35, 0.70, 0.0),
    ("smart",          "plan",    r"SMART",                           0.20, 0.55, 0.0),
    ("plan_language",  "plan",    r"words the child understands",     0.25, 0.55, 0.0),
    ("desist_plan",    "plan",    r"factors for desistance",          0.30, 0.50, 0.0),
    ("plan_diversity", "plan",    r"diversity",                       0.20, 0.40, 0.0),
    ("delivery",       "plan",    r"content of contacts",             0.45, 0.65, 0.0),
    ("other_plans",    "plan",    r"other agencies' plans",           0.25, 0.45, 0.4),
    ("panel",          "plan",    r"panel members",                   0.35, 0.50, 0.0),
    ("reparation",     "plan",    r"reparation",                      0.30, 0.50, 0.1),
    ("exit",           "plan",    r"exit planning",                   0.20, 0.45, 0.0),
    ("resettlement",   "plan",    r"resettlement",                    0.30, 0.50, 0.0),
    ("rosh",           "risk",    r"risk of harm to others",          0.75, 0.80, 0.0),
    ("vulnerability",  "risk",    r"vulnerability adequately",        0.30, 0.38, 0.0),
    ("rmp",            "risk",    r"risk management plan",            0.25, 0.45, 0.0),
    ("vmp",            "risk",    r"vulnerability management plan",   0.20, 0.30, 0.0),
    ("rosh_updated",   "risk",    r"updated rather than duplicated",  0.40, 0.60, 0.5),
    ("cse",            "risk",    r"\(CSE\)",                         0.30, 0.45, 0.0),
    ("follow_up",      "oversi",  r"follow-up",                       0.30, 0.60, 0.2),
    ("supervision",    "oversi",  r"supervision",                     0.20, 0.60, 0.0),
    ("escalation",     "oversi",  r"escalation",                      0.30, 0.50, 0.4),
    ("compliance",     "oversi",  r"compliance panel",                0.30, 0.65, 0.5),
    ("risk_panel",     "oversi",  r"risk panel",                      0.35, 0.60, 0.5),
    ("qa_crossref",    "oversi",  r"cross-reference",                 0.45, 0.65, 0.0),
    ("mgr_contacts",   "oversi",  r"recorded as contacts",            0.40, 0.70, 0.0),
    ("social_care",    "partner", r"social care",                     0.30, 0.40, 0.4),
    ("court",          "partner", r"court",                           0.40, 0.50, 0.0),
    ("specialists",    "partner", r"specialist",                      0.90, 0.90, 0.2),
    ("school",         "partner", r"school",                          0.80, 0.80, 0.1),
    ("partner_escal",  "partner", r"escalated beyond",                0.15, 0.30, 0.5),
)
# fmt: on

# Short evidence notes in the words of the seed report (no names, no case details): story
# name, whether the answer was sufficient, the note.
# fmt: off
_NOTES = (
    ("timeliness", "yes", "Asset completed within National Standards timescales."),
    ("timeliness", "no", "Asset late; no reason for the delay recorded."),
    ("backdating", "yes", "Dates on the system consistent."),
    ("backdating", "no", "Asset appears to have been back-dated."),
    ("analysis", "yes",
     "Template used to link analysis back to offending, risk and vulnerability."),
    ("analysis", "no", "Lots of information from several sources but little analysis."),
    ("analysis", "no", "No clear conclusion on the links with offending and reoffending."),
    ("wdyt", "yes", "WDYT used to inform the analysis."),
    ("wdyt", "no", "WDYT completed but not used in the analysis."),
    ("wdyt", "no", "Little of the young person's voice."),
    ("desist_assess", "yes", "Strengths and factors for desistance identified."),
    ("desist_assess", "no", "Focus on the factors against desistance only."),
    ("diversity", "yes", "Diversity needs identified in the assessment."),
    ("diversity", "no", "Learning needs noted but not explored."),
    ("psr", "yes", "PSR of a sufficient standard."),
    ("psr", "no", "PSR lacked analysis."),
    ("psr_proposal", "yes", "Proposal linked to the needs identified."),
    ("psr_proposal", "no", "Proposal did not say how it would address the needs identified."),
    ("ro_length", "yes", "Panel report concise."),
    ("ro_length", "no", "Referral order report six pages long."),
    ("ro_interv", "yes", "Report suggests what the panel may wish to consider."),
    ("ro_interv", "no", "Report specifies interventions."),
    ("gatekeeping", "yes", "Gatekeeping form located."),
    ("gatekeeping", "no", "No gatekeeping form or record of QA on the system."),
    ("smart", "yes", "Plan specific with measurable outcomes."),
    ("smart", "no", "Plan not specific; outcomes not measurable."),
    ("plan_language", "yes", "Plan in plain words and signed."),
    ("plan_language", "no", "Professional language in the plan."),
    ("desist_plan", "yes", "Plan builds on interests and strengths."),
    ("desist_plan", "no", "Plan addresses factors against desistance only."),
    ("plan_diversity", "yes", "Materials matched to learning style."),
    ("plan_diversity", "no", "Learning needs identified but not in the plan."),
    ("delivery", "yes", "Contacts link back to the plan."),
    ("delivery", "no", "Delivery of the plan not seen in contacts."),
    ("other_plans", "yes", "CIN plan actions reflected in the YOS plan."),
    ("other_plans", "no", "CIN plan actions not in the YOS plan."),
    ("panel", "yes", "Panel members shaped the contract."),
    ("panel", "no", "Contract drafted by the case worker alone."),
    ("reparation", "yes", "Reparation followed offending behaviour work."),
    ("reparation", "no", "Reparation completed first on the order."),
    ("exit", "yes", "Step-down planned with the young person."),
    ("exit", "no", "No exit planning as the order ends."),
    ("resettlement", "yes", "Resettlement needs explored."),
    ("resettlement", "no", "Plan follows the custodial regime only; resettlement not explored."),
    ("rosh", "yes", "Risk of harm assessment adequate."),
    ("rosh", "no", "Risk of harm under-estimated."),
    ("vulnerability", "yes", "Vulnerability assessed, including risk factors."),
    ("vulnerability", "no", "Vulnerability under-assessed."),
    ("vulnerability", "no", "Risk factors not recognised as making the young person vulnerable."),
    ("rmp", "yes", "RMP specific: who, what, when."),
    ("rmp", "no", "RMP cut and pasted from the Asset."),
    ("vmp", "yes", "VMP specific to the concerns."),
    ("vmp", "no", "VMP not specific; copied from the Asset."),
    ("rosh_updated", "yes", "RoSH updated for the new order."),
    ("rosh_updated", "no", "RoSH duplicated from the previous order without updating."),
    ("cse", "yes", "CSE considered and recorded."),
    ("cse", "no", "No reference to CSE."),
    ("follow_up", "yes", "Manager's actions followed up."),
    ("follow_up", "no", "Manager's actions recorded but no follow-up."),
    ("supervision", "yes", "Case discussed in supervision, recorded."),
    ("supervision", "no", "No record of supervision discussion."),
    ("escalation", "yes", "Escalated and recorded."),
    ("escalation", "no", "Escalation needed but not documented."),
    ("compliance", "yes", "Compliance panel outcome recorded."),
    ("compliance", "no", "Compliance panel evidence sparse."),
    ("risk_panel", "yes", "Risk panel recorded with attendees."),
    ("risk_panel", "no", "Limited record of the risk panel discussion."),
    ("qa_crossref", "yes", "QA checked against the assessment."),
    ("qa_crossref", "no", "Risk level differs between RoSH and PSR."),
    ("mgr_contacts", "yes", "Manager's decisions recorded as contacts."),
    ("mgr_contacts", "no", "Oversight not visible on the system."),
    ("social_care", "yes", "Joint working with social care evident."),
    ("social_care", "no", "Little social care involvement."),
    ("court", "yes", "Court accepted the YOS proposal."),
    ("court", "no", "Court disregarded the YOS assessment."),
    ("specialists", "yes", "Good use of the in-house substance misuse worker."),
    ("specialists", "no", "Referral to the specialist not followed up."),
    ("school", "yes", "Timely information sharing with the school."),
    ("school", "no", "No contact with the school."),
    ("partner_escal", "yes", "Escalated to senior managers."),
    ("partner_escal", "no", "No escalation beyond operational level."),
)
# fmt: on


def _bromley_story(year: int) -> Story:
    column = {2016: 3, 2017: 4}[year]

    def notes(name: str, verdict: str) -> tuple[str, ...]:
        return tuple(text for n, v, text in _NOTES if n == name and v == verdict)

    return Story(
        rules=tuple(
            Rule(
                row[0],
                row[2],
                row[column],
                row[1],
                row[5],
                notes(row[0], "yes"),
                notes(row[0], "no"),
            )
            for row in _BROMLEY
        )
    )


STORY_2016 = _bromley_story(2016)
STORY_2017 = _bromley_story(2017)

MIX_BROMLEY = {r"referral": 9, r"rehabilitation|yro": 6, r"custod|dto|detention": 3,
               r"out.of.court|caution|oocd": 2}  # fmt: skip


def _fixed_zip(raw: bytes) -> bytes:
    """Return a zip with every entry's timestamp set to FIXED_TIME, so bytes are reproducible."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            zout.writestr(entry, zin.read(info.filename))
    return out.getvalue()


def save_stable(workbook, path: Path) -> None:
    """Save an openpyxl workbook with fixed document and zip timestamps."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "caseaudit make_sample_data.py (synthetic data)"
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp "modified" with the current time.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def write_yaml(data: dict, path: Path, header: str = "") -> None:
    """Write a YAML file in key order, with an optional comment header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.strip().splitlines())
    path.write_text(comment + text, encoding="utf-8")


def question_probabilities(framework: Framework, story: Story) -> dict[str, Rule]:
    """Return the story rule of each question (first match wins; a default when none does)."""
    out: dict[str, Rule] = {}
    for theme in framework.themes:
        for q in theme.questions:
            out[q.id] = next(
                (
                    r
                    for r in story.rules
                    if re.search(r.text, q.text, re.I) and re.search(r.theme, theme.name, re.I)
                ),
                Rule("default", "", story.default_p),
            )
    unused = [r.name for r in story.rules if r not in out.values()]
    if unused:
        sys.exit(f"story rules match no question of {framework.id}: {unused}")
    return out


def case_types(framework: Framework, mix: dict[str, int], rng: np.random.Generator) -> list[str]:
    """Return a shuffled list of case type ids with the counts the mix asks for."""
    types: list[str] = []
    for pattern, count in mix.items():
        match = [
            ct
            for ct, label in framework.case_types.items()
            if re.search(pattern, f"{ct} {label}", re.I)
        ]
        if not match:
            sys.exit(f"case type mix {pattern!r} matches no case type of {framework.id}")
        types += [match[0]] * count
    return list(rng.permutation(types))


def identifying(rng: np.random.Generator, n: int, on: dt.date) -> pd.DataFrame:
    """Return obviously invented names, dates of birth (aged 10-17) and CMS references."""
    first = rng.choice(FIRST_NAMES, n)
    last = rng.choice(SURNAMES, n)
    age_days = rng.integers(int(12.5 * 365), int(17.9 * 365), n)
    dob = [on - dt.timedelta(days=int(d)) for d in age_days]
    cms = rng.choice(np.arange(900000, 999999), n, replace=False)
    return pd.DataFrame(
        {
            "child_name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
            "dob": dob,
            "cms_ref": [f"CMS-{c}" for c in cms],
        }
    )


def simulate(
    framework: Framework,
    story: Story,
    rng: np.random.Generator,
    *,
    prefix: str,
    n_cases: int,
    auditors: list[str],
    mix: dict[str, int],
    on: dt.date,
    second_markings: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw one audit: its cases (with identifying columns) and its answers, in long form.

    Returns:
        ``(cases, answers)``: cases has case_id, auditor, case_type, marking and IDENTIFYING;
        answers has case_id, marking, question_id, answer ("Yes"/"No"/"N/A"/"") and comment.
    """
    probs = question_probabilities(framework, story)
    types = case_types(framework, mix, rng)
    if len(types) != n_cases:
        sys.exit(f"case type mix gives {len(types)} cases, not {n_cases}")
    cases = pd.DataFrame(
        {
            "case_id": [f"{prefix}-{i:03d}" for i in range(1, n_cases + 1)],
            # auditors take consecutive cases, as the cases were shared out by list
            "auditor": [auditors[i * len(auditors) // n_cases] for i in range(n_cases)],
            "case_type": types,
            "marking": "first",
        }
    )
    cases = pd.concat([cases, identifying(rng, n_cases, on)], axis=1)
    case_effect = rng.normal(0, story.case_sd, n_cases)
    effects = rng.normal(0, story.auditor_sd, len(auditors))
    auditor_effect = dict(zip(auditors, effects, strict=True))

    rows = []
    for i, case in cases.iterrows():
        for q in framework.questions:
            effect = case_effect[i] + auditor_effect[case["auditor"]]
            answer, comment = _draw(rng, story, q, case, probs[q.id], effect)
            rows.append((case["case_id"], "first", q.id, answer, comment))
    answers = pd.DataFrame(rows, columns=["case_id", "marking", "question_id", "answer", "comment"])

    if second_markings:
        picked = np.sort(rng.choice(n_cases, second_markings, replace=False))
        seconds = cases.iloc[picked].copy()
        # the moderator is the next auditor along, never the first marker
        seconds["auditor"] = [
            auditors[(auditors.index(a) + 3) % len(auditors)] for a in seconds["auditor"]
        ]
        seconds["marking"] = "second"
        remarked = answers[answers["case_id"].isin(seconds["case_id"])].copy()
        remarked["marking"] = "second"
        flip = rng.random(len(remarked)) < 0.12
        swap = {"Yes": "No", "No": "Yes"}
        remarked["answer"] = np.where(
            flip, remarked["answer"].map(lambda a: swap.get(a, a)), remarked["answer"]
        )
        remarked["comment"] = ""
        cases = pd.concat([cases, seconds], ignore_index=True)
        answers = pd.concat([answers, remarked], ignore_index=True)
    return cases, answers


def _draw(rng, story: Story, q, case, rule: Rule, effect: float) -> tuple[str, str]:
    """Return one answer and its evidence comment."""
    if not q.applies(case["case_type"]):
        return "N/A", ""
    u = rng.random(4)  # always four draws, so one answer's path never shifts the next
    if u[0] < rule.na:
        return "N/A", ""
    if u[1] < story.blank:
        return "", ""
    logit = np.log(rule.p / (1 - rule.p)) + effect
    yes = u[2] < 1 / (1 + np.exp(-logit))
    pool = (rule.yes or GENERIC_YES) if yes else (rule.no or GENERIC_NO)
    comment = pool[int(u[3] * 1000) % len(pool)] if u[3] < story.comment else ""
    return ("Yes" if yes else "No"), comment


def write_wide_xlsx(
    framework: Framework, cases: pd.DataFrame, answers: pd.DataFrame, path: Path
) -> None:
    """Fill the blank template with the cases, identifying columns added at the right."""
    workbook = build_template(framework, n_cases=len(cases))
    ws = workbook.active
    header = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    extra = ws.max_column + 1
    for j, name in enumerate(IDENTIFYING):
        ws.cell(HEADER_ROW, extra + j, name)
        header[name] = extra + j
    ws.cell(HEADER_ROW - 1, extra, "added by the service (dropped at load)")
    wide = answers.pivot(index=["case_id", "marking"], columns="question_id", values="answer")
    notes = answers.pivot(index=["case_id", "marking"], columns="question_id", values="comment")
    for r, case in enumerate(cases.itertuples(index=False), start=FIRST_CASE_ROW):
        key = (case.case_id, case.marking)
        ws.cell(r, header["case_id"], case.case_id)
        ws.cell(r, header["auditor"], case.auditor)
        ws.cell(r, header["case_type"], framework.case_types[case.case_type])
        ws.cell(r, header["marking"], "second" if case.marking == "second" else None)
        for name in IDENTIFYING:
            cell = ws.cell(r, header[name], getattr(case, name))
            if name == "dob":
                cell.number_format = "dd/mm/yyyy"
        for qid in framework.question_ids:
            ws.cell(r, header[qid], wide.at[key, qid] or None)
            ws.cell(r, header[f"{qid}_comment"], notes.at[key, qid] or None)
    save_stable(workbook, path)


def write_long_csv(
    framework: Framework, cases: pd.DataFrame, answers: pd.DataFrame, path: Path
) -> None:
    """Write the long layout: one row per case and question, case columns repeated."""
    # case types as a case management system exports them: a short alias where there is one
    short = {}
    for spelling, ct in framework.case_type_aliases.items():
        if len(spelling) <= 4 and ct not in short:
            short[ct] = spelling.upper()
    table = cases.assign(
        case_type=cases["case_type"].map(lambda ct: short.get(ct, ct)),
        dob=pd.to_datetime(cases["dob"]).dt.strftime("%d/%m/%Y"),
    ).merge(answers, on=["case_id", "marking"])
    # an exported sheet of this kind writes "NA" for not applicable
    table["answer"] = table["answer"].replace({"N/A": "NA"})
    columns = ["case_id", "auditor", "case_type", "marking", *IDENTIFYING, "question_id",
               "answer", "comment"]  # fmt: skip
    if (table["marking"] == "first").all():
        columns.remove("marking")
    path.parent.mkdir(parents=True, exist_ok=True)
    table[columns].to_csv(path, index=False, lineterminator="\n")


# FJI 2015 judged areas -> the yjb-audit-2016 themes each covers (our reading, stated in the file):
# matched on theme names, so the file always names the framework's real theme ids.
FJI_2015 = (
    ("reducing_reoffending", "Reducing reoffending", "Poor", r"assess|report|plan"),
    ("protecting_the_public", "Protecting the public", "Poor", r"risk"),
    ("protecting_the_child", "Protecting the child or young person", "Unsatisfactory",
     r"vulnerab|risk|safe"),
    ("ensuring_the_sentence_is_served", "Ensuring the sentence is served", "not known", r"$^"),
    ("governance_and_partnerships", "Governance and partnerships", "Poor", r"oversight|partner"),
    ("interventions", "Interventions", "Poor", r"plan|partner|interven|deliver"),
)  # fmt: skip


def themes_matching(framework: Framework, pattern: str) -> list[str]:
    """Return the ids of the themes whose name or id matches a pattern."""
    return [t.id for t in framework.themes if re.search(pattern, f"{t.id} {t.name}", re.I)]


def write_baselines(framework: Framework, folder: Path) -> None:
    """Write the 2015 full joint inspection (judgements) and 2012 core case inspection baselines."""
    areas = []
    for area_id, label, judgement, pattern in FJI_2015:
        themes = themes_matching(framework, pattern)
        areas.append({"id": area_id, "label": label, "judgement": judgement, "themes": themes})
    fji = {
        "id": "bromley-hmip-fji-2015",
        "title": "HMI Probation full joint inspection of youth offending work in Bromley (2015)",
        "service": "Bromley YOS",
        "date": "2015-05-01",
        "source": "HMI Probation, Full Joint Inspection of Youth Offending Work in Bromley, "
        "fieldwork January 2015, published May 2015. Judgements as published; 'Ensuring the "
        "sentence is served' is not known.",
        "kind": "judgements",
        "framework": framework.id,
        "scale": ["Good", "Satisfactory", "Unsatisfactory", "Poor"],
        "areas": areas,
    }
    write_yaml(
        fji,
        folder / "bromley-hmip-fji-2015.yaml",
        "Baseline: word judgements only, so no percentage change can be computed against it.\n"
        "The inspection's areas are not the audit's themes; the mapping below (areas -> themes of\n"
        f"{framework.id}) is caseaudit's reading: assessment, reports and planning towards\n"
        "reducing reoffending; risk of harm to protecting the public; risk and vulnerability to\n"
        "protecting the child; management oversight and partnership work to governance and\n"
        "partnerships; planning and partnership delivery to interventions.",
    )

    # The 2012 areas are case-level judgements. Safeguarding and risk of harm to others both fall
    # in one theme here, so each is set against the question closest to it; likelihood of
    # reoffending against the assessments theme. Found by wording, so never a stale id.
    def question_like(pattern: str) -> str:
        return next(q.id for q in framework.questions if re.search(pattern, q.text, re.I))

    core_2012 = {
        "id": "bromley-hmip-2012",
        "title": "HMI Probation core case inspection of youth offending work in Bromley (2012)",
        "service": "Bromley YOS",
        "date": "2012-03-01",
        "source": "HMI Probation press release, March 2012 (date: the month of the release): "
        "percentages of work done well enough (Safeguarding 81%, Risk of harm to others 75%, "
        "Likelihood of reoffending 82%). The numbers of cases behind them were not published.",
        "kind": "percentages",
        "framework": framework.id,
        "themes": [
            {
                "theme_id": themes_matching(framework, r"assess")[0],
                "label": "Likelihood of reoffending",
                "pct": 82,
            }
        ],
        "questions": [
            {
                "question_id": question_like(r"vulnerability adequately assessed"),
                "label": "Safeguarding",
                "pct": 81,
            },
            {
                "question_id": question_like(r"risk of harm to others"),
                "label": "Risk of harm to others",
                "pct": 75,
            },
        ],
    }
    write_yaml(
        core_2012,
        folder / "bromley-hmip-2012.yaml",
        "Baseline: published percentages without their counts (n not published), so a change\n"
        "can be shown but not tested against chance; the loader warns about each row.\n"
        "The 2012 areas are HMIP's own, set here against the closest parts of "
        + framework.id
        + ":\n"
        "likelihood of reoffending against the assessments theme; safeguarding against the\n"
        "vulnerability assessment question; risk of harm to others against the risk of harm\n"
        "assessment question (both of these sit in one theme, which cannot take two figures).",
    )


def write_bromley_params(folder: Path) -> None:
    """Write params/bromley-2016.yaml and params/bromley-2017.yaml."""
    p2016 = {
        "audit_id": "bromley-2016",
        "title": "Case file audit, Bromley YOS, March 2016 (synthetic sample)",
        "service": "Bromley YOS",
        "audit_date": "2016-03-21",
        "audit_end_date": "2016-03-22",
        "data_file": "data/bromley-2016-audit.xlsx",
        "framework": "yjb-audit-2016",
        "caseload": 80,
        "sample_description": "all cases that started from 1 September 2015, when the new "
        "Deputy and Head of Service arrived",
        "baselines": ["data/baselines/bromley-hmip-fji-2015.yaml",
                      "data/baselines/bromley-hmip-2012.yaml"],
        "earlier_audits": [],
        "findings_file": "data/findings/bromley-2016.yaml",
        "organisational_ratings": {},
        "privacy": {"drop": [], "pseudonymise": []},
    }  # fmt: skip
    p2017 = {
        **p2016,
        "audit_id": "bromley-2017",
        "title": "Follow-up case file audit, Bromley YOS, March 2017 (synthetic sample)",
        "audit_date": "2017-03-20",
        "audit_end_date": "2017-03-21",
        "data_file": "data/bromley-2017-audit.csv",
        "caseload": 75,
        "sample_description": "cases that started from 1 September 2016",
        "baselines": ["data/baselines/bromley-hmip-fji-2015.yaml"],
        "earlier_audits": ["params/bromley-2016.yaml"],
        "findings_file": "data/findings/bromley-2017.yaml",
    }
    note = (
        "Synthetic sample audit (scripts/make_sample_data.py).\n"
        "Paths are relative to the project root."
    )
    write_yaml(p2016, folder / "bromley-2016.yaml", note)
    write_yaml(p2017, folder / "bromley-2017.yaml", note)


# A strong service (HMIP-style key questions): reviewing and keeping others safe a little weaker.
STORY_HMIP = Story(
    rules=(
        Rule("reviewing", r"reviewing", 0.74, "review",
             yes=("Reviewed after the change in circumstances.",),
             no=("No review after a significant change.",)),
        Rule("others", r"other people", 0.8,
             yes=("Contingency plan for risk to others in place.",),
             no=("Risk to others not fully addressed.",)),
        Rule("child_safe", r"safe|safety", 0.86,
             yes=("Keeping the child safe well planned.",),
             no=("Safety concerns not followed up.",)),
    ),
    default_p=0.9,
    case_sd=0.6,
)  # fmt: skip

MIX_HMIP = {r"referral": 5, r"rehabilitation": 4, r"custody": 2, r"^youth_caution": 3,
            r"conditional": 4, r"community": 2}  # fmt: skip


def write_hmip_sample(rng: np.random.Generator, out: Path) -> None:
    """Write a small audit against HMIP's framework, with its params and organisational ratings."""
    hmip = load_framework("hmip-youth-2021")
    cases, answers = simulate(hmip, STORY_HMIP, rng, prefix="SMP-25", n_cases=20,
                              auditors=[f"Inspector {c}" for c in "ABCD"], mix=MIX_HMIP,
                              on=dt.date(2024, 11, 4))  # fmt: skip
    write_wide_xlsx(hmip, cases, answers, out / "data" / "sample-hmip-2025.xlsx")
    ratings = {}
    if hmip.overall is not None:
        good = hmip.bands[1].label  # one below the top band, for a realistic mix
        for i, (sid, _label) in enumerate(hmip.overall.organisational_standards):
            ratings[sid] = good if i == 1 else hmip.bands[0].label
    params = {
        "audit_id": "sample-hmip-2025",
        "title": "Case inspection sample against HMIP's youth framework (synthetic)",
        "service": "Sample Youth Justice Service",
        "audit_date": "2024-11-04",
        "audit_end_date": "2024-11-08",
        "data_file": "data/sample-hmip-2025.xlsx",
        "framework": hmip.id,
        "caseload": 110,
        "sample_description": "a random sample of court and out-of-court cases",
        "baselines": [],
        "earlier_audits": [],
        "findings_file": "data/findings/sample-hmip-2025.yaml",
        "organisational_ratings": ratings,
        "privacy": {"drop": [], "pseudonymise": []},
    }
    write_yaml(
        params,
        out / "params" / "sample-hmip-2025.yaml",
        "Synthetic sample audit (scripts/make_sample_data.py); a made-up service.\n"
        "organisational_ratings: domain 1 standards are rated by inspectors, not from cases.\n"
        "Dated within the 2018-2024 programme of its framework, which HMIP superseded from spring\n"
        "2025; its id keeps the name it was first bundled under.",
    )


SPLIT_FOLDER = "bromley-2016-audit"
CASELOAD_FILE = "bromley-2016-caseload.csv"
# Short codes, as a case management system exports them; `caseaudit sample --framework` maps them.
CASELOAD_TYPES = {"referral_order": "RO", "yro": "YRO", "custody": "DTO", "out_of_court": "YCC"}


def write_split_by_auditor(
    framework: Framework, cases: pd.DataFrame, answers: pd.DataFrame, folder: Path
) -> None:
    """Write the 2016 sample as the analyst receives it: one workbook per auditor.

    Each auditor's workbook holds the cases they marked, first or second, as in the single file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for auditor in sorted(cases["auditor"].unique()):
        mine = cases[cases["auditor"] == auditor].reset_index(drop=True)
        write_wide_xlsx(framework, mine, answers, folder / form_file_name(auditor))


def write_caseload(
    framework: Framework, audited: pd.DataFrame, rng: np.random.Generator, path: Path
) -> None:
    """Write the service's export of open cases: 110 cases, 80 started from 1 September 2015.

    Invented like the audit's identifying columns; its references are not the audit's case ids.
    """
    n_before, n_since = 30, 80
    weights = np.array([9, 6, 3, 2]) / 20  # the audited mix
    types = rng.choice(list(CASELOAD_TYPES.values()), n_before + n_since, p=weights)
    since = dt.date(2015, 9, 1)
    starts = [since - dt.timedelta(days=int(d)) for d in rng.integers(1, 240, n_before)]
    starts += [since + dt.timedelta(days=int(d)) for d in rng.integers(0, 180, n_since)]
    people = identifying(rng, n_before + n_since, dt.date(2016, 3, 1))
    table = pd.DataFrame(
        {
            "case_ref": [f"BRM-{5001 + i}" for i in range(n_before + n_since)],
            "child_name": people["child_name"],
            "dob": pd.to_datetime(people["dob"]).dt.strftime("%d/%m/%Y"),
            "case_type": types,
            "start_date": [d.isoformat() for d in starts],
        }
    ).sort_values(["start_date", "case_ref"])
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n")


def write_split_params(folder: Path) -> None:
    """Write params/bromley-2016-split.yaml: the 2016 audit read from its folder of workbooks."""
    params = yaml.safe_load((folder / "bromley-2016.yaml").read_text(encoding="utf-8"))
    params.update(
        audit_id="bromley-2016-split",
        title="Case file audit, Bromley YOS, March 2016, one workbook per auditor "
        "(synthetic sample)",
        data_file=f"data/{SPLIT_FOLDER}/",
        findings_file="data/findings/bromley-2016-split.md",
    )
    write_yaml(
        params,
        folder / "bromley-2016-split.yaml",
        "Synthetic sample audit (scripts/make_sample_data.py): bromley-2016 as the analyst\n"
        "receives it, a folder of the auditors' workbooks; it scores exactly as the single file.\n"
        "Its findings are the 2016 findings written in Markdown. Paths are from the project root.",
    )


# The bundled synthetic region (the regional view's example): six invented services, one audit
# each, on the YJB questions. Each service's practice is the 2017 story moved on the logit scale
# (a strong one, a weak one, the others close together) and its sample size differs, so that
# the funnel plots have something to show. Columns: letter, logit shift, cases, case type mix
# (referral, rehabilitation, custody, out of court), audit date.
# fmt: off
REGION = "Synthetic region"
REGION_SERVICES = (
    ("A", 0.0, 20, (9, 6, 3, 2), "2025-01-20"),
    ("B", 0.2, 12, (5, 4, 2, 1), "2025-02-10"),
    ("C", -0.2, 24, (11, 7, 4, 2), "2025-03-03"),
    ("D", 1.6, 20, (9, 6, 3, 2), "2025-03-24"),
    ("E", -1.6, 16, (7, 5, 2, 2), "2025-04-14"),
    ("F", 0.1, 30, (14, 9, 4, 3), "2025-05-12"),
)
# fmt: on
REGION_FOLDER = "synthetic-region"


def shifted(story: Story, shift: float) -> Story:
    """Return a story with every probability moved by ``shift`` on the logit scale."""

    def move(p: float) -> float:
        return float(1 / (1 + np.exp(-(np.log(p / (1 - p)) + shift))))

    rules = tuple(replace(r, p=move(r.p)) for r in story.rules)
    return replace(story, rules=rules, default_p=move(story.default_p))


def write_region(out: Path) -> None:
    """Write the synthetic region's audits (long csv) and params files, one per service."""
    yjb = load_framework("yjb-audit-2016")
    rng = np.random.default_rng(SEED + 23)
    for letter, shift, n_cases, counts, on in REGION_SERVICES:
        audit_id = f"synthetic-{letter.lower()}-{on[:4]}"
        mix = dict(zip(MIX_BROMLEY, counts, strict=True))
        cases, answers = simulate(yjb, shifted(STORY_2017, shift), rng, prefix=f"SYN{letter}-25",
                                  n_cases=n_cases, auditors=[f"Auditor {c}" for c in "ABCD"],
                                  mix=mix, on=dt.date.fromisoformat(on))  # fmt: skip
        data = f"data/{REGION_FOLDER}/{audit_id}.csv"
        write_long_csv(yjb, cases, answers, out / data)
        params = {
            "audit_id": audit_id,
            "title": f"Case file audit, Synthetic Service {letter}, {on[:4]} (synthetic)",
            "service": f"Synthetic Service {letter}",
            "region": REGION,
            "audit_date": on,
            "data_file": data,
            "framework": "yjb-audit-2016",
            "caseload": 3 * n_cases,
            "sample_description": f"{n_cases} cases drawn at random (synthetic region example)",
            "baselines": [],
            "earlier_audits": [],
            "findings_file": None,
            "organisational_ratings": {},
            "privacy": {"drop": [], "pseudonymise": []},
        }
        note = (
            "Synthetic region (scripts/make_sample_data.py): an invented service, for\n"
            "the regional view's funnel plots (outputs/region.html). Nothing here is real."
        )
        write_yaml(params, out / "params" / f"{audit_id}.yaml", note)


def main(argv: list[str] | None = None) -> int:
    """Write every sample file under the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder (default: project root)")
    args = parser.parse_args(argv)
    out = (args.out or project_root()).resolve()
    rng = np.random.default_rng(SEED)
    auditors = [f"Auditor {c}" for c in "ABCDEFG"]

    yjb = load_framework("yjb-audit-2016")
    cases16, answers16 = simulate(yjb, STORY_2016, rng, prefix="BRM-16", n_cases=20,
                                  auditors=auditors, mix=MIX_BROMLEY, on=dt.date(2016, 3, 21),
                                  second_markings=2)  # fmt: skip
    write_wide_xlsx(yjb, cases16, answers16, out / "data" / "bromley-2016-audit.xlsx")

    cases, answers = simulate(yjb, STORY_2017, rng, prefix="BRM-17", n_cases=20,
                              auditors=[f"Auditor {c}" for c in "ABCDEF"], mix=MIX_BROMLEY,
                              on=dt.date(2017, 3, 20))  # fmt: skip
    write_long_csv(yjb, cases, answers, out / "data" / "bromley-2017-audit.csv")

    write_baselines(yjb, out / "data" / "baselines")
    write_bromley_params(out / "params")
    write_hmip_sample(rng, out)
    # The audit as a team runs it; after every draw above, so that their files do not change.
    write_split_by_auditor(yjb, cases16, answers16, out / "data" / SPLIT_FOLDER)
    write_caseload(yjb, cases16, np.random.default_rng(SEED + 1), out / "data" / CASELOAD_FILE)
    write_split_params(out / "params")
    write_region(out)  # its own generator: the files above do not change
    (out / "data" / "findings").mkdir(parents=True, exist_ok=True)
    (out / "data" / "findings" / ".gitkeep").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
