"""Every rule of the op table, checked at sample points: against finite
differences to second order, and against PyTorch where it is installed."""

import math

import pytest

import engine
from engine import OPS, Value
from engine.backward import FAST_STEPS, backprop
from engine.ops import Range
from engine.testing import gradcheck, gradgradcheck

# op name -> [(inputs, parameter)], each point inside the domain and away from kinks.
SAMPLES = {
    "add": [((1.5, -2.0), None)],
    "mul": [((1.5, -2.0), None), ((0.3, 0.7), None)],
    "add_const": [((1.5,), -2.0), ((0.3,), 0.0)],
    "mul_const": [((1.5,), -2.0), ((0.3,), 0.0)],
    "pow": [((1.7,), n) for n in (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0)]
    + [((-1.3,), n) for n in (-1.0, 0.0, 2.0, 3.0)],
    "vpow": [((1.7, 0.6), None), ((0.4, -1.3), None), ((2.0, 3.0), None)],
    "exp": [((-1.2,), None), ((0.7,), None)],
    "log": [((0.3,), None), ((2.5,), None)],
    "sqrt": [((0.3,), None), ((2.5,), None)],
    "tanh": [((-0.8,), None), ((0.4,), None)],
    "sigmoid": [((-2.0,), None), ((0.5,), None)],
    "softplus": [((-2.0,), None), ((0.5,), None), ((30.0,), None)],
    "relu": [((-0.7,), None), ((1.3,), None)],
    "leaky_relu": [((-0.7,), 0.01), ((1.3,), 0.2), ((-2.0,), 0.3)],
    "abs": [((-0.7,), None), ((1.3,), None)],
    "step": [((-0.7,), None), ((1.3,), None)],
    "sign": [((-0.7,), None), ((1.3,), None)],
    "max": [((1.5, -2.0), None), ((-0.5, 0.25), None)],
    "stop_gradient": [((-0.7,), None)],
    "check": [((0.5,), Range("p", 0.0, 1.0)), ((-1.0,), Range("x", -10.0, 10.0))],
    "sum": [((1.0, -2.0, 0.5), None), ((3.0,), None)],
    "dot": [((1.0, -2.0, 0.5, 0.25), None), ((2.0, 3.0), None)],
    "dot_const": [((1.0, -2.0), (0.5, 0.25)), ((2.0,), (3.0,))],
}
CASES = [
    pytest.param(name, xs, arg, id=f"{name}{list(xs)}" + ("" if arg is None else f"-{arg}"))
    for name, points in SAMPLES.items()
    for xs, arg in points
]


# Finite differences check every rule that is its op's derivative (not stop_gradient's 0).
CHECKABLE = [case for case in CASES if OPS[case.values[0]].checkable]


def apply(name, arg):
    return lambda *xs: Value.apply(OPS[name], xs, arg)


def test_every_op_in_the_table_has_sample_points():
    assert set(SAMPLES) == set(OPS)


def test_every_op_states_its_rule_as_a_formula():
    for op in OPS.values():
        assert op.formula and ("∂" in op.formula or "'" in op.formula or "d" in op.formula), op


@pytest.mark.parametrize("name, xs, arg", CASES)
def test_each_rule_gives_one_derivative_per_input(name, xs, arg):
    op = OPS[name]
    out = op.forward(*xs) if arg is None else op.forward(*xs, arg)
    local = op.local_grads(out, *xs) if arg is None else op.local_grads(out, *xs, arg)
    assert len(local) == len(xs)


@pytest.mark.parametrize("name, xs, arg", CHECKABLE)
def test_first_derivatives_match_finite_differences(name, xs, arg):
    assert gradcheck(apply(name, arg), xs)


@pytest.mark.parametrize("name, xs, arg", CHECKABLE)
def test_second_derivatives_match_finite_differences(name, xs, arg):
    assert gradgradcheck(apply(name, arg), xs)


