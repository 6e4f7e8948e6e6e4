"""Params files and notebook parameters: loading, every fault at once, earlier audits."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
import yaml

from caseaudit_lib.config.params import (
    PARAMETER_NAMES,
    REQUIRED_NAMES,
    AuditParams,
    defaults,
    earlier_chain,
    load_params,
    params_from_namespace,
)
from caseaudit_lib.errors import ParamsError

MINI = str(Path(__file__).parent / "data" / "frameworks" / "mini.yaml")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with a data file, a baseline and a findings file."""
    monkeypatch.setenv("CASEAUDIT_ROOT", str(tmp_path))
    (tmp_path / "data" / "baselines").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "audit.csv").write_text("case_id,auditor,case_type\n")
    (tmp_path / "data" / "baselines" / "fji.yaml").write_text("id: x\n")
    (tmp_path / "data" / "findings.yaml").write_text("{}\n")
    return tmp_path


def valid(**changes: object) -> dict:
    values = {
        "audit_id": "bromley-2016",
        "title": "Case file audit, Bromley YOS",
        "service": "Bromley YOS",
        "audit_date": "2016-03-21",
        "audit_end_date": "2016-03-22",
        "data_file": "data/audit.csv",
        "framework": MINI,
        "caseload": 80,
        "sample_description": "cases that started from 1 September 2015",
        "baselines": ["data/baselines/fji.yaml"],
        "earlier_audits": [],
        "findings_file": "data/findings.yaml",
        "organisational_ratings": {},
        "privacy": {"drop": ["keyworker"], "pseudonymise": []},
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not ...}


def write(root: Path, name: str, values: dict | str) -> Path:
    path = root / "params" / f"{name}.yaml"
    path.write_text(values if isinstance(values, str) else yaml.safe_dump(values, sort_keys=False))
    return path


def test_valid_file_loads_with_paths_relative_to_the_root(root: Path) -> None:
    params = load_params(write(root, "a", valid()))
    assert params.audit_id == "bromley-2016"
    assert params.caseload == 80
    assert params.baselines == ("data/baselines/fji.yaml",)
    assert params.privacy == {"drop": ("keyworker",), "pseudonymise": ()}
    assert params.data_path == root / "data" / "audit.csv"
    assert params.baseline_paths == [root / "data" / "baselines" / "fji.yaml"]
    assert params.findings_path == root / "data" / "findings.yaml"
    assert params.to_dict()["baselines"] == ["data/baselines/fji.yaml"]
    assert {params: 1}[params] == 1  # hashable, e.g. as a cache key


def test_relative_params_path_is_found_from_the_root(root: Path) -> None:
    write(root, "a", valid())
    assert load_params("params/a.yaml").title == "Case file audit, Bromley YOS"


def test_optional_keys_may_be_left_out(root: Path) -> None:
    minimal = {k: v for k, v in valid().items() if k in REQUIRED_NAMES}
    params = load_params(write(root, "a", minimal))
    assert params.caseload is None
    assert params.baselines == ()
    assert params.findings_file is None
    assert params.sample_description == ""


def test_unquoted_yaml_date_and_numeric_standard_ids_are_read_as_meant(root: Path) -> None:
    values = valid(audit_date=..., audit_end_date=..., organisational_ratings=...)
    text = yaml.safe_dump(values, sort_keys=False)
    text += "audit_date: 2016-03-21\norganisational_ratings: {1.1: Good, 1.2: good}\n"
    params = load_params(write(root, "a", text))
    assert params.audit_date == "2016-03-21"
    assert params.organisational_ratings == {"1.1": "Good", "1.2": "good"}


