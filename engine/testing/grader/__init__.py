"""Checking a whole class's engines, safely: each in a child process of its own
(`sandbox`, `child`), many in one command (`targets`, `check_many`), results a
grader's tools read (`outputs`: a table, JSON, JUnit XML).

    from engine.testing.grader import Limits, check_many, expand
    submissions, skipped = expand(["submissions/"], "Value")
    outcomes = check_many(submissions, {"seed": 0}, Limits(timeout=60), jobs=2)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.testing.grader.outputs import SCHEMA, as_json, as_junit, table, write_json, write_junit
from engine.testing.grader.sandbox import Limits, Outcome, Submission, check_in_child
from engine.testing.grader.targets import expand


def check_many(
    submissions: Sequence[Submission],
    options: dict[str, Any],
    limits: Limits,
    jobs: int = 1,
    backward: str | None = None,
    progress: bool | None = None,
) -> list[Outcome]:
    """Each submission checked in a child process of its own, `jobs` at a time; the outcomes in
    the submissions' order. A progress bar (tqdm, where installed) on a terminal."""
    bar = _bar(len(submissions), progress)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(check_in_child, s, options, limits, backward) for s in submissions]
        outcomes = []
        for future in futures:
            outcomes.append(future.result())
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return outcomes


def _bar(total: int, progress: bool | None) -> Any:
    if progress is None:
        progress = total > 1 and sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="engine", file=sys.stderr)


__all__ = [
    "SCHEMA",
    "Limits",
    "Outcome",
    "Submission",
    "as_json",
    "as_junit",
    "check_in_child",
    "check_many",
    "expand",
    "table",
    "write_json",
    "write_junit",
]
