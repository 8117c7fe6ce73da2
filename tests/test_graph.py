"""The walks over a graph (engine.graph): topological order, consumers, zero_grad, replay.
The backward sweep's own walk is tested with it, in test_backward.py."""

import math

import pytest

import engine
from engine import Value
from engine.graph import consumers, replay


def test_walks_are_deterministic():
    def build():
        x, y = Value(1.0, label="x"), Value(2.0, label="y")
        a = x * y
        b = a + x
        return engine.sum([a.tanh(), b * b, x.exp()]), (x, y)

    out1, _ = build()
    out2, _ = build()
    ops1 = [(n.op and n.op.name, n.label, n.data) for n in engine.topological_order(out1)]
    ops2 = [(n.op and n.op.name, n.label, n.data) for n in engine.topological_order(out2)]
    assert ops1 == ops2


def test_topological_order_puts_parents_first():
    x = Value(1.0)
    a = x * x
    b = a + x
    c = engine.sum([a, b, b.relu()])
    order = engine.topological_order(c)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order)) == 5  # x, x·x, +, relu, sum
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def test_zero_grad_clears_every_node_of_the_graph():
    x, w = Value(1.5), Value(-0.5)
    y = (x * w).relu() + x
    y.backward()
    engine.zero_grad(y)
    assert all(node.grad == 0.0 for node in engine.topological_order(y))


@pytest.mark.parametrize("walk", [engine.topological_order, engine.zero_grad, engine.graph.consumers])
def test_walks_refuse_what_is_not_a_value_by_name(walk):
    with pytest.raises(TypeError, match=rf"{walk.__name__}: expected Values, got int \(argument 1\)"):
        walk(Value(1.0), 5)


def test_consumers_count_the_edges_out_of_each_node_within_the_graph():
    x, w = Value(2.0), Value(3.0)
    a = x * x  # two edges out of x
    out = a * w + x  # and a third
    count = consumers(out)
    assert count[x] == 3 and count[a] == 1 and count[w] == 1 and count[out] == 0
    unused = x + 1  # outside the graph of out: not counted
    assert consumers(out)[x] == 3 and unused not in count


def test_replay_runs_the_graph_again_at_new_inputs_and_shares_what_does_not_depend_on_them():
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    c = w.exp()  # does not depend on x
    out = (x * c).sigmoid()
    x2 = Value(2.0)
    again = replay(out, [x], [x2])
    assert again.data == 1 / (1 + math.exp(-(2.0 * math.exp(-1.5))))
    assert again is not out and again.parents[0].parents[1] is c  # w.exp() shared, not rebuilt
    again.backward()
    assert x2.grad == again.data * (1 - again.data) * c.data and x.grad == 0.0
