"""Write the bundled synthetic sample audits, their params files and the Bromley baselines.

Everything here is made up. The 2016 audit follows the story of the YJB's case file audit of
Bromley YOS (21-22 March 2016; /work/shared/seed) theme by theme, but no case, child or auditor
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl.writer.excel import ExcelWriter

from caseaudit_lib.framework import Framework, load_framework
from caseaudit_lib.paths import project_root
from caseaudit_lib.template import FIRST_CASE_ROW, HEADER_ROW, build_template

SEED = 20160321
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

    text: str  # regex on the question wording, case-insensitive
    p: float
    theme: str = ""  # regex on the theme name; "" for any theme
    yes: tuple[str, ...] = ()  # evidence comments for a sufficient answer
    no: tuple[str, ...] = ()  # ... and for a not sufficient one


@dataclass(frozen=True)
class Story:
    """How one synthetic audit's answers are drawn."""

    rules: tuple[Rule, ...]
    theme_p: dict[str, float]  # regex on theme name -> probability, when no rule matches
    default_p: float = 0.6
    case_sd: float = 0.8  # logit-scale case effect: some cases are weak throughout
    auditor_sd: float = 0.25
    optional: str = ""  # regex on wording: questions an auditor may judge N/A for a case
    optional_na: float = 0.15
    blank: float = 0.012  # not answered
    comment: float = 0.3  # share of answers with an evidence comment


GENERIC_YES = ("Evidence seen on the case management system.", "Clear and well recorded.")
GENERIC_NO = ("Not evident on the case management system.", "Limited evidence; not sufficient.")

STORY_2016 = Story(
    rules=(
        Rule(
            r"timescale|on time|within .*time|timel",
            0.88,
            "assess",
            ("Asset completed within National Standards timescales.",),
            ("Asset late; no reason for the delay recorded.", "Asset appears back-dated."),
        ),
        Rule(
            r"diversity|learning|speech|language needs",
            0.7,
            "assess",
            ("Diversity needs identified in the assessment.",),
            ("Learning needs noted but not explored.",),
        ),
        Rule(
            r"analys|link|conclusion",
            0.35,
            "assess",
            ("Template used to link analysis back to offending, risk and vulnerability.",),
            (
                "Lots of information from several sources but little analysis.",
                "No clear conclusion on links with offending and reoffending.",
            ),
        ),
        Rule(
            r"what do you think|wdyt|voice|views",
            0.3,
            "",
            ("WDYT used to inform the analysis.",),
            ("WDYT completed but not referred to.", "Little of the young person's voice."),
        ),
        Rule(
            r"desistance",
            0.4,
            "",
            ("Factors for desistance identified and built on.",),
            ("Focus on factors against desistance only.",),
        ),
        Rule(
            r"pre-sentence|\bpsr\b",
            0.8,
            "",
            ("PSR of a sufficient standard; proposal proportionate.",),
            ("Proposal did not say how it would address the needs identified.",),
        ),
        Rule(
            r"referral order report|panel report|proportionate|length",
            0.3,
            "report",
            ("Panel report concise.",),
            ("Referral order report six pages long and specifies interventions.",),
        ),
        Rule(
            r"gatekeep|quality assur|countersign",
            0.35,
            "",
            ("Gatekeeping form located.",),
            ("No gatekeeping form or record of QA on the system.",),
        ),
        Rule(
            r"smart|specific|measurable",
            0.2,
            "plan",
            ("Plan specific with measurable outcomes.",),
            ("Plan not specific; outcomes not measurable.", "Professional language in plan."),
        ),
        Rule(
            r"understand|child-friendly|young person.*language|signed",
            0.3,
            "plan",
            ("Plan in words the young person understands and signed.",),
            ("Plan written in professional language.",),
        ),
        Rule(
            r"resettlement|release|custod",
            0.35,
            "",
            ("Resettlement needs explored.",),
            ("Plan follows the custodial regime only; resettlement not explored.",),
        ),
        Rule(
            r"exit|step.?down|end of",
            0.25,
            "",
            ("Exit plan in place.",),
            ("No exit planning as the order ends.",),
        ),
        Rule(
            r"other plans|child in need|\bcin\b|integrat",
            0.25,
            "",
            ("CIN plan actions reflected in the YOS plan.",),
            ("CIN plan actions not in the YOS plan.",),
        ),
        Rule(
            r"plan",
            0.85,
            "plan",
            ("Plan on the system; needs pulled through from the Asset.",),
            ("Plan not evident on the system.", "Delivery of the plan not seen in contacts."),
        ),
        Rule(
            r"vulnerab|safety and well-?being|keep.*safe",
            0.3,
            "",
            ("Vulnerability assessed; risk factors also considered as vulnerability.",),
            (
                "Vulnerability under-assessed.",
                "Risks to the young person not seen as vulnerability.",
            ),
        ),
        Rule(
            r"\brmp\b|\bvmp\b|management plan",
            0.25,
            "",
            ("RMP specific: who, what, when.",),
            ("RMP cut and pasted from the Asset.", "VMP not specific to the concerns."),
        ),
        Rule(
            r"\bcse\b|sexual exploitation",
            0.3,
            "",
            ("CSE considered and recorded.",),
            ("No reference to CSE.",),
        ),
        Rule(
            r"risk of (serious )?harm|rosh|harm to others",
            0.75,
            "",
            ("Risk of harm assessment adequate.",),
            ("RoSH duplicated from the previous order without updating.",),
        ),
        Rule(
            r"substance|drug|alcohol|education|school|health|specialist",
            0.85,
            "",
            ("Good use of the in-house specialist.",),
            ("Referral not followed up.",),
        ),
        Rule(
            r"social care|children'?s services",
            0.3,
            "",
            ("Joint working with social care evident.",),
            ("Little social care involvement; no escalation.",),
        ),
        Rule(
            r"court",
            0.45,
            "",
            ("Court accepted the YOS proposal.",),
            ("Court disregarded the YOS assessment.",),
        ),
        Rule(
            r"escalat",
            0.25,
            "",
            ("Escalated and recorded.",),
            ("Escalation needed but not documented.",),
        ),
    ),
    theme_p={r"oversight|manage": 0.35, r"partner": 0.6, r"assess": 0.6, r"risk": 0.5},
    optional=r"social care|children'?s services|substance|education|school|health|custod|cse",
)

