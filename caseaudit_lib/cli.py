"""The `caseaudit` command: validate, template, frameworks, sample, findings, score, report, batch.

Exit status: 0 success (warnings allowed), 2 a problem with the user's input (one line per
problem, never a traceback), 1 a fault of the program itself, 130 interrupted.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseaudit_lib.errors import CaseAuditError

if TYPE_CHECKING:
    from caseaudit_lib.build.batch import BatchSummary
    from caseaudit_lib.build.overview_ahead import OverviewAhead
    from caseaudit_lib.pipeline import AuditResults

EXIT_OK, EXIT_FAULT, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _version() -> str:
    from caseaudit_lib import __version__

    return __version__


def _cmd_validate(args: argparse.Namespace) -> int:
    from caseaudit_lib.audit.loading import validate_file
    from caseaudit_lib.framework.model import load_framework

    framework = load_framework(args.framework)
    problems = validate_file([Path(f) for f in args.file], framework)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{', '.join(args.file)}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_INPUT if errors else EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    if args.case_list:
        from caseaudit_lib.forms.auditor_forms import write_auditor_forms

        forms = write_auditor_forms(
            args.framework, Path(args.case_list), Path(args.out), force=args.force
        )
        for path in forms:
            print(f"wrote {path}")
        return EXIT_OK
    from caseaudit_lib.forms.template import write_template

    out = write_template(args.framework, Path(args.out), n_cases=args.cases)
    print(f"wrote {out}")
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from caseaudit_lib.forms.sample import (
        draw_sample,
        parse_auditors,
        parse_since,
        read_caseload,
        write_sample,
    )
    from caseaudit_lib.framework.model import load_framework

    since = parse_since(args.since)
    auditors = parse_auditors(args.auditors)
    caseload = read_caseload(
        Path(args.caseload),
        case_ref=args.case_ref_column,
        case_type=args.case_type_column,
        start_date=args.start_date_column,
        framework=load_framework(args.framework) if args.framework else None,
    )
    sample = draw_sample(caseload, args.size, auditors, since=since, seed=args.seed)
    out = write_sample(sample, Path(args.out))
    print(sample.summary())
    print(f"wrote {out}")
    return EXIT_OK


def _cmd_findings_draft(args: argparse.Namespace) -> int:
    from caseaudit_lib.findings.findings_draft import write_findings_draft

    out = write_findings_draft(Path(args.params), Path(args.out), force=args.force)
    print(f"wrote {out}: edit it, then name it as findings_file in {args.params}")
    return EXIT_OK


def _cmd_frameworks(args: argparse.Namespace) -> int:
    from caseaudit_lib.framework.model import available_frameworks, load_framework

    for name in available_frameworks():
        framework = load_framework(name)
        print(f"{name}\t{framework.title} ({len(framework.questions)} questions)")
    return EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    from caseaudit_lib.config.params import load_params
    from caseaudit_lib.export.tables import write_tables
    from caseaudit_lib.pipeline import score_params

    params = load_params(Path(args.params))
    results = score_params(params)
    out_dir = write_tables(results, Path(args.out) if args.out else None)
    for warning in results.audit.warnings:
        print(warning, file=sys.stderr)
    print(summary_table(results))
    print(f"\nScore tables written to {out_dir}")
    return EXIT_OK


def _build_reports(params: list[Path], **options: Any) -> int:
    """Build the reports of the audits named (files or folders), print the summary, exit code."""
    from caseaudit_lib.build.audit_build import build_audit, worker_setup
    from caseaudit_lib.build.audit_inputs import find_params_files, output_dir_of, report_inputs
    from caseaudit_lib.build.batch import run_batch
    from caseaudit_lib.build.overview_ahead import OverviewAhead

    files = find_params_files(params)
    # The overview's charts and leak check are prepared while the audits build.
    ahead = OverviewAhead(params, files)
    summary = run_batch(
        files,
        build_audit,
        inputs_of=report_inputs,
        output_dir_of=output_dir_of,
        initializer=worker_setup,
        on_outcome=ahead.audit_done,
        **options,
    )
    ahead.finish()  # not on an interrupt: its thread dies with the process
    print(summary.table())
    failed = summary.with_status("failed")
    if failed and all(blank_form_failure(o.message) for o in failed):
        return EXIT_INPUT  # every failure is the user's input: a form with no cases
    return max(summary.exit_code, _after_build(params, summary, ahead))


def _after_build(
    params: list[Path], summary: BatchSummary, ahead: OverviewAhead | None = None
) -> int:
    """Say once if PDFs were skipped, rebuild the overview of every audit; return an exit code."""
    from caseaudit_lib.build.overview import rebuild_overview
    from caseaudit_lib.export.pdf import PDF_SKIPPED, skipped_line

    skipped = sum(o.message == PDF_SKIPPED for o in summary.outcomes if o.status == "built")
    if skipped:
        print(skipped_line(skipped), file=sys.stderr)
    prepared = {"identifiers": ahead.identifiers, "needles": ahead.needles} if ahead else {}
    page, problems = rebuild_overview(params, summary, **prepared)
    for problem in problems:
        print(problem, file=sys.stderr)
    if page is not None:
        print(f"Overview of every audit: {_shown(page)}")
    return EXIT_FAULT if problems else EXIT_OK


def _shown(path: Path) -> str:
    """Return a path relative to the working directory when it lies below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _cmd_report(args: argparse.Namespace) -> int:
    from caseaudit_lib.audit.blank_form import require_cases
    from caseaudit_lib.config.params import load_params

    # A blank form stops here, in one line, before any notebook starts.
    params = load_params(Path(args.params))
    require_cases(params.data_path, str(params.data_file))
    # One audit, built in this process: a worker's start-up would be pure overhead.
    return _build_reports([Path(args.params)], force=True, progress=False, in_process=True)


