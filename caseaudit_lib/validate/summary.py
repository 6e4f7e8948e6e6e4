"""Problems as printed: every one, or a set number of each kind per file and then a count.

A sheet with every answer invalid has hundreds of problems of one kind; a person reads the
first screen. After :data:`PROBLEMS_SHOWN` problems of one kind (same file, severity and
message) one line says how many more there are and where the first of them is. Nothing is
dropped from the problems themselves: the exit status and the totals count them all, and
``caseaudit validate --all`` prints every one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from caseaudit_lib.errors import Problem

PROBLEMS_SHOWN = 20


def problem_kind(problem: Problem) -> tuple[str, str, str]:
    """Return what makes two problems of a file the same kind: severity and message."""
    return (problem.file, problem.severity, problem.message)


def summarised(problems: Iterable[Problem], limit: int | None = PROBLEMS_SHOWN) -> Iterator[str]:
    """Yield the lines to print: each problem, the ones past ``limit`` of a kind as one count.

    The count's line stands where the first problem it counts would have been. ``limit`` None
    prints every problem.
    """
    problems = list(problems)
    if limit is None:
        yield from map(str, problems)
        return
    totals: dict[tuple[str, str, str], int] = {}
    for problem in problems:
        kind = problem_kind(problem)
        totals[kind] = totals.get(kind, 0) + 1
    seen: dict[tuple[str, str, str], int] = {}
    for problem in problems:
        kind = problem_kind(problem)
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= limit:
            yield str(problem)
        elif seen[kind] == limit + 1:
            yield more_line(problem, totals[kind] - limit)


def more_line(first: Problem, more: int) -> str:
    """Return the line that counts the problems of a kind not printed, naming the first."""
    where = f"{first.sheet}!{first.cell}" if first.sheet and first.cell else first.cell
    at = f", the first at {where}" if where else ""
    return (
        f"{first.file}: {first.severity}: {more} more {first.message!r} problem(s) like the "
        f"above{at} (caseaudit validate --all prints every one)"
    )
