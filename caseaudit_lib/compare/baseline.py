"""Baselines: what an audit is compared with, read from a YAML file of one of three kinds.

- ``percentages``: theme (and optionally question) percentages with their counts, e.g. an
  inspection's published "done well enough" figures;
- ``judgements``: word judgements only (e.g. HMIP's 2015 full joint inspection: Good /
  Satisfactory / Unsatisfactory / Poor), with the framework's themes each judged area covers;
- ``answers``: an earlier audit's case-level answers, through its params file or its scoring
  file and framework; earlier audits named in a params file are turned into the same kind.

The file format is documented with examples in docs/params-and-baselines.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from caseaudit_lib.config.checks import check_caseload
from caseaudit_lib.config.params import AuditParams, load_params
from caseaudit_lib.errors import ParamsError, Problem
from caseaudit_lib.paths import display_path, resolve
from caseaudit_lib.yaml_fields import NO_VALUE, FieldChecker, one_of, read_yaml_mapping, show_value

if TYPE_CHECKING:
    from caseaudit_lib.framework.model import Framework
    from caseaudit_lib.score.scoring import AuditScores

KINDS = ("percentages", "judgements", "answers")
NOT_KNOWN = "not known"
ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$")
COMMON_KEYS = ("id", "title", "date", "source", "service", "kind")
KIND_KEYS = {
    "percentages": ("framework", "caseload", "themes", "questions"),
    "judgements": ("framework", "scale", "areas"),
    "answers": ("params", "data_file", "framework", "caseload"),
}
ROW_KEYS = ("label", "n_applicable", "n_sufficient", "pct", "n")
AREA_KEYS = ("id", "label", "judgement", "themes")
COUNT_COLUMNS = ["label", "n_applicable", "n_sufficient", "pct"]


@dataclass(frozen=True)
class JudgedArea:
    """One area an inspection judged in words, and the framework themes it covers."""

    id: str
    label: str
    judgement: str | None  # None: not known
    themes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Baseline:
    """One baseline: its description, and its figures in the form its kind has them.

    Attributes:
        themes: percentages kind: index ``theme_id``; columns label, n_applicable, n_sufficient
            (float, NaN where the published figure had no count) and pct (0-100).
        questions: the same by ``question_id`` (optional; empty when not given).
        scale: judgements kind: the judgement words, best first.
        areas: judgements kind: the judged areas.
        params_file, data_file: answers kind: where the answers are.
        params: answers kind made from an earlier audit's params (see baseline_from_params).
        warnings: things the loader did that the analyst should know (e.g. derived counts).

    """

    id: str
    title: str
    date: str
    source: str
    service: str
    kind: str
    path: Path | None = None
    framework: str | None = None
    caseload: int | None = None
    themes: pd.DataFrame = field(default_factory=lambda: count_table("theme_id", []))
    questions: pd.DataFrame = field(default_factory=lambda: count_table("question_id", []))
    scale: tuple[str, ...] = ()
    areas: tuple[JudgedArea, ...] = ()
    params_file: str | None = None
    data_file: str | None = None
    params: AuditParams | None = None
    warnings: tuple[Problem, ...] = ()
    lines: Mapping[str, int] = field(default_factory=dict, repr=False)  # of each key, for problems

    def judgements_for_theme(self, theme_id: str) -> list[tuple[str, str | None]]:
        """Return ``(area label, judgement or None)`` for each judged area covering a theme."""
        return [(a.label, a.judgement) for a in self.areas if theme_id in a.themes]

    def audit_params(self) -> AuditParams | None:
        """Return the params of an answers baseline given by params (else None)."""
        if self.params is not None:
            return self.params
        return load_params(self.params_file) if self.params_file else None

    def scores(self) -> AuditScores:
        """Return the scores of an answers baseline: its audit loaded and scored (once).

        Raises:
            ParamsError: the baseline is not of the answers kind.
            AuditDataError: its scoring file has errors.

        """
        if self.kind != "answers":
            raise ParamsError(
                [Problem("error", str(self.path or self.id), "not an answers baseline")]
            )
        return self._scores

    @cached_property
    def _scores(self) -> AuditScores:
        # Imported on first use, for start-up speed: scoring pulls in statsmodels, and reading
        # a baseline file (``caseaudit validate``, params checks) must not pay for it.
        from caseaudit_lib.score.from_params import load_and_score, load_and_score_file

        params = self.audit_params()
        if params is not None:
            where = self.params_file or f"earlier audit {params.audit_id}"
            return load_and_score(params, where=where)[2]
        return load_and_score_file(
            resolve(self.data_file),
            self.framework,
            audit_id=self.id,
            caseload=self.caseload,
            checker=FieldChecker(display_path(self.path) if self.path else self.id, self.lines),
        )


def count_table(index_name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return a counts table indexed by theme or question id (``Baseline.themes``' layout).

    Args:
        index_name: ``theme_id`` or ``question_id``.
        rows: dicts with that id and label, n_applicable, n_sufficient, pct.

    """
    table = pd.DataFrame(rows, columns=[index_name, *COUNT_COLUMNS])
    table = table.astype({c: float for c in COUNT_COLUMNS[1:]}).astype({"label": object})
    return table.set_index(index_name)


