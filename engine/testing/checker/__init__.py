"""Check anyone's autograd engine against chainrule: `check_engine(Value)`.

Diagnosis by isolation, as a doctor rules things out: an op is blamed only
when it is wrong on its own, backward's bookkeeping only when every op is
right on its own. The steps, a module each:

  target       the engine under test: leaves, numbers of any type, its backward
               (or a walk over _prev/_backward for one half-way through the lecture)
  forms        every operation as learners write it (a - b, a - c, c - a, a ** n, ...)
  alone        probing, then each op alone on fresh leaves: value and local derivatives
  seed         the first experiment: backward starts from ∂out/∂out = 1
  recipes      an expression both engines build, compared; the shares of a gradient
  bookkeeping  targeted experiments over the ops that passed alone: shares, shared nodes, order
  sequences    ... over several backward passes and sizes: reuse, two graphs, depth
  search       random expressions, shrunk, replayed, isolated the same way
  verdict      one finding a fault, where it was written
  report       findings a learner can act on

    from engine.testing import check_engine
    report = check_engine(Value)     # your engine's Value class
    print(report)                    # what is wrong, where to look, the rule
    assert report.ok
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.testing.checker import sequences
from engine.testing.checker.alone import Use, check_alone, check_upstream, one_node, probe
from engine.testing.checker.bookkeeping import Experiments
from engine.testing.checker.forms import FORMS, PRIMITIVE, Form
from engine.testing.checker.report import Finding, Report
from engine.testing.checker.search import Search
from engine.testing.checker.seed import check_seed
from engine.testing.checker.target import Engine, NotAnEngine, UsageError
from engine.testing.checker.verdict import collapse, fold, once, ordered

BUDGET = 20.0  # seconds for the random search (the checks before it always run)


def check_engine(
    target: Callable[..., Any],
    data: str | None = None,
    grad: str | None = None,
    backward: Callable[[Any], Any] | None = None,
    ops: Mapping[str, Callable[..., Any]] | None = None,
    max_examples: int = 200,
    seed: int | None = None,
    parents: str | None = None,
    node_backward: str = "_backward",
) -> Report:
    """Check an autograd engine's forward values and gradients against chainrule's.

    Args:
        target: what makes a leaf from a float (the engine's Value class). A
            class whose constructor takes `requires_grad` makes leaves with it True.
        data, grad: the names of a node's number and gradient (default: found
            among data/value and grad/gradient; a grad of None on a leaf reads
            as 0, an inner node's None is not compared).
        backward: how to run backward from a root (default ``root.backward()``,
            else a module function ``backward(root)``, else a walk of the graph
            calling each node's `node_backward` over `parents`).
        ops: name → callable(a[, b or number]) to restrict operations to these
            (names: add, radd, sub, rsub, mul, rmul, truediv, rtruediv, neg,
            pow, rpow, exp, log, tanh, sigmoid, relu); default: every one the
            engine's class defines.
        max_examples: how many random expressions to try.
        seed: the same expressions on every run (each seed its own).
        parents, node_backward: for an engine without backward(): the attribute
            listing a node's inputs (default: found among _prev, _children, ...)
            and its step (default ``_backward``).

    Returns:
        A `Report`: ``report.ok``, ``report.findings``; print it for a person.

    Raises:
        UsageError: the check cannot start (an attribute name that is not there).
    """
    start = time.perf_counter()
    if max_examples < 0:
        raise UsageError(f"max_examples must be 0 or more, got {max_examples}")
    if ops is not None:
        unknown = sorted(set(ops) - {form.op for form in FORMS})
        if unknown:
            raise UsageError(
                f"unknown operation(s) {unknown}; expected some of {sorted({f.op for f in FORMS})}"
            )
    with _quiet() as printed:
        engine = Engine(target, data, grad, backward, parents, node_backward)
        report = _check(engine, ops, max_examples, seed, start)
    if printed.getvalue():
        lines = printed.getvalue().count("\n") or 1
        report.notes.append(f"your engine printed {lines:,} line(s) while checked (not shown)")
    report.seconds = time.perf_counter() - start
    return report


def _check(engine: Engine, ops: Any, max_examples: int, seed: int | None, start: float) -> Report:
    uses, missing, refused, errors = probe(engine, ops)
    have = {use.form.op for use in uses}
    report = Report(
        engine.name,
        sorted(have),
        sorted({f.op for f in FORMS if f.text in missing or f.text in refused} - have),
        forms=[use.written for use in uses],
        refused=dict(refused),
    )
    report.notes = engine.notes  # the same list: what the steps below learn of the engine shows too
    if not uses:
        report.findings = list(errors.values()) or [
            Finding("error", None, "", {}, cause="no operation works: is this a Value class?")
        ]
        return report
    seeding, broken = check_seed(engine, uses)
    if broken:  # backward fails on every lone op: nothing else can be checked
        report.findings = list(errors.values()) + seeding
        return report
    # 1. each op alone, the one-node forms first; 2. the bookkeeping experiments over those
    # that passed; 3. the other forms alone, blamed for a wrong gradient only if the walk passed
    by_form: dict[str, list[Finding]] = {text: [finding] for text, finding in errors.items()}
    primitive = [u for u in uses if u.form.text in PRIMITIVE]
    trusted = _alone(engine, primitive, by_form, report, withhold=False)
    scale = _scale(trusted)
    if scale is not None:  # each op again below it: the gradient from above must be multiplied in
        below = _alone(engine, trusted, by_form, report, withhold=False, scale=scale)
        trusted = [u for u in trusted if u in below]
    experiments = Experiments(engine, trusted)
    bookkeeping = experiments.all() + sequences.run(experiments)
    walk_broken = any(f.defect and f.op is None for f in bookkeeping)
    others = [u for u in uses if u.form.text not in PRIMITIVE]
    trusted += _alone(engine, others, by_form, report, withhold=walk_broken, scale=scale)
    experiments.uses = trusted  # the primitives keep their places: the experiments' indices hold
    search = Search(engine, trusted, experiments, max_examples, seed, start + BUDGET)
    found = search.run() if max_examples > 0 else []
    ops_found = [f for form in FORMS for f in by_form.get(form.text, [])]
    report.findings = ordered(
        seeding + fold(collapse(once(ops_found), uses) + bookkeeping, uses + engine.broken) + found
    )
    report.examples = search.examples
    return report


def _scale(trusted: list[Use]) -> Use | None:
    """The op that scales a gradient from above in check_upstream: a product that passed alone."""
    for text in ("a * c", "c * a", "a * b"):
        found = next((u for u in trusted if u.form.text == text), None)
        if found is not None:
            return found
    return None


def _alone(
    engine: Engine,
    uses: list[Use],
    by_form: dict[str, list[Finding]],
    report: Report,
    withhold: bool,
    scale: Use | None = None,
) -> list[Use]:
    """Check each use alone, and below `scale` (does it multiply by out.grad?); the ones that
    pass. With `withhold`, a wrong gradient of a form that may be built from other ops is not
    blamed on it (backward's walk is already at fault), unless the form is one node over its
    operands: the walk then walks one node, as it did for the ops that passed alone."""
    passed = []
    for use in uses:
        wrong, _ = check_alone(engine, use)
        if not wrong and scale is not None:
            wrong = check_upstream(engine, use, scale)
        for point in use.refused:
            at = ", ".join(f"{x:g}" for x in point)
            report.refused.setdefault(f"{use.written} at {at}", "refused on purpose")
        if not wrong:
            passed.append(use)
        elif withhold and wrong[0].kind == "gradient" and not one_node(engine, use):
            report.notes.append(
                f"{use.written} gives a wrong gradient alone too, but it may be built from other ops, and "
                "backward's bookkeeping is at fault (below): not blamed on it; check again after fixing that"
            )
        else:
            by_form.setdefault(use.form.text, []).extend(wrong)
    return passed


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """The engine's prints and logging kept out of the report."""
    sink = io.StringIO()
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield sink
    finally:
        logging.disable(previous)


def assert_engine(target: Callable[..., Any], **options: Any) -> Report:
    """`check_engine(target, **options)` for a learner's own tests: passes silently, or fails
    (an AssertionError, as pytest shows it) with the whole report as its message.

        from engine.testing import assert_engine
        def test_my_engine():
            assert_engine(Value)
    """
    report = check_engine(target, **options)
    if not report.ok:
        raise AssertionError("\n" + str(report))
    return report


__all__ = ["FORMS", "Finding", "Form", "NotAnEngine", "Report", "UsageError", "assert_engine", "check_engine"]
