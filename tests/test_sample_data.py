"""The bundled synthetic samples: reproducible, valid, private, and telling the seed's story."""

import importlib.util
import re
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from caseaudit_lib.audit.loading import load_audit, validate_file
from caseaudit_lib.compare.baseline import load_baseline
from caseaudit_lib.config.params import load_params
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy.pseudonymise import PrivacyConfig

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_sample_data.py"
SALT = PrivacyConfig(salt=b"test-sample-data")
SAMPLES = {
    "data/bromley-2016-audit.xlsx": "yjb-audit-2016",
    "data/bromley-2017-audit.csv": "yjb-audit-2016",
    "data/sample-hmip-2025.xlsx": "hmip-youth-2021",
}
TEXT_FILES = [
    "data/bromley-2017-audit.csv",
    "data/baselines/bromley-hmip-fji-2015.yaml",
    "data/baselines/bromley-hmip-2012.yaml",
    "params/bromley-2016.yaml",
    "params/bromley-2017.yaml",
    "params/sample-hmip-2025.yaml",
    "params/bromley-2016-split.yaml",
    "data/bromley-2016-caseload.csv",
]
SPLIT = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "data/bromley-2016-audit").iterdir())
IDENTIFYING = ["child_name", "dob", "cms_ref"]


def _script():
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    assert _script().main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def audits():
    return {path: load_audit(ROOT / path, fw, privacy=SALT) for path, fw in SAMPLES.items()}


def _values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


@pytest.mark.parametrize("name", TEXT_FILES)
def test_text_files_regenerate_byte_for_byte(regenerated, name):
    assert (regenerated / name).read_bytes() == (ROOT / name).read_bytes()


@pytest.mark.parametrize("name", [p for p in SAMPLES if p.endswith(".xlsx")])
def test_workbooks_regenerate_with_the_same_cells(regenerated, name):
    assert _values(regenerated / name) == _values(ROOT / name)


@pytest.mark.parametrize("name", SPLIT)
def test_the_split_workbooks_regenerate_with_the_same_cells(regenerated, name):
    assert _values(regenerated / name) == _values(ROOT / name)


def test_the_split_sample_is_the_2016_sample_one_workbook_per_auditor():
    assert [Path(p).name for p in SPLIT] == [f"Auditor-{c}.xlsx" for c in "ABCDEFG"]
    single = load_audit(ROOT / "data/bromley-2016-audit.xlsx", "yjb-audit-2016", privacy=SALT)
    split = load_audit(ROOT / "data/bromley-2016-audit", "yjb-audit-2016", privacy=SALT)
    key = ["case_id", "marking", "question_id"]
    pd.testing.assert_frame_equal(
        split.answers.sort_values(key).reset_index(drop=True),
        single.answers.sort_values(key).reset_index(drop=True),
    )
    for path in SPLIT:
        auditors = set(pd.read_excel(ROOT / path, header=2, engine="calamine")["auditor"])
        assert auditors == {Path(path).stem.replace("-", " ")}


def test_the_caseload_has_80_cases_since_september_2015_and_identifying_columns():
    caseload = pd.read_csv(ROOT / "data/bromley-2016-caseload.csv", dtype=str)
    assert list(caseload.columns) == ["case_ref", "child_name", "dob", "case_type", "start_date"]
    assert (caseload["start_date"] >= "2015-09-01").sum() == 80 and len(caseload) == 110


def test_a_second_run_writes_identical_bytes(regenerated, tmp_path):
    _script().main(["--out", str(tmp_path)])
    for path in sorted(p for p in regenerated.rglob("*") if p.is_file()):
        assert (tmp_path / path.relative_to(regenerated)).read_bytes() == path.read_bytes(), path


def test_files_are_small_and_findings_folder_exists():
    for name in [*SAMPLES, *TEXT_FILES]:
        assert (ROOT / name).stat().st_size < 100_000, name
    assert (ROOT / "data" / "findings" / ".gitkeep").is_file()


@pytest.mark.parametrize(("name", "framework"), SAMPLES.items())
def test_samples_validate_without_any_problem(name, framework):
    assert validate_file(ROOT / name, framework, privacy=SALT) == []


def test_identifying_columns_are_in_the_raw_files_and_dropped_at_load(audits):
    raw_2016 = pd.read_excel(ROOT / "data/bromley-2016-audit.xlsx", header=2, engine="calamine")
    raw_2017 = pd.read_csv(ROOT / "data/bromley-2017-audit.csv", keep_default_na=False)
    for raw in (raw_2016, raw_2017):
        assert set(IDENTIFYING) <= set(raw.columns)
        assert raw["cms_ref"].str.fullmatch(r"CMS-9\d{5}").all()
    names = set(raw_2016["child_name"]) | set(raw_2017["child_name"])
    case_refs = set(raw_2016["case_id"]) | set(raw_2017["case_id"])
    for audit in audits.values():
        assert not set(IDENTIFYING) & set(audit.cases.columns)
        assert audit.cases["case_id"].str.fullmatch(r"C-[A-Z2-7]{6}").all()
        text = " ".join(audit.answers["comment"]) + " ".join(audit.cases.astype(str).sum())
        assert not any(n in text for n in names | case_refs)


