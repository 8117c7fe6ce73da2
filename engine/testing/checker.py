"""Check anyone's autograd engine against chainrule: `check_engine(Value)`.

Random expressions are built from one plan in the target engine and in
chainrule, their outputs and every gradient compared; hypothesis shrinks a
failing plan to the smallest one, which is replayed to rule out results
that change from run to run, then explained: the op whose rule is wrong (its
rule from chainrule's table beside the engine's number), or the part of
backward's bookkeeping at fault, with chainrule's derivation of the right
gradient. Then the scenarios learners' engines fail in: a training loop,
gradients over two graphs, backward twice, a long chain.

    from engine.testing import check_engine
    report = check_engine(Value)     # your engine's Value class
    print(report)                    # what it got wrong, the smallest expression, why
    assert report.ok
"""

from __future__ import annotations

import math
import operator
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import engine.ops as table
from engine.autodiff import gradients
from engine.explaining import explain
from engine.value import Value

Make = Callable[[float], Any]


@dataclass(frozen=True)
class Operation:
    """One operation a learner's engine may have, by Python's operator names."""

    name: str  # add, radd, sub, ..., tanh
    inputs: int  # nodes it takes: 1 or 2
    constant: str  # "" none; "right": x + c; "left": c + x; "power": x ** c
    text: str  # how it is written: "{a} + {b}", "{c} - {a}", "{a}.tanh()"
    call: Callable[..., Any]  # on either engine's nodes (and the constant)
    rule: str  # the chainrule op whose rule it follows, for the report


def _method(name: str) -> Callable[[Any], Any]:
    return lambda a: getattr(a, name)()


OPERATIONS = [
    Operation("add", 2, "", "{a} + {b}", operator.add, "add"),
    Operation("add", 1, "right", "{a} + {c}", operator.add, "add_const"),
    Operation("radd", 1, "left", "{c} + {a}", lambda a, c: c + a, "add_const"),
    Operation("sub", 2, "", "{a} - {b}", operator.sub, "add"),
    Operation("sub", 1, "right", "{a} - {c}", operator.sub, "add_const"),
    Operation("rsub", 1, "left", "{c} - {a}", lambda a, c: c - a, "mul_const"),
    Operation("mul", 2, "", "{a} * {b}", operator.mul, "mul"),
    Operation("mul", 1, "right", "{a} * {c}", operator.mul, "mul_const"),
    Operation("rmul", 1, "left", "{c} * {a}", lambda a, c: c * a, "mul_const"),
    Operation("truediv", 2, "", "{a} / {b}", operator.truediv, "pow"),
    Operation("truediv", 1, "right", "{a} / {c}", operator.truediv, "mul_const"),
    Operation("rtruediv", 1, "left", "{c} / {a}", lambda a, c: c / a, "pow"),
    Operation("pow", 1, "power", "{a} ** {c}", operator.pow, "pow"),
    Operation("neg", 1, "", "-{a}", operator.neg, "mul_const"),
    Operation("tanh", 1, "", "{a}.tanh()", _method("tanh"), "tanh"),
    Operation("exp", 1, "", "{a}.exp()", _method("exp"), "exp"),
    Operation("log", 1, "", "{a}.log()", _method("log"), "log"),
    Operation("sigmoid", 1, "", "{a}.sigmoid()", _method("sigmoid"), "sigmoid"),
    Operation("relu", 1, "", "{a}.relu()", _method("relu"), "relu"),
]
CONSTANTS = (2.0, 3.0, 0.5, -1.5)
BUDGET = 25.0  # seconds for the random search, all findings together (then the scenarios)
PRIMITIVES = {"add", "mul", "pow", "tanh", "exp", "log", "sigmoid", "relu"}
ONE_SHARE = "a node used {n} times keeps only one share: a gradient set with = where += belongs"
TOO_EARLY = (
    "gradients passed on before they were complete: a node's rule ran before all its users had "
    "passed theirs, so part of the graph was never reached (walk in reverse topological order)"
)
POWERS = (2.0, 3.0, -1.0)


