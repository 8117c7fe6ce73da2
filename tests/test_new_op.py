"""An op defined here, in a test file only, is handled by every consumer of the
op table with no other edit: forward, backward, second order, gradcheck, the
hypothesis strategies, explain and both pictures. Also: ops copy and pickle
by name, and so do graphs."""

import copy
import math
import pathlib
import pickle

import pytest
from hypothesis import given, settings

import engine
from engine import OPS, Op, Value, explain, gradients
from engine.testing import expressions, gradcheck, gradgradcheck

# As docs/ops.md writes them: a rule calls ops as functions (an op is callable: on floats
# its forward, on a Value a node, on a named expression its text, on arrays its array form).
SIN = Op("sin", math.sin, lambda out, x: (COS(x),), formula="d(sin x)/dx = cos x", symbol="sin")
COS = Op("cos", math.cos, lambda out, x: (-SIN(x),), formula="d(cos x)/dx = −sin x", symbol="cos")


# The older way, still supported: a helper that sends floats to math and anything else
# (a Value, a named expression) through its type's `apply`.
def sin(x):
    return math.sin(x) if type(x) is float else x.apply(SIN_BY_HELPER, (x,))


def cos(x):
    return math.cos(x) if type(x) is float else x.apply(COS_BY_HELPER, (x,))


SIN_BY_HELPER = Op("sin", math.sin, lambda out, x: (cos(x),), formula="d(sin x)/dx = cos x", symbol="sin")
COS_BY_HELPER = Op("cos", math.cos, lambda out, x: (-sin(x),), formula="d(cos x)/dx = −sin x", symbol="cos")


def f(x, y):  # sin(x·y) + cos(x)
    return SIN(x * y) + COS(x)