# A year on: planning and oversight better, vulnerability still weak.
_BETTER_2017 = {
    r"smart|specific|measurable": 0.55,
    r"understand|child-friendly|young person.*language|signed": 0.6,
    r"exit|step.?down|end of": 0.5,
    r"other plans|child in need|\bcin\b|integrat": 0.45,
    r"plan": 0.92,
    r"gatekeep|quality assur|countersign": 0.7,
    r"analys|link|conclusion": 0.5,
    r"what do you think|wdyt|voice|views": 0.45,
    r"desistance": 0.55,
    r"escalat": 0.5,
    r"vulnerab|safety and well-?being|keep.*safe": 0.38,
    r"referral order report|panel report|proportionate|length": 0.6,
}
STORY_2017 = Story(
    rules=tuple(
        Rule(r.text, _BETTER_2017.get(r.text, r.p), r.theme, r.yes, r.no) for r in STORY_2016.rules
    ),
    theme_p={r"oversight|manage": 0.68, r"partner": 0.65, r"assess": 0.65, r"risk": 0.55},
    optional=STORY_2016.optional,
)

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


def question_probabilities(framework: Framework, story: Story) -> dict[str, tuple[float, Rule]]:
    """Return each question's probability of "sufficient" and the rule that set it."""
    out: dict[str, tuple[float, Rule]] = {}
    used: set[str] = set()
    for theme in framework.themes:
        for q in theme.questions:
            rule = next(
                (
                    r
                    for r in story.rules
                    if re.search(r.text, q.text, re.I) and re.search(r.theme, theme.name, re.I)
                ),
                None,
            )
            if rule is not None:
                used.add(rule.text)
                out[q.id] = (rule.p, rule)
                continue
            p = next(
                (p for pat, p in story.theme_p.items() if re.search(pat, theme.name, re.I)),
                story.default_p,
            )
            out[q.id] = (p, Rule("", p, yes=GENERIC_YES, no=GENERIC_NO))
    unused = [r.text for r in story.rules if r.text not in used]
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
            p, rule = probs[q.id]
            answer, comment = _draw(rng, story, q, case, p, rule,
                                    case_effect[i] + auditor_effect[case["auditor"]])  # fmt: skip
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


