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
    tried = 0
    for use in sorted(uses, key=lambda u: (u.form.text != "a * b", u.form.text != "a + b")):
        if tried == 3 or len(failures) == 2:
            break
        tried += 1
        result = seed_with(engine, use)
        if result is SILENT:  # this op's rule may give nothing itself: the next op tells more
            continue
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


# seed_with's answer where no gradient arrived, with out.grad set by hand or not
SILENT = Finding("semantics", None, "", {}, cause="no gradient arrived, seeded by hand or not")


def seed_with(engine: Engine, use: Use) -> Finding | None:
    """The seed, on one lone op: None where all is well (or nothing can be said), a Finding
    (a seed other than 1, backward failing, or backward leaving the seed to its caller:
    then `engine.seed_by_hand` is set), or SILENT where no gradient arrived either way."""
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
        # Setting out.grad = 1 by hand is all that changed: if gradients now arrive, the seed
        # was what backward lacked. (Right or wrong ones: this op's own rule is checked later,
        # alone, seeded so; requiring right ones here blamed the seed for a wrong a * b.)
        if isinstance(by_hand, tuple) and any(g != 0.0 for g in by_hand[0]):
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
        return SILENT
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
