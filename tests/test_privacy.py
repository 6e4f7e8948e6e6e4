import base64
import datetime as dt
import hashlib
import hmac
import os
import stat

import pandas as pd
import pytest
from audit_files import MINI, write_csv, write_xlsx

from caseaudit_lib.audit.loading import load_audit
from caseaudit_lib.errors import ParamsError
from caseaudit_lib.framework.model import load_framework
from caseaudit_lib.privacy import pseudonymise as privacy
from caseaudit_lib.privacy import salt
from caseaudit_lib.privacy.pseudonymise import (
    PrivacyConfig,
    apply_privacy,
    collect_identifiers,
    privacy_key,
    pseudonymise,
)
from caseaudit_lib.privacy.salt import resolve_salt

HEADER = ["case_id", "Child Name", "date-of-birth", "CMS_Ref", "Postcode", "auditor",
          "case_type", "worker", "Q1", "Q2", "Q3", "Q4", "Q5", "Q1_comment", "surname"]  # fmt: skip
ROWS = [
    ["BR/2015/0417", "Jayden Okafor", dt.date(2008, 4, 17), "CMS-99812", "BR1 3XY", "Ann",
     "RO", "Pat Lee", "y", "n", "y", "y", "n", "late", "Okafor"],
    ["BR/2015/0533", "Lily-Mae Porter", dt.date(2007, 11, 2), "CMS-99907", "BR6 0AB", "Bob",
     "OOCD", "Sam Roe", "n", "y", "y", "y", "y", "", "Porter"],
]  # fmt: skip
PLANTED = {"BR/2015/0417", "BR/2015/0533", "Jayden Okafor", "Lily-Mae Porter", "2008-04-17",
           "2007-11-02", "CMS-99812", "CMS-99907", "BR1 3XY", "BR6 0AB", "Okafor", "Porter",
           "Pat Lee", "Sam Roe"}  # fmt: skip


@pytest.fixture(autouse=True)
def no_ambient_salt(monkeypatch, tmp_path):
    monkeypatch.delenv(salt.SALT_ENV, raising=False)
    monkeypatch.delenv(salt.SALT_FILE_ENV, raising=False)
    monkeypatch.setenv("CASEAUDIT_ROOT", str(tmp_path / "root"))
    (tmp_path / "root").mkdir()


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


def every_cell(frame: pd.DataFrame) -> set[str]:
    cells = {str(v) for col in frame.columns for v in frame[col]}
    return cells | {str(c) for c in frame.columns}


def leaks(audit) -> set[str]:
    text = every_cell(audit.cases) | every_cell(audit.answers)
    text |= {str(w) for w in audit.warnings}
    return {p for p in PLANTED if any(p in cell for cell in text)}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_identifiers_never_reach_the_audit(tmp_path, mini, suffix):
    rows = [HEADER, *ROWS]
    path = (write_xlsx if suffix == ".xlsx" else write_csv)(tmp_path / f"a{suffix}", rows)
    config = PrivacyConfig.from_params({"pseudonymise": ["worker"]})
    config = PrivacyConfig(config.drop, config.pseudonymise, salt=b"s1")
    audit = load_audit(path, mini, privacy=config)
    assert leaks(audit) == set()
    assert list(audit.cases.columns) == ["case_id", "marking", "auditor", "case_type", "worker"]
    assert audit.cases["worker"].str.fullmatch(r"P-[A-Z2-7]{6}").all()
    assert audit.cases["case_id"].str.fullmatch(r"C-[A-Z2-7]{6}").all()
    (warning,) = audit.warnings  # Q3 answered for an out-of-court case: named by cell only
    assert warning.cell is not None and "treated as not applicable" in warning.message
    assert "BR/2015" not in repr(audit)


def test_pseudonym_is_hmac_sha256_base32():
    digest = hmac.new(b"salt", b"BR/2015/0417", hashlib.sha256).digest()
    expected = "C-" + base64.b32encode(digest).decode()[:6]
    assert pseudonymise(pd.Series([" BR/2015/0417 "]), b"salt").tolist() == [expected]


def test_pseudonyms_stable_per_salt_and_differ_between_salts():
    ids = pd.Series([f"BR/{n}" for n in range(200)])
    one = pseudonymise(ids, b"one")
    assert (
        one.tolist()
        == pseudonymise(ids.sample(frac=1, random_state=1), b"one").sort_index().tolist()
    )
    two = pseudonymise(ids, b"two")
    assert (one != two).all()
    assert one.is_unique


