"""Drawing the audit's sample from the caseload: reproducible, stratified, evenly shared."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from audit_files import write_csv, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit_lib.cli import main
from caseaudit_lib.errors import AuditDataError
from caseaudit_lib.forms.sample import (
    Caseload,
    draw_sample,
    parse_date,
    proportional_sizes,
    read_caseload,
)
from caseaudit_lib.framework.model import load_framework

TYPES = ["Referral order"] * 30 + ["Youth rehabilitation order"] * 20 + ["Custody"] * 10
HEADER = ["case_ref", "child_name", "dob", "case_type", "start_date"]


def caseload_rows(n: int = 60) -> list[list[str]]:
    return [
        [f"CMS{1000 + i}", f"Child{i} Surname", "2008-01-01", TYPES[i % len(TYPES)],
         (dt.date(2015, 6, 1) + dt.timedelta(days=3 * i)).isoformat()]
        for i in range(n)
    ]  # fmt: skip


def caseload(n: int = 60) -> Caseload:
    rows = caseload_rows(n)
    cases = pd.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "case_type": [r[3] for r in rows],
            "start_date": [dt.date.fromisoformat(r[4]) for r in rows],
        }
    )
    return Caseload("caseload.csv", cases, n)


def test_same_seed_same_sample_and_another_seed_another():
    a = draw_sample(caseload(), 20, ["Ann", "Bo", "Cy"], seed=7)
    b = draw_sample(caseload(), 20, ["Ann", "Bo", "Cy"], seed=7)
    c = draw_sample(caseload(), 20, ["Ann", "Bo", "Cy"], seed=8)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    assert set(a.cases["case_id"]) != set(c.cases["case_id"])
    # The order of the export does not change the draw.
    shuffled = caseload()
    shuffled = Caseload("x", shuffled.cases.sample(frac=1, random_state=1), 60)
    pd.testing.assert_frame_equal(draw_sample(shuffled, 20, ["Ann", "Bo", "Cy"], seed=7).cases,
                                  a.cases)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 60),
    n_auditors=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
    since_days=st.integers(0, 60),
)
def test_stratified_and_balanced(size, n_auditors, seed, since_days):
    since = dt.date(2015, 6, 1) + dt.timedelta(days=since_days)
    load = caseload()
    eligible = load.cases[load.cases["start_date"] >= since]
    if len(eligible) < size:
        with pytest.raises(AuditDataError, match="fewer than the sample size"):
            draw_sample(load, size, [f"A{i}" for i in range(n_auditors)], since=since, seed=seed)
        return
    auditors = [f"A{i}" for i in range(n_auditors)]
    sample = draw_sample(load, size, auditors, since=since, seed=seed)
    cases = sample.cases
    assert list(cases.columns) == ["case_id", "case_type", "auditor"]
    assert len(cases) == size and cases["case_id"].is_unique
    assert set(cases["case_id"]) <= set(eligible["case_id"])
    assert sample.eligible == len(eligible)
    share = eligible["case_type"].value_counts() * size / len(eligible)
    got = cases["case_type"].value_counts().reindex(share.index, fill_value=0)
    assert ((got - share).abs() < 1).all()
    per_auditor = cases["auditor"].value_counts().reindex(auditors, fill_value=0)
    assert per_auditor.max() - per_auditor.min() <= 1
    # Types are mixed: each type is spread over the auditors within one case too.
    for _, group in cases.groupby("case_type"):
        spread = group["auditor"].value_counts().reindex(auditors, fill_value=0)
        assert spread.max() - spread.min() <= 1


def test_proportional_sizes_sum_to_size():
    import numpy as np

    sizes = proportional_sizes(pd.Series({"a": 1, "b": 1, "c": 1}), 2, np.random.default_rng(0))
    assert sizes.sum() == 2 and sizes.max() == 1


def test_parse_date():
    assert parse_date("2015-09-01") == dt.date(2015, 9, 1)
    assert parse_date("2015-09-01 00:00:00") == dt.date(2015, 9, 1)
    assert parse_date("01/09/2015") == dt.date(2015, 9, 1)
    assert parse_date("31/02/2015") is None and parse_date("soon") is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_command_writes_only_the_three_columns(tmp_path, capsys, suffix):
    rows = [HEADER, *caseload_rows()]
    path = tmp_path / f"caseload{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
    out = tmp_path / "sample.csv"
    code = main(["sample", str(path), "--size", "20", "--since", "2015-09-01", "--seed", "3",
                 "--auditors", "Ann; Bo ;Cy", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "sampling fraction" in printed and "caseload: 29" in printed
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "case_id,case_type,auditor"
    assert "Surname" not in text and "2008-01-01" not in text
    sample = pd.read_csv(out)
    assert len(sample) == 20 and set(sample["auditor"]) == {"Ann", "Bo", "Cy"}


def test_bad_input_is_one_located_line_each(tmp_path, capsys):
    rows = [HEADER, *caseload_rows(10)]
    rows[3][3] = "Panel order"
    rows[5][4] = "next week"
    path = write_csv(tmp_path / "caseload.csv", rows)
    args = ["sample", str(path), "--size", "3", "--auditors", "Ann", "--out",
            str(tmp_path / "s.csv")]  # fmt: skip
    assert main([*args, "--framework", "yjb-audit-2016"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith(f"{path}: D4: error: column 'case_type': unknown case type")
    assert err[1].startswith(f"{path}: E6: error: column 'start_date': not a date")
    assert main([*args, "--case-type-column", "kind"]) == 2
    assert "no such column" in capsys.readouterr().err
    rows[3][3], rows[5][4] = "Referral order", "2015-06-01"
    write_csv(path, rows)
    assert main([*args[:3], "30", *args[4:]]) == 2
    assert "fewer than the sample size" in capsys.readouterr().err
    assert main([*args[:3], "0", *args[4:]]) == 2
    assert "--size: error: not a sample size" in capsys.readouterr().err
    assert main([*args, "--since", "1/9/2015"]) == 2
    assert "--since: error: not a date" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_framework_labels_the_case_types(tmp_path):
    framework = load_framework("yjb-audit-2016")
    label = next(iter(framework.case_types.values()))
    rows = [HEADER, ["R1", "x", "", label.upper(), "2016-01-01"]]
    load = read_caseload(write_csv(tmp_path / "c.csv", rows), framework=framework)
    assert list(load.cases["case_type"]) == [label]
