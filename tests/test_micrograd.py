"""Following micrograd's lecture with chainrule: its vocabulary (_prev, _op, _backward),
its nn keywords and defaults, its drawing code and its test expressions, unchanged."""

import math
from pathlib import Path

import pytest

import engine
import nn
from engine import Value


def lecture_neuron():
    """The lecture's hand-worked neuron, o = tanh(x1·w1 + x2·w2 + b), labelled as there."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def test_the_lectures_hand_stepping_gives_the_lectures_numbers():
    v = lecture_neuron()
    v["o"].grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):  # the lecture's cells, in its order
        v[name]._backward()
    grads = {k: v[k].grad for k in ("x1", "w1", "x2", "w2", "n", "b")}
    assert grads == pytest.approx({"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "n": 0.5, "b": 0.5})
    again = lecture_neuron()
    again["o"].backward()  # stepping by hand is exactly what backward() does
    assert [again[k].grad for k in grads] == list(grads.values())


def test_stepping_every_node_in_reverse_topological_order_is_backward():
    x, y = Value(0.7), Value(-1.3)
    out = ((x * y + x**2) / (y - 3.0)).exp().relu() + (2 - x).sigmoid()
    out.grad = 1.0
    for node in reversed(engine.topological_order(out)):
        node._backward()
    stepped = [x.grad, y.grad]
    assert stepped == pytest.approx(engine.gradients(out, [x, y]), rel=1e-15)


def test_prev_and_op_are_micrograds_views_of_a_node():
    x, y = Value(2.0), Value(3.0)
    assert (x + y)._prev == {x, y} and (x * x)._prev == {x}  # a set: x * x has one input there
    assert (x * x).parents == (x, x)  # chainrule's ordered tuple keeps both edges
    assert x._prev == set() and x._op == ""
    ops = {
        "+": x + y,
        "*": x * y,
        "**2": x**2,
        "**-1": x**-1,
        "tanh": x.tanh(),
        "exp": x.exp(),
        "ReLU": x.relu(),
    }
    assert {k: v._op for k, v in ops.items()} == {k: k for k in ops}
    assert (x * 2)._prev == {x} and (x * 2)._op == "*"  # the number is the op's, not a leaf


def test_the_lectures_drawing_code_runs_on_chainrule_values():
    graphviz = pytest.importorskip("graphviz")

    def trace(root):  # as the lecture writes it
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    def draw_dot(root):
        dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
        nodes, edges = trace(root)
        for n in nodes:
            uid = str(id(n))
            label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031 - the lecture's
            dot.node(name=uid, label=label, shape="record")
            if n._op:
                dot.node(name=uid + n._op, label=n._op)
                dot.edge(uid + n._op, uid)
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    v = lecture_neuron()
    v["o"].backward()
    source = draw_dot(v["o"]).source
    assert "{ o | data 0.7071 | grad 1.0000 }" in source and "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert source.count("label=tanh") == 1 and source.count('label="+"') + source.count("label=+") == 2


def test_draw_dot_takes_micrograds_call_and_renders_svg(tmp_path):
    pytest.importorskip("graphviz")
    import shutil

    from engine.viz import draw_dot

    v = lecture_neuron()
    drawing = draw_dot(v["o"], format="svg", rankdir="LR")
    assert drawing.format == "svg" and draw_dot(v["o"]).format == "svg"
    if shutil.which("dot"):
        path = drawing.render(tmp_path / "neuron")
        assert str(path).endswith(".svg") and "<svg" in Path(path).read_text(encoding="utf-8")


def test_micrograds_nn_keywords_and_defaults():
    assert nn.Neuron(2).activation == "relu" and nn.Neuron(2, nonlin=False).activation == "linear"
    assert nn.Neuron(2, nonlin=True).activation == "relu"
    assert nn.Layer(2, 3, nonlin=False).activation == "linear"
    assert [layer.activation for layer in nn.MLP(3, [4, 4, 1]).layers] == ["relu", "relu", "linear"]
    assert nn.Neuron(2, "sigmoid").activation == "sigmoid"  # the documents name theirs
    with pytest.raises(ValueError, match="activation='sigmoid' and nonlin=False disagree"):
        nn.Neuron(2, "sigmoid", nonlin=False)
    with pytest.raises(TypeError, match="nonlin must be True or False"):
        nn.Neuron(2, nonlin="yes")
    out = nn.Neuron(2, nonlin=True, weights=[1.0, -1.0], bias=0.0)([1.0, 3.0])
    assert out.data == 0.0 and out._op == "ReLU"


def micrograd_expressions(Value):  # either engine's Value class
    """The expressions micrograd's own tests check against PyTorch (written here, not copied)."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    first = (y.data, x.grad)
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return first, (g.data, a.grad, b.grad)


def test_micrograds_test_expressions_give_micrograds_numbers():
    micrograd = pytest.importorskip("micrograd.engine")
    ours, theirs = micrograd_expressions(Value), micrograd_expressions(micrograd.Value)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-12)
    assert math.isclose(ours[1][0], 24.70408163265306, rel_tol=1e-12)  # micrograd's test: PyTorch's number
