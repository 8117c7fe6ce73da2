"""Check a learner's engine: chainrule finds the = where += belongs in demos/learner_engine.py.

engine.testing.check_engine builds random expressions in the learner's
engine and in chainrule from one plan, compares every value and gradient,
shrinks the first failure to the smallest expression and explains it. The
same from a shell: python -m engine.testing demos/learner_engine.py:Value
"""

from __future__ import annotations

from demos.learner_engine import Value
from demos.report import Report
from engine.testing import check_engine


def main(report: Report) -> None:
    result = check_engine(Value, seed=0, max_examples=50 if report.quick else 200)
    print(result)
    report.results["ok"] = result.ok
    report.results["findings"] = [(f.kind, f.op, f.cause) for f in result.findings]
    picture = result.draw()  # the smallest wrong expression: chainrule's gradients, the engine's beside
    if picture is not None:
        report.drawing(picture, "check_graph")
