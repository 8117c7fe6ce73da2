"""check_engine: point chainrule's gradient tests at a learner's engine. The engines
here are micrograd-style, each with one of the bugs learners write; each must be
caught, blamed right and shrunk small, and correct engines must pass."""

import math
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("hypothesis")

from engine import Value
from engine.testing import check_engine


def learner_engine(bug=""):
    """A micrograd-style Value class (with tanh and exp), with one bug switched on."""

    class V:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = list(_children) if bug == "twice" else set(_children)

        def _add_to(self, node, amount):
            if bug == "assign":
                node.grad = amount  # = where += belongs
            else:
                node.grad += amount

        def __add__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data + other.data, (self, other), "+")

            def _backward():
                self._add_to(self, out.grad)
                self._add_to(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data * other.data, (self, other), "*")

            def _backward():
                self._add_to(self, (self.data if bug == "mul" else other.data) * out.grad)
                self._add_to(other, self.data * out.grad)

            out._backward = _backward
            return out

        def __pow__(self, n):
            out = V(self.data**n, (self,), f"**{n}")

            def _backward():
                self._add_to(self, n * self.data ** (n - 1) * out.grad)

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = V(t, (self,), "tanh")

            def _backward():
                self._add_to(self, ((1 - t) if bug == "tanh" else (1 - t * t)) * out.grad)

            out._backward = _backward
            return out

        def exp(self):
            out = V(math.exp(self.data), (self,), "exp")

            def _backward():
                self._add_to(self, out.data * out.grad)

            out._backward = _backward
            return out

        def __neg__(self):
            return self * -1

        def __radd__(self, other):
            return self + other

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return (self - other) if bug == "rsub" else (other + (-self))  # 2 - x computed as x - 2

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * other**-1

        def __rtruediv__(self, other):
            return other * self**-1

        def backward(self):
            topo, visited = [], set()

            def build(v):
                if bug == "twice" or v not in visited:  # no visited set: a shared node goes in twice
                    visited.add(v)
                    for child in v._prev:
                        build(child)
                    topo.append(v)

            build(self)
            if bug != "seed":
                self.grad = 1.0
            for v in topo if bug == "order" else reversed(topo):  # forward order: users not done yet
                v._backward()
            if bug == "stale":  # sums into a hidden total that zeroing .grad does not clear
                for v in topo:
                    v._total = getattr(v, "_total", 0.0) + v.grad
                    v.grad = v._total

    V.__qualname__ = f"Value[{bug or 'correct'}]"
    return V


@pytest.mark.parametrize(
    "bug, kind, op, cause",
    [
        ("assign", "gradient", None, "= where += belongs"),
        ("twice", "gradient", None, "counted twice"),
        ("seed", "gradient", None, "never seeded"),
        ("order", "gradient", None, "never reached"),
        ("mul", "gradient", "mul", ""),
        ("tanh", "gradient", "tanh", ""),
        ("rsub", "forward", "rsub", ""),
    ],
)
def test_each_classic_bug_is_caught_blamed_and_shrunk(bug, kind, op, cause):
    report = check_engine(learner_engine(bug), seed=0)
    assert not report.ok
    first = report.findings[0]
    assert (first.kind, first.op) == (kind, op), str(report)
    assert cause in first.cause
    assert first.expression.count(";") <= 2, first.expression  # the smallest expression: a few lines at most
    text = str(report)
    assert first.expression.split("; ")[0] in text and "DEFECTS FOUND" in text
    if op is not None:
        assert "chainrule's rule for" in text and "where to look" in text


def test_a_correct_engine_and_chainrule_itself_pass():
    for target in (learner_engine(), Value):
        report = check_engine(target, seed=0)
        assert report.ok, str(report)
        assert [f.kind for f in report.findings if f.kind != "limit"] == [
            "semantics"
        ]  # backward twice: noted