@dataclass
class Finding:
    """One thing the engine gets wrong (or does its own way).

    Attributes:
        kind: "forward", "gradient", "error" (it raised where chainrule gives
            a number), "limit" (a size it cannot reach) or "semantics" (a
            convention that differs from PyTorch's).
        op: the operation blamed ("mul", "rsub", "tanh", ...), or None when
            the fault is in backward's bookkeeping (then `cause` says which).
        expression: the smallest failing expression, as Python over the leaves.
        inputs: the leaves' values.
        expected, got: chainrule's number and the engine's.
        cause: what went wrong, in words.
        detail: the right derivation, the op's rule, where to look.
    """

    kind: str
    op: str | None
    expression: str
    inputs: dict[str, float]
    expected: Any = None
    got: Any = None
    cause: str = ""
    detail: str = ""
    # the minimal expression in chainrule, and the engine's gradient of each node (for draw())
    graph: list[tuple[Value, float | None]] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        head = (
            f"{self.kind.upper()}"
            + (f" in {self.op}" if self.op else "")
            + (f": {self.cause}" if self.cause else "")
        )
        lines = [head]
        if self.expression:
            leaves = ", ".join(f"{k} = {v!r}" for k, v in self.inputs.items())
            lines.append(f"  with {leaves}:" if leaves else "  with:")
            lines += [f"    {line}" for line in self.expression.split("; ")]
        if self.expected is not None or self.got is not None:
            lines.append(f"  expected {self.expected!r}, got {self.got!r}")
        if self.detail:
            lines += [f"  {line}" for line in self.detail.splitlines()]
        return "\n".join(lines)


@dataclass
class Report:
    """What `check_engine` found: `ok` is False when a forward value or a gradient
    is wrong or the engine raised where chainrule gives a number."""

    target: str
    supported: list[str]
    unsupported: list[str]
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(f.kind in ("forward", "gradient", "error") for f in self.findings)

    def draw(self) -> Any:
        """The first wrong gradient's smallest expression as a `draw_dot` picture: each
        node's grad is chainrule's, its label says the engine's, the first wrong one
        marked ✗. None when no finding has a graph (needs the graphviz package)."""
        from engine.viz import draw_dot

        finding = next((f for f in self.findings if f.graph), None)
        if finding is None:
            return None
        marked = False
        for node, got in reversed(finding.graph):  # backward order: the first wrong is marked
            wrong = got is not None and not _close(node.grad, got)
            mark = " ✗" if wrong and not marked else ""
            marked = marked or wrong
            node.label = f"{node.label}  engine: {'—' if got is None else f'{got:.4g}'}{mark}"
        return draw_dot(finding.graph[-1][0])

    def __str__(self) -> str:
        verdict = "no defect found" if self.ok else "DEFECTS FOUND"
        lines = [
            f"check_engine({self.target}): {verdict} ({self.examples} expressions, {self.seconds:.1f} s)",
            f"  operations checked: {', '.join(self.supported) or 'none'}",
        ]
        if self.unsupported:
            lines.append(f"  not supported (not a failure): {', '.join(self.unsupported)}")
        for i, f in enumerate(self.findings, 1):
            lines.append("")
            lines.append(f"{i}. " + str(f).replace("\n", "\n   "))
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# The engine under test, through its adapters.


class _Engine:
    def __init__(self, make: Make, data: str, grad: str, backward: Callable[[Any], Any] | None) -> None:
        self.make, self.data_name, self.grad_name = make, data, grad
        self.backward = backward if backward is not None else (lambda root: root.backward())
        self.wrap: set[str] = set()  # operations whose constant must be given as a node

    def data(self, node: Any) -> float:
        return float(getattr(node, self.data_name))

    def grad(self, node: Any) -> float | None:
        g = getattr(node, self.grad_name, None) if hasattr(node, self.grad_name) else None
        return 0.0 if g is None else float(g)

    def has_grad(self, node: Any) -> bool:
        return hasattr(node, self.grad_name)


@dataclass(frozen=True)
class _Plan:
    leaves: tuple[float, ...]
    steps: tuple[tuple[int, tuple[int, ...], float | None], ...]  # (operation index, inputs, constant)

    def text(self, operations: Sequence[Operation]) -> str:
        names = [f"x{i}" for i in range(len(self.leaves))]
        lines = []
        for k, (o, args, c) in enumerate(self.steps):
            op = operations[o]
            name = "out" if k == len(self.steps) - 1 else f"y{k + 1}"
            values = {"a": names[args[0]], "b": names[args[1]] if len(args) > 1 else "", "c": _number(c)}
            lines.append(f"{name} = {op.text.format(**values)}")
            names.append(name)
        return "; ".join(lines)