def _cmd_batch(args: argparse.Namespace) -> int:
    return _build_reports(
        [Path(p) for p in args.params],
        workers=args.workers,
        force=args.force,
        progress=not args.no_progress,
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `caseaudit` command."""
    parser = argparse.ArgumentParser(
        prog="caseaudit",
        description="Youth justice case file audits: validate, score, compare and report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of a program fault"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check audit scoring files, one line per problem")
    p.add_argument(
        "file",
        nargs="+",
        help="scoring files (.xlsx, .ods, .csv, ...) or folders of them, checked as one audit",
    )
    p.add_argument("--framework", required=True, help="framework name or path to a YAML file")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("template", help="write a blank scoring workbook for auditors")
    p.add_argument(
        "out", help="the workbook to write (.xlsx); with --case-list, the folder for the forms"
    )
    p.add_argument("--framework", required=True, help="framework name or path to a YAML file")
    p.add_argument("--cases", type=int, default=20, help="rows for cases (default 20)")
    p.add_argument(
        "--case-list",
        help="a sample file (from `caseaudit sample`): one pre-filled workbook per auditor",
    )
    p.add_argument("--force", action="store_true", help="with --case-list: replace forms")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("sample", help="draw the audit's sample from the caseload, by auditor")
    p.add_argument("caseload", help="the service's export of open cases (.csv or .xlsx)")
    p.add_argument("--size", type=int, required=True, help="how many cases to sample")
    p.add_argument("--since", help="only cases that started on or after this date (YYYY-MM-DD)")
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same sample")
    p.add_argument("--auditors", required=True, help='the auditors, e.g. "Ann;Bo;Cy"')
    p.add_argument("--out", required=True, help="the sample file to write (.csv)")
    p.add_argument("--framework", help="check the case types against this framework")
    p.add_argument("--case-ref-column", default="case_ref", help="default case_ref")
    p.add_argument("--case-type-column", default="case_type", help="default case_type")
    p.add_argument("--start-date-column", default="start_date", help="default start_date")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("findings", help="the analyst's findings file")
    findings = p.add_subparsers(dest="findings_command", required=True, metavar="ACTION")
    p = findings.add_parser("draft", help="draft a findings file from the scores and evidence")
    p.add_argument("params", help="the audit's params file")
    p.add_argument("--out", required=True, help="the draft to write: FILE.md or FILE.yaml")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=_cmd_findings_draft)

    p = sub.add_parser("frameworks", help="list the frameworks shipped with caseaudit")
    p.set_defaults(func=_cmd_frameworks)

    p = sub.add_parser("score", help="score one audit and write its tables")
    p.add_argument("params", help="the audit's params file, e.g. params/bromley-2016.yaml")
    p.add_argument("--out", help="folder for the tables (default outputs/<audit_id>/tables)")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("report", help="build one audit's HTML report, notebooks and tables")
    p.add_argument("params", help="the audit's params file")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("batch", help="build every audit's report, in parallel, skipping unchanged")
    p.add_argument("params", nargs="*", default=["params"], help="params files or folders")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `caseaudit` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CaseAuditError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("caseaudit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a fault of the program, not of the input
        if args.traceback:
            raise
        print(
            f"caseaudit: internal error: {type(error).__name__}: {error} "
            "(this is a bug; rerun with --traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())


def summary_table(results: AuditResults) -> str:
    """Return the theme scores as a plain-text table for the console."""
    themes = results.scores.themes
    rows = [("Theme", "n", "Score", "95% interval", "Rating")]
    for row in themes.itertuples():
        if math.isnan(row.score_pct):  # nothing applicable: no data, never 0%
            rows.append((row.theme, str(row.n_applicable), "no data", "", ""))
            continue
        rows.append(
            (
                row.theme,
                str(row.n_applicable),
                f"{row.score_pct:.0f}%",
                f"{row.ci_low_pct:.0f}%–{row.ci_high_pct:.0f}%",
                str(row.rating or ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    title = f"{results.params.title} ({results.params.audit_id}): {results.audit.n_cases} cases"
    return "\n".join([title, *lines])


def blank_form_failure(message: str) -> bool:
    """Return whether a build failed because its form had no cases (the user's input)."""
    # Imported only when a build failed: it pulls in pandas, which a batch that changed
    # nothing never needs.
    from caseaudit_lib.audit.blank_form import BLANK_FORM

    return BLANK_FORM in message
