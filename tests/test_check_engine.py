"""check_engine, right about anyone's engine: each engine in tests/engines is a learner's
(one-line mutants of a lecture-style engine, and engines in other styles), checked as a
learner's file; every buggy one must be blamed right (which op and operand, or which part
of backward's bookkeeping), every correct one must pass with no finding but the two notes
a correct engine may earn."""

import importlib.util
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("hypothesis")

from engine import Value
from engine.testing import UsageError, check_engine
from tests.engines import ALSO, CLASS, CORRECT, EXPECTED, HALFWAY, write


def load(name, folder):
    path = write(name, folder)
    spec = importlib.util.spec_from_file_location(f"learner_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, CLASS.get(name, "Value"))


def defects(report):
    return [f for f in report.findings if f.defect]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if not e[0]))
def test_each_buggy_engine_is_blamed_right(name, tmp_path):
    _, kind, op, operand, words = EXPECTED[name]
    report = check_engine(load(name, tmp_path), seed=0)
    assert not report.ok, str(report)
    first = defects(report)[0]
    assert (first.kind, first.op, first.operand) == (kind, op, operand), str(report)
    assert words in first.cause, str(report)
    if op is not None:  # an op is blamed: only that op, and never a bookkeeping fault beside it
        allowed = {op, ALSO.get(name)}
        assert {f.op for f in defects(report)} <= allowed, str(report)
        assert first.location and name in first.location, str(report)  # the learner's file and line
    text = str(report)
    assert "DEFECTS FOUND" in text and "Traceback" not in text
    assert "its its" not in text and "'s its" not in text


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e[0]))
def test_each_engine_that_passes_is_told_what_it_was_told(name, tmp_path):
    words = EXPECTED[name][4]
    report = check_engine(load(name, tmp_path), seed=0)
    assert report.ok and not defects(report), str(report)
    assert words and any(words in text for text in [f.cause for f in report.findings] + report.notes), str(
        report
    )


def test_two_independent_faults_are_both_reported(tmp_path):
    report = check_engine(load("rsub_forward_and_add_assign", tmp_path), seed=0)
    found = {(f.kind, f.op) for f in defects(report)}
    assert ("forward", "rsub") in found and ("gradient", "add") in found, str(report)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_engines_in_many_styles_pass_with_no_finding(name, tmp_path):
    report = check_engine(load(name, tmp_path), seed=0)
    assert report.ok, str(report)
    kinds = [f.kind for f in report.findings]
    assert kinds.count("semantics") <= 1 and set(kinds) <= {"semantics", "limit"}, str(report)
    for f in report.findings:  # only the recursion-limit note and backward twice differing from both
        assert ("recursion" in f.cause) if f.kind == "limit" else ("backward twice" in f.cause), str(report)


def test_chainrule_and_micrograd_pass():
    micrograd = pytest.importorskip("micrograd.engine")
    mine = check_engine(Value, seed=0)
    assert mine.ok and mine.findings == [], str(mine)  # accumulates on backward twice, no recursion
    report = check_engine(micrograd.Value, seed=0)
    assert report.ok, str(report)
    assert "tanh" in report.unsupported and "mul" in report.supported
    assert "a ** b" in report.refused  # its assert: number exponents only, by design
    assert sorted(f.kind for f in report.findings) == ["limit", "semantics"], str(report)


def test_an_engine_half_way_through_the_lecture_is_walked_and_checked(tmp_path):
    report = check_engine(load(HALFWAY, tmp_path), seed=0)
    assert report.ok and report.findings == [], str(report)
    assert any("no backward() yet" in note for note in report.notes)
    wrong = check_engine(load("halfway_tanh_wrong", tmp_path), seed=0)
    assert [(f.op, f.operand) for f in defects(wrong)] == [("tanh", "a")], str(wrong)


def test_an_engine_that_leaves_the_seed_to_its_caller_is_checked_that_way(tmp_path):
    report = check_engine(load("seed_by_hand", tmp_path), seed=0)
    assert report.ok, str(report)
    assert any("does not set out.grad = 1" in f.cause for f in report.findings)
    # and its real faults are still found: the same engine with a * b wrong (seed_by_hand_mul_wrong
    # in the table) is told both, the seed as a note and mul as the defect
    wrong = check_engine(load("seed_by_hand_mul_wrong", tmp_path), seed=0)
    assert (defects(wrong)[0].op, defects(wrong)[0].operand) == ("mul", "a"), str(wrong)
    assert any("does not set out.grad = 1" in f.cause for f in wrong.findings), str(wrong)