def _number(c: float | None) -> str:
    if c is None:
        return ""
    return str(int(c)) if float(c).is_integer() else repr(c)


class _Skip(Exception):
    """chainrule itself has no number here (outside a domain, at a kink, overflowing)."""


def _build(
    plan: _Plan, operations: Sequence[Operation], make: Make, wrap: set[str] | frozenset[str] = frozenset()
) -> list[Any]:
    """The plan's nodes, leaves first, made with `make`; a constant of an op in `wrap` as a node."""
    nodes = [make(x) for x in plan.leaves]
    for o, args, c in plan.steps:
        op = operations[o]
        inputs = [nodes[i] for i in args]
        if op.constant:
            nodes.append(op.call(inputs[0], make(c) if op.name in wrap and c is not None else c))
        else:
            nodes.append(op.call(*inputs))
    return nodes


def _reference(plan: _Plan, operations: Sequence[Operation]) -> tuple[list[Value], list[float]]:
    """The plan in chainrule: its nodes and ∂out/∂node for each."""
    try:
        nodes = _build(plan, operations, Value)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise _Skip from None
    for (o, _, _), node in zip(plan.steps, nodes[len(plan.leaves) :], strict=True):
        op = operations[o]
        if not abs(node.data) < 1e6:
            raise _Skip
        if op.name == "relu" and abs(node.parents[0].data if node.parents else 0.0) < 1e-6:
            raise _Skip  # a kink: any subgradient is right
    out = nodes[-1]
    grads = gradients(out, nodes)
    if not all(math.isfinite(g) for g in grads):
        raise _Skip
    return nodes, grads


