"""The `caseaudit` command: validate, template, frameworks, sample, findings, score, report, batch.

Exit status: 0 success (warnings allowed), 2 a problem with the user's input (one line per
problem, never a traceback), 1 a fault of the program itself, 130 interrupted (Ctrl-C), 141 the
reader of the output went away (``caseaudit validate ... | head -3``), as a shell reports them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseaudit_lib import console
from caseaudit_lib.console import blank_form_failure, summary_table
from caseaudit_lib.errors import CaseAuditError

if TYPE_CHECKING:
    from caseaudit_lib.build.batch import BatchSummary
    from caseaudit_lib.build.overview_ahead import OverviewAhead

EXIT_OK, EXIT_FAULT, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a program whose reader left


def _version() -> str:
    from caseaudit_lib import __version__

    return __version__


def _cmd_validate(args: argparse.Namespace) -> int:
    from caseaudit_lib.audit.loading import validate_file
    from caseaudit_lib.framework.model import load_framework
    from caseaudit_lib.validate.summary import PROBLEMS_SHOWN, summarised

    framework = load_framework(args.framework)
    problems = validate_file([Path(f) for f in args.file], framework)
    for line in summarised(problems, limit=None if args.all else PROBLEMS_SHOWN):
        print(line)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{', '.join(args.file)}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_INPUT if errors else EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from caseaudit_lib.load.encrypted import password_in

    password = password_in(args.password_env) if args.password_env else None
    if args.case_list:
        from caseaudit_lib.forms.auditor_forms import write_auditor_forms

        forms = write_auditor_forms(
            args.framework,
            Path(args.case_list),
            Path(args.out),
            force=args.force,
            password=password,
        )
        for path in forms:
            print(f"wrote {path}" + (" (password-protected)" if password else ""))
        return EXIT_OK
    from caseaudit_lib.forms.template import write_template

    out = write_template(args.framework, Path(args.out), n_cases=args.cases, password=password)
    print(f"wrote {out}" + (" (password-protected)" if password else ""))
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


def _build_reports(params: list[Path], *, force: bool = False, **options: Any) -> int:
    """Build the reports of the audits named (files or folders), print the summary, exit code.

    The overview is rebuilt whatever failed; the exit status is chosen after it.
    """
    import functools

    from caseaudit_lib.build.audit_build import audit_timeout, build_audit, worker_setup
    from caseaudit_lib.build.audit_inputs import find_params_files, output_dir_of, report_manifest
    from caseaudit_lib.build.batch import run_batch
    from caseaudit_lib.build.leaks import scrub_staging
    from caseaudit_lib.build.overview_ahead import OverviewAhead
    from caseaudit_lib.manifest import ManifestCache

    files = find_params_files(params)
    # The overview's charts and leak check are prepared while the audits build.
    ahead = OverviewAhead(params, files)
    summary = run_batch(
        files,
        # --force runs every notebook; otherwise a findings-only change runs the report alone.
        functools.partial(build_audit, full=True) if force else build_audit,
        manifest_of=functools.partial(report_manifest, cache=ManifestCache()),
        output_dir_of=output_dir_of,
        initializer=worker_setup,
        on_outcome=ahead.audit_done,
        force=force,
        audit_timeout=audit_timeout(),
        check_failed=scrub_staging,
        **options,
    )
    ahead.finish()  # not on an interrupt: its thread dies with the process
    print(summary.table())
    overview_status = _after_build(params, summary, ahead)
    failed = summary.with_status("failed")
    if failed and all(blank_form_failure(o.message) for o in failed):
        return max(EXIT_INPUT, overview_status)  # the user's input: a form with no cases
    return max(summary.exit_code, overview_status)


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

    # A blank form stops here, in one line, before any notebook starts; the overview is
    # still rebuilt (it shows every audit of the folder, this one as it last was).
    params = load_params(Path(args.params))
    try:
        require_cases(params.data_path, str(params.data_file))
    except CaseAuditError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return max(EXIT_INPUT, _rebuild_overview_only([Path(args.params)]))
    # One audit, built in this process: a worker's start-up would be pure overhead. Without
    # --force an audit whose manifest is unchanged is skipped, and the summary says so.
    return _build_reports([Path(args.params)], force=args.force, progress=False, in_process=True)


def _rebuild_overview_only(params: list[Path]) -> int:
    """Rebuild the overview when no audit was built; return its exit code."""
    from caseaudit_lib.build.batch import BatchSummary

    return _after_build(params, BatchSummary([]))


def _cmd_batch(args: argparse.Namespace) -> int:
    return _build_reports(
        [Path(p) for p in args.params],
        workers=args.workers,
        force=args.force,
        progress=not args.no_progress,
    )


def _cmd_preview(args: argparse.Namespace) -> int:
    from caseaudit_lib.build.preview import run_preview

    return run_preview(
        Path(args.params), port=args.port, open_browser=not args.no_browser, pdf=args.pdf
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
    p.add_argument("--all", action="store_true", help="print every problem, none summarised")
    console.add_password_options(p)
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
    p.add_argument(
        "--password-env",
        metavar="VAR",
        help="protect the forms with the password held by this environment variable",
    )
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
    console.add_password_options(p)
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("report", help="build one audit's HTML report, notebooks and tables")
    p.add_argument("params", help="the audit's params file")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    console.add_password_options(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("preview", help="serve one audit's report, rebuilt on every save")
    p.add_argument("params", help="the audit's params file")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the address")
    p.add_argument("--pdf", action="store_true", help="print report.pdf on every rebuild too")
    p.set_defaults(func=_cmd_preview)

    p = sub.add_parser("batch", help="build every audit's report, in parallel, skipping unchanged")
    p.add_argument("params", nargs="*", default=["params"], help="params files or folders")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    console.add_password_options(p)
    p.set_defaults(func=_cmd_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `caseaudit` command and return its exit status."""
    try:
        return _run(argv)
    except BrokenPipeError:
        return console.quiet_closed_pipe(EXIT_CLOSED_PIPE)
    except KeyboardInterrupt:  # Ctrl-C before or after the command itself ran
        return console.interrupted(EXIT_INTERRUPTED)


def _run(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the command, turning every failure into one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        console.use_passwords(args)
        return args.func(args)
    except BrokenPipeError:
        raise
    except CaseAuditError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return console.interrupted(EXIT_INTERRUPTED)
    except Exception as error:  # a fault of the program, not of the input
        if args.traceback:
            raise
        print(
            f"caseaudit: internal error: {type(error).__name__}: {error} "
            "(this is a bug; rerun with --traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAULT


# Last, so that `python -m caseaudit_lib.cli` sees every function of the module defined.
if __name__ == "__main__":
    sys.exit(main())
