"""One finding a fault: what the steps found, gathered so a learner reads each fault once,
where it was written (a crash at one line once; an op's fault not again under the forms
that call it; a fault every lone op shows as backward's)."""

from __future__ import annotations

from engine.testing.checker.alone import Use
from engine.testing.checker.report import Finding


def collapse(findings: list[Finding], uses: list[Use]) -> list[Finding]:
    """One finding for a fault every lone op shows: it is backward's, not each op's."""
    zeros = [f for f in findings if f.kind == "gradient" and f.got == 0.0]
    if len(zeros) == len(uses) >= 2:
        return [
            Finding(
                "gradient",
                None,
                zeros[0].expression,
                zeros[0].inputs,
                zeros[0].expected,
                0.0,
                "every gradient stays 0, even for a lone op: backward never seeds ∂out/∂out = 1 "
                "(nor does setting it by hand help), or never runs the ops' backward steps",
            )
        ]
    in_backward = [
        f for f in findings if f.kind == "error" and f.op is None and f.cause.startswith("backward")
    ]
    if len(in_backward) >= 2 and len({f.location for f in in_backward}) == 1:
        first = in_backward[0]
        first.cause = first.cause.split(" on out = ")[0] + f" on every lone op ({len(in_backward)} tried)"
        return [f for f in findings if f not in in_backward] + [first]
    return findings


def once(findings: list[Finding]) -> list[Finding]:
    """A crash at one line of the learner's code is one finding, however many forms reach it."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for f in findings:
        key = (f.kind, f.location or "")
        if f.kind == "error" and f.location and key in seen:
            continue
        seen.add(key)
        kept.append(f)
    return kept


def fold(findings: list[Finding], uses: list[Use]) -> list[Finding]:
    """A form whose method calls an op already found wrong the same way (c / a calling your
    __mul__, -a as self * -1) shows that op's fault, not its own: it is named in that op's
    finding, not blamed again. So is a second form of one method (a * c beside a * b)."""
    by_form = {use.written: use for use in uses}
    kept: list[Finding] = []
    for f in findings:
        use = by_form.get(f.form or "")
        first = None
        if use is not None and f.op is not None:
            for k in kept:
                other = by_form.get(k.form or "")
                if (
                    other is not None
                    and k.kind == f.kind
                    and (other.method in use.calls or other.method == use.method)
                ):
                    first = k
                    break
        if first is not None and use is not None:
            if first.form == f.form:
                first.detail += f"\nthe same for operand {f.operand} of your {f.form}"
            else:
                how = (
                    "the same method"
                    if by_form[first.form or ""].method == use.method
                    else f"your {use.method} calls it"
                )
                first.detail += f"\nthe same fault shows through your {f.form} ({how})"
            continue
        kept.append(f)
    return kept


def ordered(findings: list[Finding]) -> list[Finding]:
    rank = {"error": 0, "forward": 0, "gradient": 0, "semantics": 1, "limit": 2}
    return sorted(findings, key=lambda f: rank.get(f.kind, 3))


__all__ = ["collapse", "fold", "once", "ordered"]