def _close(a: float, b: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


class _Timeout(Exception):
    pass


def _limited(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn(), stopped after `seconds` where a timer can stop it (the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return fn()

    def stop(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------
# Comparing one plan.


@dataclass
class _Outcome:
    kind: str  # "", forward, gradient, error, limit
    op: str | None = None
    cause: str = ""
    expected: Any = None
    got: Any = None
    node: int = -1  # the node blamed (index into the plan's nodes)
    signature: tuple[Any, ...] = ()


def _compare(plan: _Plan, operations: Sequence[Operation], target: _Engine, per_example: float) -> _Outcome:
    nodes, grads = _reference(plan, operations)
    n_leaves = len(plan.leaves)
    # forward, node by node: the first step whose number differs is the op to blame
    built: list[Any] = []
    try:
        built = [target.make(x) for x in plan.leaves]
        for k, (o, args, c) in enumerate(plan.steps):
            op = operations[o]
            inputs = [built[i] for i in args]
            try:
                if op.constant:
                    assert c is not None
                    built.append(op.call(inputs[0], target.make(c) if op.name in target.wrap else c))
                else:
                    built.append(op.call(*inputs))
                got = target.data(built[-1])
            except _Timeout:
                raise
            except Exception as error:
                return _Outcome(
                    "error", op.name, f"{type(error).__name__}: {error}", nodes[n_leaves + k].data
                )
            if not _close(nodes[n_leaves + k].data, got):
                return _Outcome("forward", op.name, "", nodes[n_leaves + k].data, got, n_leaves + k)
        _limited(per_example, lambda: target.backward(built[-1]))
    except _Timeout:
        return _Outcome(
            "limit", None, f"backward took over {per_example:g} s on a graph of {len(built)} nodes"
        )
    except RecursionError:
        return _Outcome("limit", None, f"backward hit Python's recursion limit on {len(built)} nodes")
    except Exception as error:
        return _Outcome("error", None, f"backward raised {type(error).__name__}: {error}")
    got_grads = [target.grad(n) if target.has_grad(n) else None for n in built]
    wrong = [
        i for i, (g, e) in enumerate(zip(got_grads, grads, strict=True)) if g is not None and not _close(e, g)
    ]
    if not wrong:
        return _Outcome("")
    return _diagnose(plan, operations, nodes, grads, got_grads, wrong)


def _diagnose(
    plan: _Plan,
    operations: Sequence[Operation],
    nodes: list[Value],
    grads: list[float],
    got: list[float | None],
    wrong: list[int],
) -> _Outcome:
    """Which op's rule, or which part of backward's bookkeeping, gave the wrong gradients."""
    n_leaves, out = len(plan.leaves), len(nodes) - 1
    users: dict[int, list[int]] = {}
    for k, (_, args, _) in enumerate(plan.steps):
        for a in args:
            users.setdefault(a, []).append(n_leaves + k)
    if got[out] is not None and got[out] == 0.0 and all(g in (None, 0.0) for g in got):
        return _Outcome(
            "gradient", None, "gradients never seeded: backward must start from ∂out/∂out = 1", 1.0, 0.0, out
        )
    first = max(wrong)  # backward order: the latest node first
    expected, value = grads[first], got[first]
    shares = _shares(plan, operations, nodes, grads, first)
    uses = users.get(first, [])
    if (
        len(shares) > 1
        and value is not None
        and any(_close(s, value) for s in shares)
        and not _close(sum(shares), value)
    ):
        cause = ONE_SHARE.format(n=len(shares))
        return _Outcome("gradient", None, cause, expected, value, first)
    if value is not None and expected != 0.0 and len(uses) >= 1:
        ratio = value / expected
        if ratio > 1.5 and _close(ratio, round(ratio)):
            cause = "gradients counted twice: a shared node back-propagated more than once"
            return _Outcome("gradient", None, cause, expected, value, first)
    if value == 0.0 and expected != 0.0:
        cause = "part of the graph never reached: its gradient is still 0 (topological order?)"
        return _Outcome("gradient", None, cause, expected, value, first)
    if len(set(uses)) == 1:
        return _Outcome(
            "gradient", operations[plan.steps[uses[0] - n_leaves][0]].name, "", expected, value, first
        )
    cause = f"the gradient of {_name(first, n_leaves, out)} is wrong"
    return _Outcome("gradient", None, cause, expected, value, first)


def _shares(
    plan: _Plan, operations: Sequence[Operation], nodes: list[Value], grads: list[float], k: int
) -> list[float]:
    """What each use of node k passes down to it (chainrule's numbers)."""
    n_leaves = len(plan.leaves)
    shares = []
    for j, (_, args, _) in enumerate(plan.steps):
        user = nodes[n_leaves + j]
        if user.op is None:
            continue
        xs = [p.data for p in user.parents]
        local = (
            user.op.local_grads(user.data, *xs)
            if user.arg is None
            else user.op.local_grads(user.data, *xs, user.arg)
        )
        for position, a in enumerate(args):
            if a == k and position < len(local):  # the edge's own local derivative, by the op's rule
                shares.append(grads[n_leaves + j] * float(local[position]))
    return shares


def _labelled(plan: _Plan, operations: Sequence[Operation]) -> list[Value]:
    """The plan in chainrule, each node labelled as the expression names it (x0, y1, out)."""
    nodes = _build(plan, operations, Value)
    for k, node in enumerate(nodes):
        node.label = _name(k, len(plan.leaves), len(nodes) - 1)
    return nodes


def _name(k: int, n_leaves: int, out: int) -> str:
    return f"x{k}" if k < n_leaves else ("out" if k == out else f"y{k - n_leaves + 1}")


# ---------------------------------------------------------------------------
# The check.


def check_engine(
    target: Make,
    data: str = "data",
    grad: str = "grad",
    backward: Callable[[Any], Any] | None = None,
    ops: Mapping[str, Callable[..., Any]] | None = None,
    max_examples: int = 200,
    seed: int | None = None,
) -> Report:
    """Check an autograd engine's forward values and gradients against chainrule's.

    Args:
        target: what makes a leaf from a float (the engine's Value class).
        data, grad: the names of a node's number and gradient (a grad of None reads as 0).
        backward: how to run backward from a root (default ``root.backward()``).
        ops: name → callable(a[, b or constant]) to add or restrict operations
            (default: every operation the engine is found to support).
        max_examples: how many random expressions to try.
        seed: for the same expressions on every run.

    Returns:
        A `Report`: ``report.ok``, ``report.findings``; print it for a person.
    """
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    start = time.perf_counter()
    engine_ = _Engine(target, data, grad, backward)
    operations = _operations(ops)
    supported, unsupported = _probe(engine_, operations)
    name = getattr(target, "__qualname__", repr(target))
    report = Report(
        name, sorted({o.name for o in supported}), sorted(set(unsupported) - {o.name for o in supported})
    )
    if not supported:
        report.findings.append(
            Finding("error", None, "", {}, cause="no operation works: is this a Value class?")
        )
        return report

    examples = [0]
    blocked: set[str] = set()
    per_example = 2.0
    # The primitives first (+, ·, ** and the functions): a learner writes -x, x - y and 2 - x with
    # them, so a wrong rule of mul is blamed on mul, not on the neg that uses it.
    phases = [[o for o in supported if o.name in PRIMITIVES and o.constant != "left"], supported]
    for pool_of_phase in phases * 3:  # a finding at a time; each found op is left out of the next search
        pool = [o for o in pool_of_phase if o.name not in blocked]
        if not pool:
            continue

        def defect(plan: _Plan, pool: list[Operation] = pool) -> bool:
            if time.perf_counter() - start > BUDGET:  # the search stops here; what it found stands
                return False
            examples[0] += 1
            try:
                return _compare(plan, pool, engine_, per_example).kind != ""
            except _Skip:
                return False

        try:
            plan = find(
                _plans(st, pool),
                defect,
                settings=settings(
                    max_examples=max_examples,
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    derandomize=seed is not None,
                ),
            )
        except NoSuchExample:
            if pool_of_phase is supported:
                break
            continue
        finding = _finding(plan, pool, engine_, per_example)
        report.findings.append(finding)
        if finding.op is None:
            break  # bookkeeping: every op would show it
        blocked.add(finding.op)
    report.findings += _scenarios(engine_, supported)
    report.examples = examples[0]
    report.seconds = time.perf_counter() - start
    return report


def _operations(ops: Mapping[str, Callable[..., Any]] | None) -> list[Operation]:
    if ops is None:
        return list(OPERATIONS)
    chosen = []
    for name, call in ops.items():
        known = [o for o in OPERATIONS if o.name == name]
        if not known:
            raise ValueError(
                f"check_engine: unknown operation {name!r}; "
                f"expected one of {sorted({o.name for o in OPERATIONS})}"
            )
        chosen += [Operation(o.name, o.inputs, o.constant, o.text, call, o.rule) for o in known]
    return chosen


def _probe(target: _Engine, operations: list[Operation]) -> tuple[list[Operation], list[str]]:
    """The operations the engine has: tried once on leaves; a constant it refuses is tried as a node."""
    supported, unsupported = [], []
    for op in operations:
        for wrapped in (False, True):
            try:
                a, b = target.make(0.7), target.make(1.3)
                constant = target.make(2.0) if wrapped else 2.0
                out = (
                    op.call(a, constant) if op.constant else (op.call(a, b) if op.inputs == 2 else op.call(a))
                )
                target.data(out)
            except Exception:
                continue
            if wrapped:
                target.wrap.add(op.name)
            supported.append(op)
            break
        else:
            unsupported.append(op.name)
    return supported, unsupported


def _plans(st: Any, operations: list[Operation]) -> Any:
    leaf = st.floats(-2.0, 2.0, allow_nan=False).map(lambda x: round(x, 3)).filter(lambda x: abs(x) > 0.05)

    @st.composite
    def plans(draw: Any) -> _Plan:
        leaves = tuple(draw(st.lists(leaf, min_size=1, max_size=3)))
        steps: list[tuple[int, tuple[int, ...], float | None]] = []
        for _ in range(draw(st.integers(1, 5))):
            o = draw(st.integers(0, len(operations) - 1))
            op = operations[o]
            available = len(leaves) + len(steps)
            args = tuple(draw(st.integers(0, available - 1)) for _ in range(op.inputs))
            c = (
                draw(st.sampled_from(POWERS if op.constant == "power" else CONSTANTS))
                if op.constant
                else None
            )
            steps.append((o, args, c))
        return _Plan(leaves, tuple(steps))

    return plans()


def _finding(plan: _Plan, operations: list[Operation], target: _Engine, per_example: float) -> Finding:
    outcomes = [_compare(plan, operations, target, per_example) for _ in range(5)]  # replayed
    outcome = outcomes[0]
    if outcome.cause.startswith(ONE_SHARE.split("{")[0]) and _passes_too_early(target, operations):
        outcome.cause = TOO_EARLY  # not =: even a chain, one use each, loses its gradient
    inputs = {f"x{i}": x for i, x in enumerate(plan.leaves)}
    text = plan.text(operations)
    finding = Finding(outcome.kind, outcome.op, text, inputs, outcome.expected, outcome.got, outcome.cause)
    if len({(o.kind, o.op, repr(o.got)) for o in outcomes}) > 1:
        finding.cause = (finding.cause + "; " if finding.cause else "") + (
            "inconsistent: the same expression gives different results from run to run "
            "(does backward iterate a set? its order follows memory addresses)"
        )
    finding.detail = _explanation(plan, operations, outcome)
    if outcome.kind == "gradient":
        finding.graph = _graph(plan, operations, target)
    return finding


def _graph(plan: _Plan, operations: list[Operation], target: _Engine) -> list[tuple[Value, float | None]]:
    """The plan in chainrule, labelled x0.. y1.. out, with chainrule's gradients in .grad,
    beside the engine's gradient of each node."""
    nodes = _labelled(plan, operations)
    nodes[-1].backward()
    theirs = _build(plan, operations, target.make, target.wrap)
    try:
        target.backward(theirs[-1])
        got = [target.grad(n) if target.has_grad(n) else None for n in theirs]
    except Exception:
        got = [None] * len(theirs)
    return list(zip(nodes, got, strict=True))


def _passes_too_early(target: _Engine, operations: list[Operation]) -> bool:
    """Whether a chain of single uses, out = (x·2)·3, leaves x without its gradient:
    the mark of a walk in the wrong order (= where += belongs loses nothing there)."""
    mul = next((o for o in operations if o.name == "mul" and o.constant == "right"), None)
    if mul is None:
        return False
    try:
        x = target.make(1.5)
        c2, c3 = (target.make(2.0), target.make(3.0)) if mul.name in target.wrap else (2.0, 3.0)
        target.backward(mul.call(mul.call(x, c2), c3))
        return target.grad(x) == 0.0
    except Exception:
        return False


def _explanation(plan: _Plan, operations: list[Operation], outcome: _Outcome) -> str:
    lines = []
    if outcome.op is not None:
        rules = {o.rule for o in operations if o.name == outcome.op}
        for rule in sorted(rules):
            op = table.OPS[rule]
            lines.append(f"chainrule's rule for {outcome.op} ({op.name}): {op.formula}")
        where = {"forward": "its forward computation", "gradient": "its backward rule (the local derivative)"}
        lines.append(f"where to look: {outcome.op}'s {where.get(outcome.kind, 'implementation')}")
    elif outcome.kind == "gradient":
        lines.append("where to look: backward itself (the walk over the graph, and how gradients are added)")
    if outcome.kind == "gradient" and outcome.node >= 0:
        try:
            nodes = _labelled(plan, operations)
        except (ValueError, ZeroDivisionError, OverflowError):
            return "\n".join(lines)
        wrt = nodes[outcome.node]
        if wrt is not nodes[-1]:
            lines += [
                "the right gradient, by chainrule:",
                *("  " + line for line in str(explain(nodes[-1], wrt)).splitlines()),
            ]
    return "\n".join(lines)


def _scenarios(target: _Engine, supported: list[Operation]) -> list[Finding]:
    """The situations learners' engines fail in beyond one backward on a fresh graph."""
    found: list[Finding] = []
    names = {o.name for o in supported}
    if not {"mul", "add"} <= names:
        return found
    mul = next(o for o in supported if o.name == "mul" and o.inputs == 2)
    add = next(o for o in supported if o.name == "add" and o.inputs == 2)

    def graph(a: Any, b: Any) -> Any:  # out = a·b + a, ∂/∂a = b + 1, ∂/∂b = a
        return add.call(mul.call(a, b), a)

    def leaf_grads(*leaves: Any) -> list[float]:
        return [target.grad(x) or 0.0 for x in leaves]

    try:
        a, b = target.make(2.0), target.make(-3.0)
        target.backward(graph(a, b))
        setattr(a, target.grad_name, 0.0)
        setattr(b, target.grad_name, 0.0)
        target.backward(graph(a, b))  # a training loop: zeroed, a new graph over the same leaves
        if not all(_close(g, e) for g, e in zip(leaf_grads(a, b), [-2.0, 2.0], strict=True)):
            found.append(
                Finding(
                    "gradient",
                    None,
                    "out = a * b + a  (twice, gradients zeroed in between)",
                    {"a": 2.0, "b": -3.0},
                    [-2.0, 2.0],
                    leaf_grads(a, b),
                    "after zeroing the leaves, a new graph's backward does not give exactly its own "
                    "gradients (stale gradients?)",
                )
            )
        a, b = target.make(2.0), target.make(-3.0)
        target.backward(graph(a, b))
        target.backward(graph(a, b))  # two graphs, no zeroing: the leaves' gradients add up
        if not all(_close(g, e) for g, e in zip(leaf_grads(a, b), [-4.0, 4.0], strict=True)):
            found.append(
                Finding(
                    "gradient",
                    None,
                    "out = a * b + a  (two graphs, no zeroing)",
                    {"a": 2.0, "b": -3.0},
                    [-4.0, 4.0],
                    leaf_grads(a, b),
                    "gradients over two graphs do not add up, as they do in PyTorch and micrograd",
                )
            )
        a, b = target.make(2.0), target.make(-3.0)
        out = graph(a, b)
        target.backward(out)
        try:
            target.backward(out)
            twice = leaf_grads(a, b)
            convention = (
                "accumulates (twice the gradients)"
                if _close(twice[0], -4.0)
                else "gives the same gradients again"
                if _close(twice[0], -2.0)
                else f"leaves {twice}"
            )
        except Exception as error:
            convention = f"raises {type(error).__name__}"
        found.append(
            Finding(
                "semantics",
                None,
                "out.backward(); out.backward()",
                {"a": 2.0, "b": -3.0},
                cause=(
                    f"backward twice on one graph {convention}; PyTorch raises unless retain_graph=True, "
                    "and chainrule accumulates"
                ),
            )
        )
    except Exception as error:
        found.append(
            Finding(
                "error",
                None,
                "out = a * b + a",
                {"a": 2.0, "b": -3.0},
                cause=f"{type(error).__name__}: {error}",
            )
        )
    found += _depth(target, mul)
    found += _ladder(target, add)
    return found


def _ladder(target: _Engine, add: Operation, rungs: int = 30, seconds: float = 5.0) -> list[Finding]:
    """y = y + y, 30 times: 30 nodes, but 2³⁰ paths. A backward that walks every path
    (recursing into each input, no topological order) takes hours; it is stopped."""
    x = target.make(0.5)
    y = x
    for _ in range(rungs):
        y = add.call(y, y)

    def backward() -> Any:
        return target.backward(y)

    try:
        _limited(seconds, backward)
    except _Timeout:
        cause = (
            f"backward takes over {seconds:g} s on {rungs} nodes of y = y + y: it walks every path "
            f"(2^{rungs} of them), not every node once (a topological order visits each node once)"
        )
        return [Finding("limit", None, f"y = x; y = y + y  ({rungs} times)", {"x": 0.5}, cause=cause)]
    except Exception:
        return []
    return []


def _depth(target: _Engine, mul: Operation) -> list[Finding]:
    """A long chain: the depth at which backward fails, if it does (micrograd's
    recursion stops near 1,000)."""
    works = 0
    for depth in (100, 1_000, 10_000):
        try:
            x = target.make(1.0)
            y = x
            for _ in range(depth):
                y = mul.call(y, target.make(1.0))

            def backward(root: Any = y) -> Any:
                return target.backward(root)

            _limited(10.0, backward)
        except (RecursionError, _Timeout) as error:
            why = "hits Python's recursion limit" if isinstance(error, RecursionError) else "takes over 10 s"
            at = f"between {works:,} and {depth:,}" if works else f"at {depth:,} or less"
            return [
                Finding(
                    "limit",
                    None,
                    f"a chain of {depth:,} multiplications",
                    {},
                    cause=f"backward {why} on a chain {at} deep",
                )
            ]
        except Exception:
            return []
        works = depth
    return []


__all__ = ["OPERATIONS", "Finding", "Operation", "Report", "check_engine"]