def _counts(
    c: FieldChecker, key: str, entry: Mapping[str, Any], warnings: list[Problem]
) -> dict[str, float] | None:
    """Check one row's counts, deriving n_sufficient from pct and n where that is what was given."""
    has_counts = "n_applicable" in entry or "n_sufficient" in entry
    has_pct = "pct" in entry or "n" in entry
    if has_counts:
        n_app = c.whole(f"{key}.n_applicable", entry.get("n_applicable"))
        n_suf = c.whole(f"{key}.n_sufficient", entry.get("n_sufficient"))
        if n_app is None or n_suf is None:
            return None
        if n_suf > n_app:
            c.fault(f"{key}.n_sufficient", n_suf, "more sufficient than applicable", f"<= {n_app}")
            return None
        pct = 100 * n_suf / n_app if n_app else math.nan
        if "pct" in entry:
            stated = c.percentage(f"{key}.pct", entry["pct"])
            if stated is not None and n_app and abs(stated - pct) > 0.5:
                c.fault(f"{key}.pct", stated, "does not match the counts", f"{pct:.1f}")
        return {"n_applicable": n_app, "n_sufficient": n_suf, "pct": pct}
    if not has_pct:
        c.fault(key, NO_VALUE, "no figures", "n_applicable and n_sufficient, or pct and n")
        return None
    pct = c.percentage(f"{key}.pct", entry.get("pct"))
    if "n" not in entry:
        if pct is not None:
            warnings.append(
                c.problem(
                    "warning",
                    key,
                    "a percentage without its number of cases: the change is shown, "
                    "but it cannot be tested against chance",
                )
            )
            return {"n_applicable": math.nan, "n_sufficient": math.nan, "pct": pct}
        return None
    n = c.whole(f"{key}.n", entry.get("n"))
    if pct is None or n is None:
        return None
    n_suf = round(pct * n / 100)
    warnings.append(
        c.problem(
            "warning",
            key,
            f"n_sufficient derived from pct and n: {pct:g}% of {n} is {n_suf} "
            f"(rounded; {100 * n_suf / n:.1f}% used)"
            if n
            else "n is 0: no data",
        )
    )
    return {"n_applicable": n, "n_sufficient": n_suf, "pct": 100 * n_suf / n if n else math.nan}


def _count_rows(
    c: FieldChecker, key: str, value: Any, id_key: str, warnings: list[Problem]
) -> pd.DataFrame:
    """Check a list of theme or question rows and return them as a counts table."""
    rows: list[dict[str, Any]] = []
    if value is None:
        return count_table(id_key, rows)
    if not isinstance(value, list):
        c.fault(key, value, "not a list", f"a list of {{{id_key}: ..., n_applicable: ...}}")
        return count_table(id_key, rows)
    seen: set[str | None] = set()
    expected = f"{id_key}: ..., n_applicable: ..."
    for where, entry in c.entries(key, value, (id_key, *ROW_KEYS), [id_key], expected):
        row_id = c.text(f"{where}.{id_key}", entry[id_key]) if id_key in entry else None
        twice = c.repeated(f"{where}.{id_key}", row_id, seen, "each id once")
        label = c.text(f"{where}.label", entry.get("label"), optional=True)
        counts = _counts(c, where, entry, warnings)
        if row_id is None or counts is None or twice:
            continue
        rows.append({id_key: row_id, "label": label or row_id, **counts})
    return count_table(id_key, rows)


