"""The first experiment, before any op is checked alone: the seed.

On a lone op backward must start from ∂out/∂out = 1. An engine that leaves that
to its caller (micrograd's first version did) is said so once, then checked that
way, so its real faults are still found; one that seeds another number is a
fault of its own; one whose backward fails on two lone ops fails everywhere.
"""

from __future__ import annotations

from engine.testing.checker.alone import CALL_SECONDS, Use, attempt, reference
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Engine


def check_seed(engine: Engine, uses: list[Use]) -> tuple[list[Finding], bool]:
    """A lone op: backward must start from ∂out/∂out = 1. An engine that leaves that to
    its caller (micrograd's first version did) is said so once, then checked that way.
    True when backward fails on two lone ops: then it fails everywhere."""
    failures: list[Finding] = []
    for use in sorted(uses, key=lambda u: u.form.text != "a * b")[:2]:
        result = seed_with(engine, use)
        if not isinstance(result, Finding) or result.kind != "error":
            return ([result] if result else []), False
        failures.append(result)
    if len(failures) == 2 and not any(_in_an_op(f.location) for f in failures):
        # backward itself failed on both (hangs, crashes, hoards): it fails everywhere
        first, second = (f.cause.split(" on out = ")[0] for f in failures)
        finding = failures[0]
        finding.cause = first + " on every lone op tried (two)"
        if second != first:
            finding.cause = (
                f"{first} on out = {failures[0].expression.split(';')[0][6:]}, and {second[9:]} on the next"
            )
        return [finding], True
    return [], False


def _in_an_op(location: str | None) -> bool:
    """Whether a failure's place is an op's own backward step (Value.__mul__.<locals>._backward),
    not backward's walk: then each op is checked (and blamed) alone."""
    if not location or " in " not in location:
        return False
    qualname = location.split(" in ", 1)[1].split(":")[0]
    parts = qualname.split(".")
    return "<locals>" in parts and parts[1 if len(parts) > 1 else 0] != "backward"


def seed_with(engine: Engine, use: Use) -> Finding | None:
    point = use.form.points[0]
    _, partials = reference(use.form, point)

    def once(by_hand: bool) -> tuple[list[float], float | None] | Finding | None:
        leaves, args = use.args(engine, point)
        tried = attempt(engine, use, args, point)
        if tried.node is None:
            return None
        if by_hand:
            setattr(tried.node, engine.grad_name, 1.0)
        failed = engine.failed_backward(tried.node, CALL_SECONDS)
        if failed is not None:
            what, error = failed
            return broken(engine, use, error, what)
        return [engine.grad(x) or 0.0 for x in leaves], engine.grad(tried.node)

    plain = once(False)
    if plain is None or isinstance(plain, Finding):
        return plain
    if all(engine.close(e, g) for e, g in zip(partials, plain[0], strict=True)):
        return None
    got, root = plain
    if all(g == 0.0 for g in got) and root in (None, 0.0):
        by_hand = once(True)
        if isinstance(by_hand, tuple) and all(
            engine.close(e, g) for e, g in zip(partials, by_hand[0], strict=True)
        ):
            engine.seed_by_hand = True
            return Finding(
                "semantics",
                None,
                f"out = {use.written}; out.backward()",
                {},
                cause=(
                    f"backward() does not set out.{engine.grad_name} = 1 itself (∂out/∂out): every gradient "
                    f"stays 0 unless the caller sets it first, as micrograd's first version expected. "
                    f"The checker set it before each backward"
                ),
            )
        return None
    if root is not None and not engine.close(1.0, root):
        ratios = [g / e for g, e in zip(got, partials, strict=True) if e]
        if ratios and all(engine.close(root, r) for r in ratios):
            return Finding(
                "gradient",
                None,
                f"out = {use.written}; out.backward()",
                {},
                1.0,
                root,
                f"backward starts from out.{engine.grad_name} = {root:g}; it must be 1 (∂out/∂out), so "
                f"every gradient is {root:g} times too large",
            )
    return None


def broken(engine: Engine, use: Use, error: BaseException | None, what: str) -> Finding:
    where = engine.where(error) if error is not None else None
    return Finding(
        "error",
        None,
        f"out = {use.written}; out.backward()",
        {},
        cause=f"backward {what} on out = {use.written}",
        location=f"{where}: {where.text}" if where else None,
    )


__all__ = ["check_seed"]