def test_every_fault_is_reported_at_once(root: Path) -> None:
    text = yaml.safe_dump(
        valid(
            audit_id="Bromley 2016",
            service=12,
            data_file="data/missing.xlsx",
            caseload="eighty",
            baselines=["data/baselines/fji.yaml", "data/baselines/nope.yaml"],
            privacy={"drop": ["x"], "pseudonymse": ["y"]},
            audit_end_date="2016-03-01",
            title=...,
        ),
        sort_keys=False,
    )
    text += "casload: 80\n"
    path = write(root, "bad", text)
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    cells = {p.cell: p for p in caught.value.problems}
    assert set(cells) == {
        "title",
        "audit_id",
        "service",
        "data_file",
        "caseload",
        "baselines[1]",
        "privacy.pseudonymse",
        "audit_end_date",
        "casload",
    }
    assert all(p.file == "params/bad.yaml" for p in caught.value.problems)
    assert cells["title"].message == "missing required key"
    assert "did you mean 'caseload'?" in str(cells["casload"])
    assert "did you mean 'pseudonymise'?" in str(cells["privacy.pseudonymse"])
    assert cells["caseload"].value == "eighty"
    # one line per problem, each naming file and key
    lines = caught.value.lines()
    assert len(lines) == 9 and all(line.startswith("params/bad.yaml: ") for line in lines)


def test_bad_dates_are_problems_not_crashes(root: Path) -> None:
    text = yaml.safe_dump(valid(audit_date=...), sort_keys=False) + "audit_date: 2016-13-01\n"
    with pytest.raises(ParamsError) as caught:
        load_params(write(root, "a", text))
    [problem] = caught.value.problems
    assert problem.cell == "audit_date" and problem.value == "2016-13-01"


def test_files_are_not_checked_when_asked_not_to(root: Path) -> None:
    params = load_params(write(root, "a", valid(data_file="data/later.xlsx")), check_files=False)
    assert params.data_file == "data/later.xlsx"


def test_yaml_syntax_error_names_the_line(root: Path) -> None:
    path = write(root, "a", "audit_id: x\ntitle: [unclosed\n")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    [problem] = caught.value.problems
    assert "not valid YAML" in problem.message and problem.line == 3
    assert str(problem).startswith("params/a.yaml: line 3, column 1: error: not valid YAML")


def test_missing_and_non_mapping_files(root: Path) -> None:
    with pytest.raises(ParamsError, match="params file not found"):
        load_params(root / "params" / "nope.yaml")
    with pytest.raises(ParamsError, match="not a params file"):
        load_params(write(root, "list", "- a\n- b\n"))


def test_defaults_name_every_parameter() -> None:
    values = defaults()
    assert tuple(values) == PARAMETER_NAMES
    assert all(values[name] is None for name in REQUIRED_NAMES)
    assert values["baselines"] == [] and values["privacy"] == {}
    assert values["caseload"] is None


def namespace(root: Path, **changes: object) -> dict:
    """What a notebook's globals hold after its parameters cell and papermill's cell."""
    ns = dict(valid(**changes))
    ns.update(
        In=[""],
        Out={},
        get_ipython=lambda: None,
        exit=object(),
        quit=object(),
        _=None,
        _i1="",
        __name__="__main__",
        pd=types.ModuleType("pandas"),
        Path=Path,
        load_params=load_params,
    )
    return ns


def test_namespace_gives_the_same_params_as_the_file(root: Path) -> None:
    from_file = load_params(write(root, "a", valid()))
    assert params_from_namespace(namespace(root)) == from_file


def test_namespace_catches_a_typo(root: Path) -> None:
    ns = namespace(root)
    ns["casload"] = ns.pop("caseload")
    with pytest.raises(ParamsError) as caught:
        params_from_namespace(ns)
    [problem] = caught.value.problems
    assert problem.cell == "casload"
    assert "did you mean 'caseload'?" in str(caught.value)
    assert str(caught.value).startswith("notebook parameters: casload: error: unknown key")


def test_namespace_catches_a_mistyped_value_and_a_missing_name(root: Path) -> None:
    ns = namespace(root, caseload="80", baselines=7)
    del ns["framework"]
    with pytest.raises(ParamsError) as caught:
        params_from_namespace(ns)
    assert {p.cell for p in caught.value.problems} == {"caseload", "baselines", "framework"}


def test_namespace_allows_names_the_notebook_declares(root: Path) -> None:
    ns = namespace(root, output_dir="outputs/x")
    with pytest.raises(ParamsError):
        params_from_namespace(ns)
    assert params_from_namespace(ns, allow=["output_dir"]).audit_id == "bromley-2016"