def test_an_op_table_reads_as_a_learner_reads_it(tmp_path):
    report = check_engine(load("sub_wrong_no_rsub", tmp_path), seed=0)
    text = str(report)
    assert "your a - b: ∂/∂a = 1 ✓, ∂/∂b = 1 ✗ (should be −1), at a = 0.37, b = −1.3" in text
    assert "∂(a − b)/∂b = −1" in text and "sub_wrong_no_rsub.py:" in text and "__sub__" in text
    assert "rsub" not in "".join(f.op or "" for f in report.findings)  # no __rsub__: never blamed
    assert "rsub" in report.unsupported


def test_a_walk_over_a_set_is_a_finding_not_a_crash(tmp_path):
    report = check_engine(load("set_walk", tmp_path))  # no seed: whatever hypothesis draws
    assert not report.ok
    assert any("run to run" in f.cause for f in defects(report)), str(report)


def test_the_engines_prints_and_logging_stay_out_of_the_report(tmp_path, capsys):
    report = check_engine(load("prints_and_logs", tmp_path), seed=0)
    assert report.ok
    out = capsys.readouterr()
    assert "added" not in out.out + out.err and "added" not in str(report)
    assert any("printed" in note for note in report.notes)


def test_minimal_expressions_have_no_line_that_misses_the_output(tmp_path):
    from engine.testing.checker.recipes import Line, Recipe

    recipe = Recipe((1.0, 2.0), (Line(0, (0, 1)), Line(0, (1, 1)), Line(1, (2, 0))))
    assert recipe.reaching() == Recipe((1.0, 2.0), (Line(0, (0, 1)), Line(1, (2, 0))))
    for seed in range(3):
        report = check_engine(load("twice", tmp_path), seed=seed)
        for f in defects(report):
            lines = f.expression.split("; ")
            names = [line.split(" = ")[0] for line in lines]
            for name in names[:-1]:  # every line is read by a later one
                assert any(name in line.split(" = ", 1)[1] for line in lines[names.index(name) + 1 :]), (
                    f.expression
                )


def test_a_seed_gives_the_same_run_every_time(tmp_path):
    engine = load("mul_assign_both", tmp_path)
    texts = [str(check_engine(engine, seed=7)).split("\n", 1)[1] for _ in range(2)]
    assert texts[0] == texts[1]


def test_wrong_attribute_names_are_said_to_be_wrong_names(tmp_path):
    engine = load("iterative", tmp_path)
    with pytest.raises(UsageError, match=r"no attribute 'gradd'.*attributes: data, edges, grad"):
        check_engine(engine, grad="gradd")
    with pytest.raises(UsageError, match="unknown operation"):
        check_engine(engine, ops={"frobnicate": lambda a: a})


