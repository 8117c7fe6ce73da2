"""What a grader reads: the summary table, the JSON (its schema below, also in
docs/testing.md) and the JUnit XML that CI systems and autograders read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from engine.files import write_atomically
from engine.testing.grader.sandbox import Outcome

_NUMBER = {"type": ["number", "string", "array", "null"]}  # a number, inf/nan as a string, or several
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "chainrule-check results",
    "type": "object",
    "required": ["version", "engines", "summary"],
    "properties": {
        "version": {"const": 1},
        "summary": {
            "type": "object",
            "required": ["engines", "passed", "defects", "errors", "checker_errors", "seconds"],
            "properties": {
                k: {"type": "number"}
                for k in ("engines", "passed", "defects", "errors", "checker_errors", "seconds")
            },
        },
        "skipped": {"type": "array", "items": {"type": "string"}},
        "engines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["engine", "verdict", "ok", "seconds", "supported", "unsupported", "findings"],
                "properties": {
                    "engine": {"type": "string"},
                    "verdict": {"enum": ["pass", "defects", "error", "usage", "checker error"]},
                    "ok": {"type": "boolean"},
                    "seconds": {"type": "number"},
                    "supported": {"type": "array", "items": {"type": "string"}},
                    "unsupported": {"type": "array", "items": {"type": "string"}},
                    "notes": {"type": "array", "items": {"type": "string"}},
                    "output": {"type": "string"},
                    "findings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "kind",
                                "op",
                                "operand",
                                "cause",
                                "expression",
                                "inputs",
                                "location",
                            ],
                            "properties": {
                                "kind": {"enum": ["forward", "gradient", "error", "limit", "semantics"]},
                                "op": {"type": ["string", "null"]},
                                "operand": {"type": ["string", "null"]},
                                "form": {"type": ["string", "null"]},
                                "cause": {"type": "string"},
                                "expression": {"type": "string"},
                                "inputs": {"type": "object", "additionalProperties": {"type": "number"}},
                                "expected": _NUMBER,
                                "got": _NUMBER,
                                "location": {"type": ["string", "null"]},
                                "detail": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def first_finding(outcome: Outcome) -> str:
    defects = [f for f in outcome.report.findings if f.defect]
    if not defects:
        return ""
    f = defects[0]
    where = f"your {f.form}: " if f.form else ""
    return (where + f.cause).replace("\n", " ")


def table(outcomes: Sequence[Outcome], width: int = 72) -> str:
    """engine, verdict, first finding, seconds: one line an engine."""
    rows = [("engine", "verdict", "seconds", "first finding")]
    rows += [(o.submission.name, o.verdict, f"{o.seconds:.1f}", first_finding(o)) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        head = f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
        lines.append(head + (r[3][:width] + ("…" if len(r[3]) > width else "")))
    return "\n".join(lines)


def as_json(outcomes: Sequence[Outcome], skipped: Sequence[str], seconds: float) -> dict[str, Any]:
    engines = []
    for o in outcomes:
        data = o.report.to_dict()
        engines.append(
            {
                "engine": o.submission.name,
                "verdict": o.verdict,
                "ok": o.verdict == "pass",
                "seconds": round(o.seconds, 3),
                "supported": data["supported"],
                "unsupported": data["unsupported"],
                "notes": data["notes"],
                "output": o.output,
                "findings": data["findings"],
            }
        )
    verdicts = [o.verdict for o in outcomes]
    return {
        "version": 1,
        "summary": {
            "engines": len(outcomes),
            "passed": verdicts.count("pass"),
            "defects": verdicts.count("defects"),
            "errors": verdicts.count("error"),
            "checker_errors": verdicts.count("checker error") + verdicts.count("usage"),
            "seconds": round(seconds, 3),
        },
        "skipped": list(skipped),
        "engines": engines,
    }


def as_junit(outcomes: Sequence[Outcome], seconds: float) -> ET.Element:
    """One testcase an engine: a defect is a <failure>, an engine that crashed, hung or raised
    an <error>, and so is a checker that failed (its message says it is chainrule's)."""
    suite = ET.Element("testsuite", name="chainrule-check")
    failures = errors = 0
    for o in outcomes:
        case = ET.SubElement(
            suite, "testcase", classname="chainrule-check", name=o.submission.name, time=f"{o.seconds:.3f}"
        )
        if o.verdict == "pass":
            continue
        tag = "failure" if o.verdict == "defects" else "error"
        failures += tag == "failure"
        errors += tag == "error"
        message = "the checker itself failed (a bug in chainrule)" if o.checker_failed else first_finding(o)
        element = ET.SubElement(case, tag, message=message[:500], type=o.verdict)
        element.text = o.checker_failed or str(o.report)
        if o.output:
            ET.SubElement(case, "system-out").text = o.output
    suite.set("tests", str(len(outcomes)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("time", f"{seconds:.3f}")
    root = ET.Element("testsuites")
    root.append(suite)
    return root


def write_json(path: str, data: dict[str, Any]) -> None:
    """The file written whole or not at all."""
    write_atomically(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def write_junit(path: str, root: ET.Element) -> None:
    ET.indent(root)
    write_atomically(path, ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")


__all__ = ["SCHEMA", "as_json", "as_junit", "first_finding", "table", "write_json", "write_junit"]