def test_float_caseload_from_papermill_is_accepted_but_not_a_fraction(root: Path) -> None:
    assert params_from_namespace(namespace(root, caseload=80.0)).caseload == 80
    with pytest.raises(ParamsError):
        params_from_namespace(namespace(root, caseload=80.5))
    with pytest.raises(ParamsError):
        params_from_namespace(namespace(root, caseload=True))
    assert params_from_namespace(namespace(root, caseload=None)).caseload is None


def cell(root: Path, params_file: object, **set_in_cell: object) -> dict:
    """A notebook's globals: params_file, every other parameter None unless set in the cell."""
    ns = namespace(root)
    ns.update(dict.fromkeys(PARAMETER_NAMES), params_file=params_file, **set_in_cell)
    return ns


def test_params_file_gives_that_audit(root: Path) -> None:
    path = write(root, "y2017", valid(audit_id="y2017", title="Follow-up", caseload=75))
    params = params_from_namespace(cell(root, "params/y2017.yaml"))
    assert params == load_params(path)


def test_values_set_in_the_cell_or_by_papermill_override_the_file_one_by_one(root: Path) -> None:
    write(root, "y2017", valid(audit_id="y2017", title="Follow-up", caseload=75))
    params = params_from_namespace(cell(root, "params/y2017.yaml", caseload=90, baselines=[]))
    assert (params.audit_id, params.title) == ("y2017", "Follow-up")
    assert (params.caseload, params.baselines) == (90, ())
    assert params.findings_file == "data/findings.yaml"  # from the file


def test_a_whole_set_of_values_does_not_read_params_file(root: Path) -> None:
    """papermill -f params/X.yaml keeps the cell's params_file: X's values are the audit."""
    write(root, "sample", valid(findings_file="data/findings.yaml"))
    injected = valid(audit_id="other", caseload=None, findings_file=None)
    ns = cell(root, "params/sample.yaml", **injected)
    params = params_from_namespace(ns)
    assert params.audit_id == "other"
    assert params.findings_file is None and params.caseload is None
    # nor is a missing sample file a fault then
    (root / "params" / "sample.yaml").unlink()
    assert params_from_namespace(ns) == params


def test_a_bad_params_file_is_named(root: Path) -> None:
    with pytest.raises(ParamsError, match=r"^params/nope.yaml: error: params file not found"):
        params_from_namespace(cell(root, "params/nope.yaml"))
    with pytest.raises(ParamsError, match=r"^notebook parameters: params_file: error: not a"):
        params_from_namespace(cell(root, 2017))
    write(root, "bad", valid(caseload="many"))
    with pytest.raises(
        ParamsError, match=r"^params/bad.yaml: line \d+, caseload: error: not a whole number"
    ):
        params_from_namespace(cell(root, "params/bad.yaml"))


def test_a_typo_in_the_cell_is_still_caught_with_params_file(root: Path) -> None:
    write(root, "y2017", valid(audit_id="y2017"))
    with pytest.raises(ParamsError) as caught:
        params_from_namespace(cell(root, "params/y2017.yaml", casload=80))
    assert str(caught.value) == (
        "notebook parameters: casload: error: unknown key "
        "(found 'casload'; expected did you mean 'caseload'?)"
    )


def test_earlier_chain_is_oldest_first_recursive_and_cycle_safe(root: Path) -> None:
    def audit(audit_id: str, date: str, *earlier: str) -> dict:
        return valid(audit_id=audit_id, audit_date=date, audit_end_date=..., earlier_audits=earlier)

    # 2014 points back at 2016 (a cycle); 2015 names 2014 twice.
    write(root, "y2014", audit("y2014", "2014-03-01", "params/y2016.yaml"))
    write(root, "y2015", audit("y2015", "2015-03-01", "params/y2014.yaml", "params/y2014.yaml"))
    current = load_params(
        write(root, "y2016", valid(audit_id="y2016", earlier_audits=["params/y2015.yaml"]))
    )
    chain = earlier_chain(current)
    assert [p.audit_id for p in chain] == ["y2014", "y2015"]
    assert all(isinstance(p, AuditParams) for p in chain)


def test_earlier_chain_of_an_audit_without_earlier_ones_is_empty(root: Path) -> None:
    assert earlier_chain(load_params(write(root, "a", valid()))) == []
