"""What the checker found, for a person (`str(report)`) and for a program (`report.findings`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine.value import Value

KINDS = ("forward", "gradient", "error", "limit", "semantics")
DEFECTS = ("forward", "gradient", "error")


@dataclass
class Finding:
    """One thing the engine gets wrong (or does its own way).

    Attributes:
        kind: "forward" (a value differs from chainrule's), "gradient", "error"
            (the engine raised, hung, or returned no node where chainrule gives
            a number), "limit" (a size it cannot reach) or "semantics" (a
            convention that differs from both PyTorch's and chainrule's).
        op: the operation blamed by Python's name ("sub", "rsub", "tanh", ...),
            or None when the fault is in backward's bookkeeping (`cause` says which).
        expression: the smallest failing expression, as Python over the leaves.
        inputs: the leaves' values.
        expected, got: chainrule's number and the engine's.
        cause: what went wrong, in words.
        detail: the rule, the derivation, the learner's source lines.
        operand: the operand whose gradient is wrong ("a", "b"), if one is.
        form: the operation as written ("a - b", "c ** a").
        location: where to look in the learner's file (``my_engine.py:66 in Value.__sub__``).
    """

    kind: str
    op: str | None
    expression: str
    inputs: dict[str, float]
    expected: Any = None
    got: Any = None
    cause: str = ""
    detail: str = ""
    operand: str | None = None
    form: str | None = None
    location: str | None = None
    # the expression in chainrule (labelled), and the engine's gradient of each node (for draw())
    graph: list[tuple[Value, float | None]] = field(default_factory=list, repr=False)

    @property
    def defect(self) -> bool:
        return self.kind in DEFECTS

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data (the picture's graph left out)."""
        return {
            "kind": self.kind,
            "op": self.op,
            "operand": self.operand,
            "form": self.form,
            "cause": self.cause,
            "expression": self.expression,
            "inputs": {k: _plain(v) for k, v in self.inputs.items()},
            "expected": _plain(self.expected),
            "got": _plain(self.got),
            "location": self.location,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            data["kind"],
            data.get("op"),
            data.get("expression") or "",
            dict(data.get("inputs") or {}),
            _number(data.get("expected")),
            _number(data.get("got")),
            data.get("cause") or "",
            data.get("detail") or "",
            operand=data.get("operand"),
            form=data.get("form"),
            location=data.get("location"),
        )

    def __str__(self) -> str:
        where = f" in your {self.form}" if self.form else (f" in {self.op}" if self.op else "")
        lines = [f"{self.kind.upper()}{where}" + (f": {self.cause}" if self.cause else "")]
        if self.expression:
            leaves = ", ".join(f"{k} = {_short(v)}" for k, v in self.inputs.items())
            if leaves:
                lines.append(f"  with {leaves}:")
            lines += [f"    {line}" if leaves else f"  {line}" for line in self.expression.split("; ")]
        if self.expected is not None or self.got is not None:
            lines.append(f"  expected {_short(self.expected)}, got {_short(self.got)}")
        if self.location:
            lines.append(f"  where to look: {self.location}")
        if self.detail:
            lines += [f"  {line}" if line else "" for line in self.detail.splitlines()]
        return "\n".join(lines)


@dataclass
class Report:
    """What `check_engine` found: `ok` is False when a forward value or a gradient
    is wrong, or the engine raised or hung where chainrule gives a number."""

    target: str
    supported: list[str]
    unsupported: list[str]
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    seconds: float = 0.0
    forms: list[str] = field(default_factory=list)  # the forms checked, as written
    refused: dict[str, str] = field(default_factory=dict)  # form → why it is left out
    notes: list[str] = field(default_factory=list)  # how the engine was run

    @property
    def ok(self) -> bool:
        return not any(f.defect for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: what a grader's tools read (docs/testing.md's schema)."""
        return {
            "target": self.target,
            "ok": self.ok,
            "supported": list(self.supported),
            "unsupported": list(self.unsupported),
            "forms": list(self.forms),
            "refused": dict(self.refused),
            "notes": list(self.notes),
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        report = cls(data["target"], list(data["supported"]), list(data["unsupported"]))
        report.findings = [Finding.from_dict(f) for f in data["findings"]]
        report.forms, report.refused, report.notes = (
            list(data["forms"]),
            dict(data["refused"]),
            list(data["notes"]),
        )
        report.examples, report.seconds = int(data["examples"]), float(data["seconds"])
        return report

    def draw(self) -> Any:
        """The first wrong gradient's smallest expression as a `draw_dot` picture: each
        node's grad is chainrule's, its label says the engine's, the first wrong one
        marked ✗. None when no finding has a graph (needs the graphviz package).
        Drawing twice gives the same picture: the labels are restored after."""
        from engine.viz import draw_dot

        finding = next((f for f in self.findings if f.graph), None)
        if finding is None:
            return None
        labels = [node.label for node, _ in finding.graph]
        marked = False
        try:
            for node, got in reversed(finding.graph):  # backward order: the first wrong is marked
                wrong = got is not None and not abs(node.grad - got) <= 1e-6 * max(1.0, abs(got))
                mark = " ✗" if wrong and not marked else ""
                marked = marked or wrong
                node.label = f"{node.label}  yours: {'—' if got is None else f'{got:.4g}'}{mark}"
            return draw_dot(finding.graph[-1][0])
        finally:
            for (node, _), label in zip(finding.graph, labels, strict=True):
                node.label = label

    def __str__(self) -> str:
        verdict = "no defect found" if self.ok else "DEFECTS FOUND"
        lines = [
            f"check_engine({self.target}): {verdict} ({self.examples} expressions, {self.seconds:.1f} s)",
            f"  operations checked: {', '.join(self.forms) or 'none'}",
        ]
        missing = [f for f in self.unsupported if f not in self.refused]
        if missing:
            lines.append(f"  not in your engine (not a failure): {', '.join(missing)}")
        for form, why in self.refused.items():
            lines.append(f"  left out: {form} ({why})")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for i, f in enumerate(self.findings, 1):
            lines.append("")
            lines.append(f"{i}. " + str(f).replace("\n", "\n   "))
        return "\n".join(line.rstrip() for line in "\n".join(lines).splitlines())


def _plain(x: Any) -> Any:
    """A number or a list of numbers as JSON has them (inf and nan as strings)."""
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    return x


def _number(x: Any) -> Any:
    """_plain's inverse: 'inf', '-inf' and 'nan' back to floats."""
    if isinstance(x, list):
        return [_number(v) for v in x]
    if x in ("inf", "-inf", "nan"):
        return float(x)
    return x


def _short(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in x) + "]"
    return repr(x)


__all__ = ["DEFECTS", "KINDS", "Finding", "Report"]