def _areas(c: FieldChecker, value: Any, scale: tuple[str, ...]) -> tuple[JudgedArea, ...]:
    """Check the judged areas of a judgements baseline."""
    if not isinstance(value, list) or not value:
        c.fault("areas", value, "not a list of areas", "a list of {id, label, judgement, themes}")
        return ()
    words = {w.casefold(): w for w in scale}
    areas: list[JudgedArea] = []
    seen: set[str | None] = set()
    required = ("id", "label", "judgement")
    for where, entry in c.entries("areas", value, AREA_KEYS, required, ", ".join(AREA_KEYS)):
        area_id = c.text(f"{where}.id", entry["id"]) if "id" in entry else None
        twice = c.repeated(f"{where}.id", area_id, seen, "each area id once")
        label = c.text(f"{where}.label", entry["label"]) if "label" in entry else None
        raw = entry.get("judgement")
        judgement: str | None = None
        if raw is None or (isinstance(raw, str) and raw.strip().casefold() == NOT_KNOWN):
            judgement = None
        elif isinstance(raw, str) and raw.strip().casefold() in words:
            judgement = words[raw.strip().casefold()]
        else:
            expected = one_of(str(raw), [*scale, NOT_KNOWN]) if scale else "a word of the scale"
            c.fault(f"{where}.judgement", raw, "not a judgement of the scale", expected)
            continue
        themes = c.texts(f"{where}.themes", entry.get("themes"))
        if area_id is None or label is None or themes is None or twice:
            continue
        areas.append(JudgedArea(area_id, label, judgement, themes))
    return tuple(areas)


def _check_ids(
    c: FieldChecker, framework: Framework, declared: str | None, baseline: dict[str, Any]
) -> None:
    """Check the baseline's theme and question ids against the framework of the audit."""
    if declared and declared not in (framework.id, str(framework.path)):
        c.fault(
            "framework",
            declared,
            f"the baseline's ids are of another framework than the audit's ({framework.id})",
            framework.id,
        )
        return
    theme_ids = [t.id for t in framework.themes]
    for theme_id in baseline["themes"].index:
        if theme_id not in theme_ids:
            c.fault(
                "themes", theme_id, "not a theme of " + framework.id, one_of(theme_id, theme_ids)
            )
    question_ids = list(framework.question_ids)
    for qid in baseline["questions"].index:
        if qid not in question_ids:
            c.fault(
                "questions", qid, "not a question of " + framework.id, one_of(qid, question_ids)
            )
    for i, area in enumerate(baseline["areas"]):
        for j, theme_id in enumerate(area.themes):
            if theme_id not in theme_ids:
                c.fault(
                    f"areas[{i}].themes[{j}]",
                    theme_id,
                    "not a theme of " + framework.id,
                    one_of(theme_id, theme_ids),
                )