def _pct(audit, pattern: str) -> float:
    """Percentage sufficient of the first question whose wording matches (first markings)."""
    qid = next(q.id for q in audit.framework.questions if re.search(pattern, q.text, re.I))
    a = audit.first_marking().answers
    a = a[(a["question_id"] == qid) & a["answer"].isin(["sufficient", "not sufficient"])]
    return 100 * (a["answer"] == "sufficient").mean()


def _theme_pct(audit, theme_pattern: str) -> float:
    theme = next(t.id for t in audit.framework.themes if re.search(theme_pattern, t.name, re.I))
    a = audit.first_marking().answers
    a = a[(a["theme_id"] == theme) & a["answer"].isin(["sufficient", "not sufficient"])]
    return 100 * (a["answer"] == "sufficient").mean()


def test_2016_sample_tells_the_seed_story(audits):
    audit = audits["data/bromley-2016-audit.xlsx"]
    assert audit.n_cases == 20
    assert audit.cases["auditor"].nunique() == 7
    assert (audit.cases["marking"] == "second").sum() == 2
    types = audit.first_marking().cases["case_type"].value_counts().to_dict()
    assert types == {"referral_order": 9, "yro": 6, "custody": 3, "out_of_court": 2}
    assert _pct(audit, r"timescales") > 75
    assert _pct(audit, r"vulnerability adequately assessed") < 50
    assert _pct(audit, r"risk of harm to others adequately") >= 65
    assert _pct(audit, r"\(PSR\) of a sufficient standard") >= 70
    assert _pct(audit, r"SMART") < 40
    assert _pct(audit, r"specialist") > _pct(audit, r"social care")
    assert 20 <= _theme_pct(audit, r"oversight") <= 45
    comments = audit.answers["comment"]
    assert 0.1 < (comments != "").mean() < 0.5
    assert (audit.answers["answer"] == "not answered").sum() >= 1


def test_2017_sample_improves_on_planning_and_oversight_but_not_vulnerability(audits):
    before, after = audits["data/bromley-2016-audit.xlsx"], audits["data/bromley-2017-audit.csv"]
    assert after.n_cases == 20 and (after.cases["marking"] == "first").all()
    assert _theme_pct(after, r"planning") >= _theme_pct(before, r"planning") + 10
    assert _theme_pct(after, r"oversight") >= _theme_pct(before, r"oversight") + 10
    assert _pct(after, r"vulnerability adequately assessed") < 50


def test_params_and_baselines_load():
    yjb = load_framework("yjb-audit-2016")
    for name in ("bromley-2016", "bromley-2017", "sample-hmip-2025"):
        # the findings files are written by the analyst; everything else must exist
        params = load_params(ROOT / "params" / f"{name}.yaml", check_files=False)
        assert params.audit_id == name
        assert params.data_path.is_file()
        assert all(p.is_file() for p in [*params.baseline_paths, *params.earlier_audit_paths])
        assert params.findings_file == f"data/findings/{name}.yaml"
    later = load_params(ROOT / "params" / "bromley-2017.yaml", check_files=False)
    assert later.earlier_audits == ("params/bromley-2016.yaml",)
    assert later.baselines == ("data/baselines/bromley-hmip-fji-2015.yaml",)
    hmip = load_params(ROOT / "params" / "sample-hmip-2025.yaml", check_files=False)
    standards = load_framework("hmip-youth-2021").overall.organisational_standards
    assert set(hmip.organisational_ratings) == {sid for sid, _ in standards}

    fji = load_baseline(ROOT / "data/baselines/bromley-hmip-fji-2015.yaml", framework=yjb)
    assert fji.kind == "judgements"
    assert {a.label: a.judgement for a in fji.areas} == {
        "Reducing reoffending": "Poor",
        "Protecting the public": "Poor",
        "Protecting the child or young person": "Unsatisfactory",
        "Ensuring the sentence is served": None,
        "Governance and partnerships": "Poor",
        "Interventions": "Poor",
    }
    covered = {t for a in fji.areas for t in a.themes}
    assert covered == {t.id for t in yjb.themes}

    core = load_baseline(ROOT / "data/baselines/bromley-hmip-2012.yaml", framework=yjb)
    assert core.kind == "percentages"
    pcts = {**core.themes["pct"].to_dict(), **core.questions["pct"].to_dict()}
    labels = {**core.themes["label"].to_dict(), **core.questions["label"].to_dict()}
    assert sorted(zip(labels.values(), pcts.values(), strict=True)) == [
        ("Likelihood of reoffending", 82.0),
        ("Risk of harm to others", 75.0),
        ("Safeguarding", 81.0),
    ]
    assert core.themes["n_applicable"].isna().all()  # counts not published
    assert len(core.warnings) == 3