def test_micrograd_passes():
    micrograd = pytest.importorskip("micrograd.engine")
    report = check_engine(micrograd.Value, seed=0)
    assert report.ok, str(report)
    assert "tanh" in report.unsupported and "mul" in report.supported
    assert any(f.kind == "limit" and "recursion" in f.cause for f in report.findings)  # its recursive sort


def test_adapters_name_the_attributes_and_the_backward():
    class Tensorish:
        def __init__(self, x):
            self.value, self.gradient = x, None

        def __add__(self, other):
            other = other if isinstance(other, Tensorish) else Tensorish(other)
            out = Tensorish(self.value + other.value)
            out.inputs = ((self, 1.0), (other, 1.0))
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Tensorish) else Tensorish(other)
            out = Tensorish(self.value * other.value)
            out.inputs = ((self, other.value), (other, self.value))
            return out

    def backprop(root):
        order, seen = [], set()
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p, _ in getattr(node, "inputs", ()))
        root.gradient = 1.0
        for node in reversed(order):
            for parent, local in getattr(node, "inputs", ()):
                parent.gradient = (parent.gradient or 0.0) + local * (node.gradient or 0.0)

    report = check_engine(Tensorish, data="value", grad="gradient", backward=backprop, seed=0)
    assert report.ok, str(report)
    assert set(report.supported) >= {"add", "mul", "radd"} or set(report.supported) >= {"add", "mul"}


def test_the_command_line_exits_0_1_and_2(tmp_path):
    engine_file = tmp_path / "my_engine.py"
    engine_file.write_text(
        textwrap.dedent(
            """
            class Value:
                def __init__(self, data, children=()):
                    self.data, self.grad, self._prev, self._backward = data, 0.0, children, lambda: None
                def __mul__(self, other):
                    other = other if isinstance(other, Value) else Value(other)
                    out = Value(self.data * other.data, (self, other))
                    def _backward():
                        self.grad = other.data * out.grad   # = where += belongs
                        other.grad = self.data * out.grad
                    out._backward = _backward
                    return out
                def backward(self):
                    topo, seen = [], set()
                    def build(v):
                        if v not in seen:
                            seen.add(v)
                            for c in v._prev:
                                build(c)
                            topo.append(v)
                    build(self)
                    self.grad = 1.0
                    for v in reversed(topo):
                        v._backward()
            """
        )
    )

    def run(*args):
        return subprocess.run([sys.executable, "-m", "engine.testing", *args], capture_output=True, text=True)

    wrong = run(f"{engine_file}:Value", "--seed", "1")
    assert wrong.returncode == 1 and "= where += belongs" in wrong.stdout
    right = run("engine:Value", "--max-examples", "50")
    assert right.returncode == 0 and "no defect found" in right.stdout
    missing = run(f"{tmp_path / 'nope.py'}:Value")
    assert missing.returncode == 2 and "cannot load" in missing.stderr


def test_a_backward_that_walks_every_path_is_stopped_and_reported():
    class PathWalker:  # right numbers, but a recursion into every input: 2^n on shared graphs
        def __init__(self, data, inputs=()):
            self.data, self.grad, self.inputs = data, 0.0, inputs

        def __add__(self, other):
            other = other if isinstance(other, PathWalker) else PathWalker(other)
            return PathWalker(self.data + other.data, ((self, 1.0), (other, 1.0)))

        def __mul__(self, other):
            other = other if isinstance(other, PathWalker) else PathWalker(other)
            return PathWalker(self.data * other.data, ((self, other.data), (other, self.data)))

        def backward(self, g=1.0):
            self.grad += g
            for node, local in self.inputs:
                node.backward(g * local)

    report = check_engine(PathWalker, seed=0, max_examples=50)
    assert report.ok, str(report)  # its numbers are right
    assert any(f.kind == "limit" and "every path" in f.cause for f in report.findings)


def test_stale_gradients_leaking_into_the_next_backward_are_caught():
    report = check_engine(learner_engine("stale"), seed=0)
    assert not report.ok
    assert any(f.kind == "gradient" and "stale" in f.cause for f in report.findings), str(report)
