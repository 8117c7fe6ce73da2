"""Backpropagation: accumulation, reuse, depth, IEEE numbers, threads, and the transforms
(gradients, grad). The modes are in test_modes.py, the other walks in test_graph.py."""

import math

import pytest

import engine
from engine import Value


def test_readme_example():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    y = (x1 * w1 + 1).sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(5))
    assert y.grad == 1.0
    assert x1.grad == pytest.approx(s * (1 - s) * -3.0, rel=1e-15)
    assert w1.grad == pytest.approx(s * (1 - s) * 2.0, rel=1e-15)


def test_reused_node_gets_every_contribution():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_backward_reaches_interior_nodes_too():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (d.grad, c.grad, a.grad, b.grad) == (1.0, 1.0, -2.0, 2.0)


def test_backward_twice_accumulates_the_same_gradient_twice():
    x, w = Value(1.5), Value(-0.5)
    h = (x * w).tanh()
    y = h * h + x
    y.backward()
    first = {"x": x.grad, "w": w.grad, "h": h.grad, "y": y.grad}
    y.backward()
    assert {"x": x.grad, "w": w.grad, "h": h.grad, "y": y.grad} == pytest.approx(
        {k: 2 * v for k, v in first.items()}
    )


def test_gradients_equal_backward_and_write_no_grad():
    x, w, b = Value(0.3), Value(-1.2), Value(0.1)
    y = (x * w + b).sigmoid() * x
    dx, dw, db = engine.gradients(y, [x, w, b])
    assert x.grad == w.grad == b.grad == 0.0
    y.backward()
    assert (dx, dw, db) == (x.grad, w.grad, b.grad)


def test_gradients_of_an_unused_input_is_zero():
    x, unused = Value(2.0), Value(5.0)
    assert engine.gradients(x * x, [unused]) == [0.0]
    (d,) = engine.gradients(x * x, [unused], create_graph=True)
    assert isinstance(d, Value) and d.data == 0.0


def test_gradients_rejects_non_values_clearly():
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        engine.gradients(Value(1.0), [Value(1.0), 2.0])
    with pytest.raises(TypeError, match="output must be a Value, got int"):
        engine.gradients(3, [Value(1.0)])


def test_create_graph_gives_differentiable_derivatives():
    x = Value(0.7)
    (d1,) = engine.gradients(x**3, [x], create_graph=True)
    (d2,) = engine.gradients(d1, [x], create_graph=True)
    (d3,) = engine.gradients(d2, [x])
    assert (d1.data, d2.data, d3) == pytest.approx((3 * 0.49, 6 * 0.7, 6.0))


def test_grad_composes_like_jax():
    f = lambda x: x**4 - 2 * x  # noqa: E731
    df, d2f, d3f = engine.grad(f), engine.grad(engine.grad(f)), engine.grad(engine.grad(engine.grad(f)))
    assert df(1.5) == pytest.approx(4 * 1.5**3 - 2)
    assert d2f(1.5) == pytest.approx(12 * 1.5**2)
    assert d3f(1.5) == pytest.approx(24 * 1.5)
    assert isinstance(df(1.5), float)


def test_grad_sigmoid_second_derivative_matches_the_formula():
    # σ'' = σ(1 − σ)(1 − 2σ)
    for z in (-3.0, -0.2, 0.0, 1.1, 4.0):
        s = 1 / (1 + math.exp(-z))
        assert engine.grad(engine.grad(lambda x: x.sigmoid()))(z) == pytest.approx(
            s * (1 - s) * (1 - 2 * s), rel=1e-12, abs=1e-15
        )


def test_grad_argnums_selects_and_tuples():
    f = lambda x, y: x * y * y  # noqa: E731
    assert engine.grad(f, argnums=1)(2.0, 3.0) == 12.0
    assert engine.grad(f, argnums=(0, 1))(2.0, 3.0) == (9.0, 12.0)
    with pytest.raises(IndexError, match="argnums 2 is out of range for 2"):
        engine.grad(f, argnums=2)(2.0, 3.0)


def test_grad_of_a_constant_function_is_zero():
    assert engine.grad(lambda x: 3.0)(1.0) == 0.0


@pytest.mark.slow
def test_a_graph_a_million_nodes_deep_backpropagates():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    (d,) = engine.gradients(y, [x])
    assert d == 1.0


def test_a_deep_graph_differentiates_twice_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    (d1,) = engine.gradients(y * y, [x], create_graph=True)
    (d2,) = engine.gradients(d1, [x])
    assert d2 == pytest.approx(2.0)


def test_sum_is_one_node_with_an_edge_per_term():
    xs = [Value(float(i)) for i in range(784)]
    s = engine.sum(xs)
    assert s.op.name == "sum" and s.parents == tuple(xs)
    s.backward()
    assert all(x.grad == 1.0 for x in xs)
    assert engine.sum([]).data == 0.0
    assert engine.sum([1, 2.5, Value(1.0)]).data == 4.5