def _draw(rng, story: Story, q, case, p: float, rule: Rule, effect: float) -> tuple[str, str]:
    """Return one answer and its evidence comment."""
    if not q.applies(case["case_type"]):
        return "N/A", ""
    u = rng.random(4)
    if story.optional and re.search(story.optional, q.text, re.I) and u[0] < story.optional_na:
        return "N/A", ""
    if u[1] < story.blank:
        return "", ""
    logit = np.log(p / (1 - p)) + effect
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
    first_alias = {}
    for spelling, ct in framework.case_type_aliases.items():
        first_alias.setdefault(ct, spelling.upper() if len(spelling) <= 4 else ct)
    table = cases.assign(
        case_type=cases["case_type"].map(lambda ct: first_alias.get(ct, ct)),
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
        "date": "2015-05-12",
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

    core = [
        ("Safeguarding", 81, r"vulnerab|safe|risk"),
        ("Risk of harm to others", 75, r"risk"),
        ("Likelihood of reoffending", 82, r"assess|plan"),
    ]
    rows, seen = [], set()
    for label, pct, pattern in core:
        # several 2012 areas can fall on one theme; each theme takes the first area that maps to it
        theme_id = next((t for t in themes_matching(framework, pattern) if t not in seen), None)
        if theme_id is None:
            sys.exit(f"no theme of {framework.id} left for the 2012 area {label!r}")
        seen.add(theme_id)
        rows.append({"theme_id": theme_id, "label": label, "pct": pct})
    core_2012 = {
        "id": "bromley-hmip-2012",
        "title": "HMI Probation core case inspection of youth offending work in Bromley (2012)",
        "service": "Bromley YOS",
        "date": "2012-03-01",
        "source": "HMI Probation press release, March 2012: percentages of work done well enough. "
        "The numbers of cases behind them were not published.",
        "kind": "percentages",
        "framework": framework.id,
        "themes": rows,
    }
    write_yaml(
        core_2012,
        folder / "bromley-hmip-2012.yaml",
        "Baseline: published percentages without their counts (n not published), so a change\n"
        "can be shown but not tested against chance; the loader warns about each row.\n"
        "The 2012 areas are HMIP's own, mapped here to the closest theme of " + framework.id + ".",
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
        "sample_description": "20 of about 80 open cases, all that started from 1 September 2015; "
        "read by 7 YJB auditors, 2 of them re-marked for moderation",
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
        "sample_description": "20 of about 75 open cases that started from 1 September 2016; "
        "read by 6 auditors",
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


STORY_HMIP = Story(
    rules=(
        Rule(
            r"review",
            0.72,
            "",
            ("Reviewed after the change in circumstances.",),
            ("No review after a significant change.",),
        ),
        Rule(
            r"safe|safety|wellbeing|well-being",
            0.82,
            "",
            ("Keeping the child safe well planned.",),
            ("Safety concerns not followed up.",),
        ),
        Rule(
            r"others|harm",
            0.8,
            "",
            ("Risk to others well managed.",),
            ("Contingency plan missing.",),
        ),
    ),
    theme_p={},
    default_p=0.88,
    case_sd=0.6,
)


def write_hmip_sample(rng: np.random.Generator, out: Path) -> None:
    """Write a small audit against HMIP's framework, with its params and organisational ratings."""
    hmip = load_framework("hmip-youth-2021")
    mix = {}
    n = 20
    weights = {r"referral": 5, r"rehabilitation|yro": 5, r"custod|dto|detention": 2,
               r"out.of.court|caution|resolution|oocd": 8}  # fmt: skip
    for pattern, count in weights.items():
        if any(re.search(pattern, f"{ct} {lb}", re.I) for ct, lb in hmip.case_types.items()):
            mix[pattern] = count
    # give cases of types the framework lacks to its first case type
    missing = n - sum(mix.values())
    if missing:
        first = re.escape(next(iter(hmip.case_types)))
        mix[first] = mix.get(first, 0) + missing
    cases, answers = simulate(hmip, STORY_HMIP, rng, prefix="SMP-25", n_cases=n,
                              auditors=[f"Inspector {c}" for c in "ABCD"], mix=mix,
                              on=dt.date(2025, 2, 3))  # fmt: skip
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
        "audit_date": "2025-02-03",
        "audit_end_date": "2025-02-07",
        "data_file": "data/sample-hmip-2025.xlsx",
        "framework": hmip.id,
        "caseload": 110,
        "sample_description": "20 cases, court and out-of-court, read by 4 inspectors",
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
        "organisational_ratings: domain 1 standards are rated by inspectors, not from cases.",
    )


def main(argv: list[str] | None = None) -> int:
    """Write every sample file under the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder (default: project root)")
    args = parser.parse_args(argv)
    out = (args.out or project_root()).resolve()
    rng = np.random.default_rng(SEED)
    auditors = [f"Auditor {c}" for c in "ABCDEFG"]

    yjb = load_framework("yjb-audit-2016")
    cases, answers = simulate(yjb, STORY_2016, rng, prefix="BRM-16", n_cases=20,
                              auditors=auditors, mix=MIX_BROMLEY, on=dt.date(2016, 3, 21),
                              second_markings=2)  # fmt: skip
    write_wide_xlsx(yjb, cases, answers, out / "data" / "bromley-2016-audit.xlsx")

    cases, answers = simulate(yjb, STORY_2017, rng, prefix="BRM-17", n_cases=20,
                              auditors=[f"Auditor {c}" for c in "ABCDEF"], mix=MIX_BROMLEY,
                              on=dt.date(2017, 3, 20))  # fmt: skip
    write_long_csv(yjb, cases, answers, out / "data" / "bromley-2017-audit.csv")

    write_baselines(yjb, out / "data" / "baselines")
    write_bromley_params(out / "params")
    write_hmip_sample(rng, out)
    (out / "data" / "findings").mkdir(parents=True, exist_ok=True)
    (out / "data" / "findings" / ".gitkeep").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