def test_an_op_named_in_ops_that_raises_is_an_error(tmp_path):
    engine = load("halfway", tmp_path)
    report = check_engine(
        engine, ops={"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}, seed=0
    )
    assert any(f.kind == "error" and f.op == "sub" for f in report.findings), str(report)


def test_report_draw_twice_gives_the_same_labels(tmp_path):
    pytest.importorskip("graphviz")
    report = check_engine(load("add_assign_self", tmp_path), seed=0)
    assert report.draw().source == report.draw().source
    assert "yours:" in report.draw().source


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
    assert {"add", "mul"} <= set(report.supported)


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


LEARNER = textwrap.dedent(
    """
    class Value:
        def __init__(self, data, children=()):
            self.data, self.grad, self._prev, self._backward = data, 0.0, children, lambda: None
        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other))
            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out
        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other))
            def _backward():
                self.grad = other.data * out.grad   # = where += belongs
                other.grad += self.data * out.grad
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


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "engine.testing", *args], capture_output=True, text=True, cwd=cwd
    )


def test_the_command_line_exits_0_1_and_2(tmp_path):
    engine_file = tmp_path / "my_engine.py"
    engine_file.write_text(LEARNER)
    wrong = run(f"{engine_file}:Value", "--seed", "1")
    assert wrong.returncode == 1 and "= where += belongs" in wrong.stdout and "my_engine.py:" in wrong.stdout
    right = run("engine:Value", "--max-examples", "50")
    assert right.returncode == 0 and "no defect found" in right.stdout
    assert run("engine:Value", "--max-examples", "0").returncode == 0
    negative = run("engine:Value", "--max-examples", "-1")
    assert negative.returncode == 2 and "0 or more" in negative.stderr
    missing = run(f"{tmp_path / 'nope.py'}:Value")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    wrong_name = run(f"{engine_file}:Value", "--grad", "gradient")
    assert wrong_name.returncode == 2 and "no attribute 'gradient'" in wrong_name.stderr
    assert "Traceback" not in wrong_name.stderr


def test_the_command_line_takes_a_backward_function_and_says_how_to_name_a_package(tmp_path):
    (tmp_path / "free.py").write_text(write("free_backward", tmp_path).read_text())
    result = run(
        f"{tmp_path / 'free.py'}:Var", "--backward", f"{tmp_path / 'free.py'}:backward", "--seed", "0"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    package = tmp_path / "mygrad"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("import math\n")
    (package / "engine.py").write_text("from . import helpers\n" + write("lecture", tmp_path).read_text())
    relative = run(f"{package / 'engine.py'}:Value")  # the learner's file: an error finding, exit 1
    assert relative.returncode == 1 and "mygrad.engine:Value" in relative.stdout
    as_package = run("mygrad.engine:Value", "--seed", "0", cwd=tmp_path)
    assert as_package.returncode == 0, as_package.stdout + as_package.stderr


def test_the_command_line_takes_a_leaf_factory(tmp_path):
    pytest.importorskip("numpy")
    write("requires_grad_f32", tmp_path)
    (tmp_path / "leaves.py").write_text(
        "from requires_grad_f32 import Tensor\n\n\ndef leaf(x):\n    return Tensor(x, requires_grad=True)\n"
    )
    result = run(
        str(tmp_path / "requires_grad_f32.py:Tensor"),
        "--leaf",
        f"{tmp_path / 'leaves.py'}:leaf",
        "--seed",
        "0",
    )
    assert result.returncode == 0 and "no defect found" in result.stdout, result.stdout + result.stderr


def test_a_class_that_makes_no_leaf_from_a_float_is_said_not_to_be_an_engine():
    from engine.testing import NotAnEngine

    class NeedsChildren:
        def __init__(self, data, children):
            self.data, self.grad, self.children = data, 0.0, children

    with pytest.raises(NotAnEngine, match=r"cannot make a leaf with .*NeedsChildren\(0.37\).*--leaf"):
        check_engine(NeedsChildren)


def test_unhashable_nodes_are_checked_as_any_other():
    class Unhashable:
        __hash__ = None  # as tensors compared elementwise are

        def __init__(self, data, parents=()):
            self.data, self.grad, self.parents = data, 0.0, parents

        def __eq__(self, other):
            return Unhashable(float(self.data == getattr(other, "data", other)))

        def __add__(self, other):
            other = other if isinstance(other, Unhashable) else Unhashable(other)
            return Unhashable(self.data + other.data, ((self, 1.0), (other, 1.0)))

        def __mul__(self, other):
            other = other if isinstance(other, Unhashable) else Unhashable(other)
            return Unhashable(self.data * other.data, ((self, other.data), (other, self.data)))

        def backward(self):
            order, seen, stack = [], set(), [(self, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif id(node) not in seen:
                    seen.add(id(node))
                    stack.append((node, True))
                    stack.extend((p, False) for p, _ in node.parents)
            self.grad = 1.0
            for node in reversed(order):
                for p, local in node.parents:
                    p.grad += local * node.grad

    report = check_engine(Unhashable, seed=0)
    assert report.ok and [f.kind for f in report.findings] == ["semantics"], str(report)  # backward twice


def test_a_one_node_op_wrong_alone_is_blamed_even_when_the_walk_is_at_fault_too(tmp_path):
    """recursive_set_div: its a / b is one node over its operands, so the walk (also broken)
    cannot be what makes it wrong; a form built from other ops is still only noted."""
    report = check_engine(load("recursive_set_div", tmp_path), seed=0)
    blamed = {(f.op, f.operand) for f in defects(report)}
    assert ("truediv", "b") in blamed and any(f.op is None for f in defects(report)), str(report)
    lecture_like = check_engine(load("twice", tmp_path), seed=0)  # a / b is a * b ** -1 there
    assert all(f.op is None for f in defects(lecture_like)), str(lecture_like)