def test_blank_stays_blank():
    assert pseudonymise(pd.Series(["", "  "]), b"k").tolist() == ["", ""]


def test_colliding_pseudonyms_get_longer(monkeypatch):
    monkeypatch.setattr(privacy, "PSEUDONYM_LENGTH", 1)  # 32 letters for 100 ids: must collide
    result = pseudonymise(pd.Series([str(n) for n in range(100)]), b"k")
    assert result.is_unique
    assert result.str.len().nunique() == 1 and result.str.len().iloc[0] > 3


def test_apply_privacy_drops_and_pseudonymises():
    cases = pd.DataFrame({"case_id": ["A", "B"], "marking": ["first"] * 2, "auditor": ["x", "y"],
                          "case_type": ["yro"] * 2, "Full Name": ["p", "q"], "team": ["t", "u"],
                          "UPN": ["1", "2"]})  # fmt: skip
    out = apply_privacy(cases, PrivacyConfig(salt=b"k"))
    assert list(out.columns) == ["case_id", "marking", "auditor", "case_type", "team"]
    assert out["case_id"].tolist() == pseudonymise(cases["case_id"], b"k").tolist()
    assert cases["case_id"].tolist() == ["A", "B"]  # the input is left alone


def test_privacy_keys_ignore_case_spaces_underscores_hyphens():
    config = PrivacyConfig()
    for header in ["Date of Birth", "DATE-OF-BIRTH", "date_of_birth", "DoB", " Child_Name "]:
        assert config.action(header) == "drop", header
    assert config.action("Case ID") == "pseudonymise"
    assert config.action("team") is None
    assert privacy_key(" Case-Ref_No ") == "caserefno"


def test_from_params():
    config = PrivacyConfig.from_params({"drop": ["Team"], "pseudonymise": ["worker"]})
    assert config.action("team") == "drop" and config.action("Worker") == "pseudonymise"
    assert config.action("surname") == "drop"
    assert PrivacyConfig.from_params(None) == PrivacyConfig()
    assert PrivacyConfig.from_params({"drop": [], "pseudonymise": []}) == PrivacyConfig()


def test_from_params_errors():
    with pytest.raises(ParamsError) as err:
        PrivacyConfig.from_params({"drop": ["ok", 3], "hide": ["x"]})
    assert sorted(p.cell for p in err.value.problems) == ["privacy.drop", "privacy.hide"]
    with pytest.raises(ParamsError) as err:
        PrivacyConfig.from_params({"drop": ["Auditor"]})
    assert "cannot be dropped" in err.value.problems[0].message


def test_salt_order(tmp_path, monkeypatch):
    root = tmp_path / "root"
    salt_file = tmp_path / "my-salt"
    salt_file.write_bytes(b"from-file")
    monkeypatch.setenv(salt.SALT_FILE_ENV, str(salt_file))
    monkeypatch.setenv(salt.SALT_ENV, "from-env")
    assert PrivacyConfig(salt=b"own").resolve_salt() == b"own"
    assert PrivacyConfig().resolve_salt() == b"from-env"
    monkeypatch.delenv(salt.SALT_ENV)
    assert resolve_salt() == b"from-file"
    monkeypatch.delenv(salt.SALT_FILE_ENV)
    assert not (root / ".caseaudit-salt").exists()
    created = resolve_salt()
    path = root / ".caseaudit-salt"
    assert len(created) == 32 and path.read_bytes() == created
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve_salt() == created  # read back, not made again


def test_missing_salt_file(tmp_path, monkeypatch):
    monkeypatch.setenv(salt.SALT_FILE_ENV, str(tmp_path / "absent"))
    with pytest.raises(ParamsError):
        resolve_salt()


def test_loads_with_project_salt_are_stable(tmp_path, mini):
    path = write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    first = load_audit(path, mini).cases["case_id"].tolist()
    assert load_audit(path, mini).cases["case_id"].tolist() == first
    other = load_audit(path, mini, privacy=PrivacyConfig(salt=b"another")).cases["case_id"]
    assert set(other).isdisjoint(first)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_collect_identifiers(tmp_path, mini, suffix):
    rows = [["wording"], HEADER, *ROWS]
    path = (write_xlsx if suffix == ".xlsx" else write_csv)(tmp_path / f"a{suffix}", rows)
    config = PrivacyConfig.from_params({"pseudonymise": ["worker"]})
    found = collect_identifiers(path, mini, config)
    assert PLANTED <= found
    assert "Ann" not in found and "late" not in found
    assert PLANTED - {"Pat Lee", "Sam Roe"} <= collect_identifiers(path, PrivacyConfig())