def load_baseline(
    path: str | Path, *, framework: Framework | None = None, check_files: bool = True
) -> Baseline:
    """Read a baseline file.

    Args:
        path: the YAML file; relative paths are relative to the project root.
        framework: the framework of the audit it will be compared with; when given, every theme
            and question id in the baseline must be one of its ids.
        check_files: for an answers baseline, also check that its files exist.

    Raises:
        ParamsError: one problem per fault, all at once.

    """
    doc = read_yaml_mapping(path, "baseline file")
    values, c = doc.values, doc.checker(check_files=check_files)
    c.required("", values, COMMON_KEYS)
    kind = values.get("kind")
    if "kind" in values and kind not in KINDS:
        c.fault("kind", kind, "unknown kind of baseline", one_of(str(kind), KINDS))
        kind = None
    c.unknown_keys("", values, (*COMMON_KEYS, *KIND_KEYS.get(kind, ())))
    baseline_id = c.text("id", values["id"]) if "id" in values else None
    if baseline_id is not None and not ID_PATTERN.match(baseline_id):
        c.fault("id", baseline_id, "not a valid id", "lower-case letters, digits, '-', '_' or '.'")
    kw: dict[str, Any] = {
        "id": baseline_id,
        "title": c.text("title", values["title"]) if "title" in values else None,
        "date": c.date("date", values["date"]) if "date" in values else None,
        "source": c.text("source", values["source"]) if "source" in values else None,
        "service": c.text("service", values["service"]) if "service" in values else None,
        "kind": kind,
        "path": resolve(path),
        "framework": c.text("framework", values.get("framework"), optional=True),
        "caseload": check_caseload(c, "caseload", values.get("caseload")),
    }
    warnings: list[Problem] = []
    if kind == "percentages":
        kw["themes"] = _count_rows(c, "themes", values.get("themes"), "theme_id", warnings)
        kw["questions"] = _count_rows(
            c, "questions", values.get("questions"), "question_id", warnings
        )
        if kw["themes"].empty and kw["questions"].empty and "themes" not in values:
            c.fault("themes", NO_VALUE, "no figures", "a list of themes with their counts")
        if kw["caseload"] is not None:
            for table, key in ((kw["themes"], "themes"), (kw["questions"], "questions")):
                for row_id in table.index[table["n_applicable"] > kw["caseload"]]:
                    c.fault(
                        key,
                        row_id,
                        "more applicable than the caseload: counts must be of cases to use it",
                        f"n_applicable <= {kw['caseload']}, or no caseload",
                    )
    elif kind == "judgements":
        scale = c.texts("scale", values.get("scale"))
        if not scale or len({w.casefold() for w in scale}) != len(scale) or len(scale) < 2:
            c.fault("scale", values.get("scale"), "not a scale", "two or more words, best first")
            scale = ()
        kw["scale"] = tuple(scale)
        kw["areas"] = _areas(c, values.get("areas"), kw["scale"])
    elif kind == "answers":
        kw["params_file"] = c.path("params", values.get("params"), optional=True)
        kw["data_file"] = c.path("data_file", values.get("data_file"), optional=True)
        if ("params" in values) == ("data_file" in values):
            message = "give either params or data_file (with framework)"
            c.fault(None, NO_VALUE, message, line=c.line_of("kind"))
        elif "data_file" in values and kw["framework"] is None:
            c.required("", values, ["framework"])
    if framework is not None and not c.problems:
        kw.setdefault("themes", count_table("theme_id", []))
        kw.setdefault("questions", count_table("question_id", []))
        kw.setdefault("areas", ())
        _check_ids(c, framework, kw["framework"], kw)
    if c.problems:
        raise ParamsError(c.problems)
    return Baseline(**kw, warnings=tuple(warnings), lines=doc.lines)


def baseline_from_params(params: AuditParams, path: str | Path | None = None) -> Baseline:
    """Return an earlier audit, given by its params, as an answers baseline."""
    where = str(path) if path is not None else f"params/{params.audit_id}.yaml"
    return Baseline(
        id=params.audit_id,
        title=params.title,
        date=params.audit_date,
        source=f"earlier audit ({where})",
        service=params.service,
        kind="answers",
        path=resolve(path) if path is not None else None,
        framework=params.framework,
        caseload=params.caseload,
        params_file=str(resolve(path)) if path is not None else None,
        data_file=params.data_file,
        params=params,
    )


def describe(baseline: Baseline) -> str:
    """Return one plain sentence saying what a baseline is and what comparison it allows."""
    what = {
        "percentages": "percentages with their counts",
        "judgements": "word judgements only, so no percentage change can be computed",
        "answers": "case-level answers, scored the same way as this audit",
    }[baseline.kind]
    return f"{baseline.title} ({baseline.date}; {show_value(baseline.source)}): {what}."