def test_the_example_in_docs_ops_md_runs_as_written():
    """docs/ops.md's "Adding an op" code, run as it stands (its asserts are its checks)."""
    text = (pathlib.Path(__file__).parents[1] / "docs" / "ops.md").read_text()
    section = text.split("## Adding an op", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    assert "COS(x)" in code and "assert" in code
    exec(compile(code, "docs/ops.md", "exec"), {})


def test_a_rule_written_with_a_helper_gives_the_same_derivatives_as_one_calling_ops():
    for sin_op in (SIN, SIN_BY_HELPER):
        x = Value(0.4)
        (d,) = gradients(Value.apply(sin_op, (x,)), [x], create_graph=True)
        (dd,) = gradients(d, [x])
        assert (d.data, dd) == (math.cos(0.4), -math.sin(0.4))


def test_forward_and_backward_follow_the_new_rule():
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    out = f(x, y)
    out.backward()
    assert out.data == math.sin(0.7 * -1.3) + math.cos(0.7)
    assert x.grad == pytest.approx(math.cos(0.7 * -1.3) * -1.3 - math.sin(0.7), rel=1e-15)
    assert y.grad == pytest.approx(math.cos(0.7 * -1.3) * 0.7, rel=1e-15)


def test_second_derivatives_are_the_rule_differentiated_again():
    x = Value(0.4)
    (d,) = gradients(SIN(x), [x], create_graph=True)
    (dd,) = gradients(d, [x])
    assert d.data == math.cos(0.4)
    assert dd == pytest.approx(-math.sin(0.4), rel=1e-15)


def test_gradcheck_and_gradgradcheck_accept_it():
    assert gradcheck(f, [0.7, -1.3])
    assert gradgradcheck(f, [0.7, -1.3])


@settings(max_examples=30)
@given(expressions(ops=[SIN, COS, OPS["mul"], OPS["add"]]))
def test_generated_expressions_with_the_new_op_match_finite_differences(expr):
    assert gradcheck(*expr)


def test_explain_writes_the_new_rule_out():
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    z = x * y
    z.label = "z"
    out = SIN(z)
    out.label = "s"
    d = explain(out, x)
    assert d.agrees
    assert [f.formula for f in d.factors] == ["cos(z)", "y"]
    text = str(d)
    assert "s = sin(z)" in text and "d(sin x)/dx = cos x" in text


def test_both_pictures_draw_the_new_op():
    pytest.importorskip("graphviz")
    from engine.viz import draw_derivation, draw_dot

    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    out = Value.apply(SIN, (x * y,))
    out.label = "s"
    assert "[label=<sin>" in draw_dot(out).source  # the op's oval
    source = draw_derivation(out, x).source
    assert "= sin(x·y)" in source and "∂s/∂x = y·cos(x·y)" in source


# ---------------------------------------------------------------------------
# Ops are constants of the table: copied as themselves, pickled by name.


@pytest.mark.parametrize("op", list(OPS.values()), ids=list(OPS))
def test_table_ops_copy_and_pickle_as_themselves(op):
    assert copy.copy(op) is op and copy.deepcopy(op) is op
    assert pickle.loads(pickle.dumps(op)) is op


def test_an_op_outside_the_table_refuses_to_pickle_and_says_why():
    with pytest.raises(pickle.PicklingError, match=r"'sin' is not in engine\.ops\.OPS"):
        pickle.dumps(SIN)
    assert copy.deepcopy(SIN) is SIN


def test_a_graph_pickles_and_deep_copies_with_its_ops():
    x, w = Value(2.0, label="x"), Value(-0.5, label="w")
    out = (x * w + 1).sigmoid() ** 2
    for clone in (pickle.loads(pickle.dumps(out)), copy.deepcopy(out)):
        assert clone is not out and clone.data == out.data and clone.op is out.op
        x2, w2 = clone.parents[0].parents[0].parents[0].parents
        assert (x2.label, w2.label) == ("x", "w")
        clone.backward()
        out.backward()
        assert (x2.grad, w2.grad) == (x.grad, w.grad)
        x.grad = w.grad = 0.0


def test_the_table_is_every_op_defined_in_engine_ops():
    from engine import ops

    defined = [v for v in vars(ops).values() if isinstance(v, Op)]
    assert list(OPS.values()) == defined
    assert all(OPS[name].name == name for name in OPS)


def test_a_deep_graph_pickles_flat_and_keeps_its_leaves_shared_with_what_is_pickled_beside_it():
    x, w = Value(0.5, label="x"), Value(0.999, label="w")
    y = x
    for _ in range(20_000):  # far deeper than pickle's recursion would allow node by node
        y = (y * w).tanh()
    y2, x2, w2 = pickle.loads(pickle.dumps((y, x, w)))
    assert y2.data == y.data and (x2.label, w2.label) == ("x", "w")
    y2.backward()
    y.backward()
    assert (x2.grad, w2.grad) == (x.grad, w.grad)  # the pickled leaves are the ones inside the graph
    assert copy.deepcopy(y).data == y.data


def test_a_shallow_copy_is_a_new_node_over_the_same_parents():
    x = Value(3.0, label="x")
    y = x * x
    y.grad = 2.0
    c = copy.copy(y)
    assert c is not y and c.parents == (x, x) and (c.data, c.grad, c.op) == (9.0, 2.0, y.op)


def test_deepcopy_of_a_graph_a_hundred_thousand_nodes_deep():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y.tanh()
    copied = copy.deepcopy(y)
    assert copied is not y and copied.data == y.data
    assert len(engine.topological_order(copied)) == 100_001


# ---------------------------------------------------------------------------
# engine.compile runs a new op with no other edit, and gives eager's numbers:
# an op with no array form runs on floats one example at a time (with a note).

# Any number of inputs, as engine.sum: the root mean square, defined here only.
RMS = Op(
    "rms",
    lambda *xs: math.sqrt(math.fsum(x * x for x in xs) / len(xs)),
    lambda out, *xs: tuple(x / (len(xs) * out) for x in xs),
    formula="∂rms(x)/∂xᵢ = xᵢ/(n·rms(x))",
    symbol="rms",
    arity=None,
)
# Forward and rule call `math` directly, as a learner writes them first.
MATH_SIN = Op(
    "math_sin", math.sin, lambda out, x: (math.cos(x),), formula="d(sin x)/dx = cos x", symbol="sin"
)


def _eager(fn, batch, params):
    """fn on each example, eagerly, and the mean's gradient for each parameter."""
    outs = [fn(*example) for example in zip(*batch, strict=True)]
    for p in params:
        p.grad = 0.0
    (engine.sum(outs) * (1.0 / len(outs))).backward()
    return [o.data for o in outs], [p.grad for p in params]


@pytest.mark.parametrize(
    "make",
    [
        lambda w, x, y: Value.apply(RMS, (w * x, y, w, x + y)),
        lambda w, x, y: Value.apply(MATH_SIN, (w * x,)) * y,
        lambda w, x, y: Value.apply(SIN, (w * x + y,)) + Value.apply(RMS, (x, w)),
    ],
    ids=["any-arity", "calls-math", "both"],
)
def test_a_new_op_compiles_to_eagers_numbers(make):
    np = pytest.importorskip("numpy")
    from engine.compiler import SlowOpWarning

    w = Value(0.7, label="w")

    def fn(x, y):
        return make(w, x, y)

    batch = [[0.5, -1.25, 2.0, 0.0], [1.5, 0.25, -0.75, 3.0]]
    values, grads = _eager(fn, [list(map(Value, b)) for b in batch], [w])
    with pytest.warns(SlowOpWarning, match="one example at a time"):
        f = engine.compile(fn, 0.5, 1.5)
    assert f.notes and "no array form" in f.notes[0]
    assert np.allclose(f(*batch), values, rtol=1e-13, atol=0)
    w.grad = 0.0
    f.backward(*batch)
    assert w.grad == pytest.approx(grads[0], rel=1e-12)


def test_a_new_op_given_an_array_form_runs_on_whole_arrays():
    np = pytest.importorskip("numpy")
    from engine.compiler import kernels

    square = Op("square", lambda x: x * x, lambda out, x: (2.0 * x,), formula="d(x²)/dx = 2x", symbol="sq")
    kernels.register(square, np.square)
    try:
        w = Value(1.5)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no note: it has an array form
            f = engine.compile(lambda x: Value.apply(square, (w * x,)), 1.0)
        assert f.notes == []
        assert f([1.0, 2.0]).tolist() == [2.25, 9.0]
        f.backward([1.0, 2.0])
        assert w.grad == (2 * 1.5 * 1.0 * 1.0 + 2 * 1.5 * 2.0 * 2.0) / 2
    finally:
        kernels.KERNELS.pop(square)


def test_an_op_of_any_arity_needs_its_array_form_to_take_columns():
    pytest.importorskip("numpy")
    from engine.compiler import kernels

    with pytest.raises(ValueError, match=r"'rms' takes any number of inputs.*columns=True"):
        kernels.register(RMS, lambda *xs: xs)


def test_an_op_is_callable_on_floats_values_and_named_expressions():
    x = Value(0.3, label="x")
    assert SIN(0.3) == math.sin(0.3)
    node = SIN(x)
    assert node.op is SIN and node.parents == (x,) and node.data == math.sin(0.3)
    assert explain(SIN(x * x), x).factors[0].formula == "2·x·cos(x²)"
    assert OPS["leaky_relu"](-2.0, 0.1) == pytest.approx(-0.2)  # a parameter comes after the inputs
    with pytest.raises(TypeError, match="sin: expected floats, Values or named expressions, got str"):
        SIN("0.3")
    with pytest.raises(TypeError, match="max: inputs must all be Values, got Value, float"):
        OPS["max"](x, 2.0)