def test_dot_is_one_node_whose_local_derivatives_are_the_other_operand():
    ws = [Value(w) for w in (0.5, -1.0, 2.0)]
    xs = [Value(x) for x in (3.0, 4.0, -1.0)]
    y = engine.dot(ws, xs)
    assert y.op.name == "dot" and y.parents == tuple(ws + xs)
    assert y.data == 0.5 * 3 - 4 - 2
    y.backward()
    assert [w.grad for w in ws] == [3.0, 4.0, -1.0]
    assert [x.grad for x in xs] == [0.5, -1.0, 2.0]


def test_dot_keeps_an_all_number_side_as_its_parameter():
    w = Value(2.0)
    y = engine.dot([w, 1.0], [3.0, 4.0])
    assert y.op.name == "dot_const" and y.parents[0] is w and y.arg == (3.0, 4.0)
    y.backward()
    assert (y.data, w.grad) == (10.0, 3.0)
    x = Value(5.0)
    y = engine.dot([2, 3], [x, Value(1.0)])  # the numbers may be on either side
    assert y.op.name == "dot_const" and y.parents[0] is x and y.arg == (2.0, 3.0)
    y.backward()
    assert (y.data, x.grad) == (13.0, 2.0)


def test_dot_accepts_numbers_and_rejects_unequal_lengths():
    w = Value(2.0)
    y = engine.dot([w, 1.0], [Value(3.0), 4.0])  # numbers on both sides: lifted to constant leaves
    assert y.op.name == "dot"
    y.backward()
    assert (y.data, w.grad) == (10.0, 3.0)
    with pytest.raises(ValueError, match="dot: ws has 2 values but xs has 1"):
        engine.dot([1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match="expected a Value or a real number, got str"):
        engine.dot(["a"], [1.0])


def test_an_error_mid_sweep_leaves_the_graph_ready_for_the_next_one():
    def refuse(out, x):
        raise RuntimeError("this rule refuses")

    refusing = engine.Op("refusing", lambda x: x, refuse, formula="none", symbol="r")
    x = Value(0.0)
    y = Value.apply(refusing, (x * 2,)) + x
    with pytest.raises(RuntimeError, match="this rule refuses"):
        y.backward()
    nodes = engine.topological_order(y)
    assert all(node._g is None for node in nodes)
    assert all(node.grad == 0.0 for node in nodes)  # a failed backward changes no .grad
    x.data = 4.0
    z = x.sqrt() + x
    z.backward()
    assert x.grad == 0.25 + 1.0


@pytest.mark.parametrize(
    "make, expected",
    [
        # √0's derivative is inf, but only for the constant; w's is 1 (PyTorch: 1)
        (lambda w: w * Value(0.0).sqrt() + w, 1.0),
        # 4p³ overflows to inf, as p·p·p·p's derivative does (Python's ** raised OverflowError)
        (lambda w: (w * 1e300) ** 4, math.inf),
        # no gradient goes past stop_gradient: not 0·∞ = nan (PyTorch's detach: 1)
        (lambda w: (w * 1000).exp().stop_gradient() * 0 + w, 1.0),
        # 0 to a negative power in a derivative: IEEE's inf, not ZeroDivisionError
        (lambda w: (w - 1.0) ** 0.5, math.inf),
    ],
)
def test_backward_follows_ieee_arithmetic_where_python_floats_raise(make, expected):
    w = Value(1.0)
    out = make(w)
    out.backward()
    assert w.grad == expected
    assert engine.gradients(make(w), [w]) == [expected]


def test_threads_differentiating_graphs_that_share_parameters_each_get_their_own_gradients():
    import threading

    w = Value(0.5, label="w")
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(200):
                y = w
                for _ in range(50):
                    y = (y * w + k).tanh()
                expected = engine.gradients(y, [w])
                assert engine.gradients(y, [w]) == expected
            results[k] = expected
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0.1, 0.2, 0.3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3
    assert w._g is None


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: engine.sum([Value(math.inf), Value(-math.inf)]), "nan"),
        (lambda: engine.sum([Value(1e308), Value(1e308), Value(-1e308)]), "inf"),  # as (a + b) + c
        (lambda: engine.dot([1e308, 1e308], [Value(10.0), Value(-10.0)]), "nan"),  # dot_const
        (lambda: engine.dot([Value(1e308), Value(2.0)], [Value(10.0), Value(1.0)]), "inf"),  # dot
        (lambda: engine.sum([Value(0.1)] * 10), "1.0"),  # exactly rounded where finite
    ],
)
def test_sums_follow_ieee_where_fsum_would_raise_and_stay_exact_where_finite(make, expected):
    assert repr(make().data) == expected


def test_gradients_reads_a_generator_of_inputs():
    x, w = Value(2.0), Value(3.0)
    assert engine.gradients(x * w, (v for v in (x, w))) == [3.0, 2.0]