@pytest.mark.parametrize("name, xs, arg", CASES)
def test_data_and_gradients_match_pytorch(name, xs, arg):
    from tests.torch_ref import torch_grads

    leaves = [Value(x) for x in xs]
    out = Value.apply(OPS[name], tuple(leaves), arg)
    out.backward()
    data, grads = torch_grads(out, leaves)
    assert out.data == pytest.approx(data, rel=1e-12, abs=1e-15)
    assert [x.grad for x in leaves] == pytest.approx(grads, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name, xs, arg", CASES)
def test_second_derivatives_match_pytorch(name, xs, arg):
    import engine
    from tests.torch_ref import torch_grads

    leaves = [Value(x) for x in xs]
    out = Value.apply(OPS[name], tuple(leaves), arg)
    firsts = engine.gradients(out, leaves, create_graph=True)
    total = engine.sum(firsts)
    ours = engine.gradients(total, leaves)
    _, theirs = torch_grads(out, leaves, order=2)
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(
    "expression, op_name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a + 2, "add_const"),
        (lambda a, b: 2 + a, "add_const"),
        (lambda a, b: a * 2, "mul_const"),
        (lambda a, b: 2 * a, "mul_const"),
        (lambda a, b: a**2, "pow"),
        (lambda a, b: a**b, "vpow"),
        (lambda a, b: 2**b, "vpow"),
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: a.log(), "log"),
        (lambda a, b: a.sqrt(), "sqrt"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.sigmoid(), "sigmoid"),
        (lambda a, b: a.softplus(), "softplus"),
        (lambda a, b: a.relu(), "relu"),
        (lambda a, b: a.leaky_relu(), "leaky_relu"),
        (lambda a, b: abs(a), "abs"),
        (lambda a, b: a.step(), "step"),
        (lambda a, b: a.sign(), "sign"),
    ],
)
def test_each_method_records_its_op_table_entry(expression, op_name):
    out = expression(Value(1.5), Value(0.5))
    assert out.op is OPS[op_name]


@pytest.mark.parametrize(
    "expression, rewritten_to",
    [
        (lambda a, b: -a, "mul_const"),
        (lambda a, b: a - b, "add"),
        (lambda a, b: a / b, "mul"),
        (lambda a, b: a - 1, "add_const"),
        (lambda a, b: 1 - a, "add_const"),
        (lambda a, b: a / 4, "mul_const"),
        (lambda a, b: 1 / a, "mul_const"),
    ],
)
def test_derived_operators_are_rewrites_onto_primitives(expression, rewritten_to):
    assert expression(Value(1.5), Value(0.5)).op is OPS[rewritten_to]


def test_value_power_is_twice_differentiable_where_the_exponent_is_zero():
    # f(x) = (eˣ)ˣ = e^(x²): f''(0) = 2. A rule that treated ∂(aᵇ)/∂a as the
    # constant 0 whenever b = 0 would lose half of it.
    assert engine.grad(engine.grad(lambda x: x.exp() ** x))(0.0) == pytest.approx(2.0)


def test_leaky_relu_keeps_its_slope_as_the_op_parameter():
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad) == (pytest.approx(-0.4), pytest.approx(0.2))


def test_softplus_is_the_integral_of_sigmoid():
    for z in (-30.0, -1.0, 0.0, 2.0, 30.0):
        x = Value(z)
        x.softplus().backward()
        assert x.grad == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)


FAST = [case for case in CASES if OPS[case.values[0]] in FAST_STEPS]


@pytest.mark.parametrize("name, xs, arg", FAST)
@pytest.mark.parametrize("g", [1.0, -0.37, 3e-300])
def test_each_fast_step_gives_exactly_what_its_rule_gives(name, xs, arg, g):
    op = OPS[name]
    leaves = [Value(x) for x in xs]
    node = Value.apply(op, tuple(leaves), arg)
    local = op.local_grads(node.data, *xs) if arg is None else op.local_grads(node.data, *xs, arg)
    backprop(node, g)  # on floats the sweep takes the op's fast step
    assert [leaf.grad for leaf in leaves] == [0.0 + g * d for d in local]


def test_the_hot_ops_have_fast_steps():
    assert {op.name for op in FAST_STEPS} >= {
        "add",
        "mul",
        "add_const",
        "mul_const",
        "relu",
        "sigmoid",
        "tanh",
        "sum",
        "dot",
        "dot_const",
    }
