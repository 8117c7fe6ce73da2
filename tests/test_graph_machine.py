"""A state machine that grows graphs with shared nodes and backpropagates
through them in any order (after MyGrad's graph tests): gradients must
accumulate across graphs and calls, and zero_grad must clear exactly one graph."""

import math

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

import engine
from engine import Value


def numeric_derivative(output, leaves, leaf, eps=1e-6):
    def at(shift):
        new = [Value(x.data + shift) if x is leaf else Value(x.data) for x in leaves]
        return engine.graph.replay(output, leaves, new).data

    return (at(eps) - at(-eps)) / (2 * eps)


class SharedGraphs(RuleBasedStateMachine):
    nodes = Bundle("nodes")

    def __init__(self):
        super().__init__()
        self.leaves = []
        self.expected = {}  # node -> the .grad it should hold

    @rule(target=nodes, x=st.floats(-2, 2))
    def leaf(self, x):
        v = Value(x, label=f"x{len(self.leaves)}")
        self.leaves.append(v)
        self.expected[v] = 0.0
        return v

    def _made(self, v):
        for node in engine.topological_order(v):  # v and any node made on the way
            self.expected.setdefault(node, 0.0)
        return v

    @rule(target=nodes, a=nodes, b=nodes)
    def add(self, a, b):
        return self._made(a + b)

    @rule(target=nodes, a=nodes, b=nodes)
    def mul(self, a, b):
        # keep magnitudes small so finite differences stay accurate
        return self._made((a * b).tanh() if abs(a.data * b.data) > 10 else a * b)

    @rule(target=nodes, a=nodes, f=st.sampled_from(["tanh", "sigmoid", "softplus", "exp"]))
    def unary(self, a, f):
        return self._made(getattr(a.tanh() if f == "exp" else a, f)())

    @rule(target=nodes, parts=st.lists(nodes, min_size=1, max_size=4))
    def total(self, parts):
        return self._made(engine.sum(parts))

    @rule(y=nodes)
    def backward(self, y):
        order = engine.topological_order(y)
        exact = dict(zip(order, engine.gradients(y, order), strict=True))
        leaves = [n for n in order if n in self.leaves]
        for leaf in leaves:
            assert exact[leaf] == pytest.approx(numeric_derivative(y, leaves, leaf), rel=1e-4, abs=1e-6)
        y.backward()
        for node in order:
            self.expected[node] += exact[node]

    @rule(y=nodes)
    def zero_grad(self, y):
        engine.zero_grad(y)
        for node in engine.topological_order(y):
            self.expected[node] = 0.0

    @invariant()
    def grads_are_what_the_calls_accumulated(self):
        for node, g in self.expected.items():
            assert math.isclose(node.grad, g, rel_tol=1e-9, abs_tol=1e-12), (node, g)


TestSharedGraphs = SharedGraphs.TestCase
TestSharedGraphs.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
