"""The Value contract: what it accepts, how it prints, its operators and errors."""

import fractions
import math

import pytest

import engine
from engine import Value


@pytest.mark.parametrize("number", [3, 2.5, True, fractions.Fraction(1, 4), -0.0])
def test_value_stores_any_real_number_as_a_float(number):
    v = Value(number)
    assert type(v.data) is float and v.data == float(number)
    assert type(v.grad) is float and v.grad == 0.0


def test_value_accepts_numpy_scalars():
    np = pytest.importorskip("numpy")
    for number in (np.float64(1.5), np.float32(1.5), np.int64(3), np.int8(-2)):
        v = Value(number)
        assert type(v.data) is float and v.data == float(number)


@pytest.mark.parametrize("bad, name", [("3", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")])
def test_value_rejects_non_numbers_naming_the_type(bad, name):
    with pytest.raises(TypeError, match=f"got {name}"):
        Value(bad)


def test_value_of_a_value_points_to_detach():
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


def test_label_is_set_at_creation_or_later():
    h1 = Value(0.5, label="x1")
    assert h1.label == "x1"
    h1.label = "h1"
    assert h1.label == "h1"
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


def test_repr_is_readable():
    assert repr(Value(0.7216325609518421)) == "Value(data=0.7216, grad=0.0)"
    assert repr(Value(6, label="w1")) == "Value(data=6.0, grad=0.0, label='w1')"
    assert repr(Value(-1e-8)) == "Value(data=-1e-08, grad=0.0)"


def test_values_have_no_instance_dict():
    # A plain node: fixed slots, no per-node closure or dict.
    assert not hasattr(Value(1.0), "__dict__")


@pytest.mark.parametrize(
    "expression, expected",
    [
        (lambda a, b: a + b, 5.0),
        (lambda a, b: a + 1, 3.0),
        (lambda a, b: 1 + a, 3.0),
        (lambda a, b: a - b, -1.0),
        (lambda a, b: a - 1, 1.0),
        (lambda a, b: 1 - a, -1.0),
        (lambda a, b: a * b, 6.0),
        (lambda a, b: a * 2, 4.0),
        (lambda a, b: 2 * a, 4.0),
        (lambda a, b: a / b, 2 / 3),
        (lambda a, b: a / 4, 0.5),
        (lambda a, b: 4 / a, 2.0),
        (lambda a, b: a**2, 4.0),
        (lambda a, b: a**b, 8.0),
        (lambda a, b: 2**b, 8.0),
        (lambda a, b: -a, -2.0),
        (lambda a, b: abs(-a), 2.0),
    ],
)
def test_operators_work_with_values_and_numbers_on_either_side(expression, expected):
    assert expression(Value(2.0), Value(3.0)).data == pytest.approx(expected)


def test_numpy_scalars_on_the_left_give_values():
    np = pytest.importorskip("numpy")
    out = np.float64(2.0) * Value(3.0)
    assert isinstance(out, Value) and out.data == 6.0


def test_unsupported_operand_raises_type_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) ** "a"


def test_parents_are_an_ordered_tuple_with_one_edge_per_use():
    x, y = Value(2.0), Value(3.0)
    assert (x * y).parents == (x, y)
    assert (y * x).parents == (y, x)
    assert (x * x).parents == (x, x)


def test_a_number_operand_is_the_ops_parameter_not_a_leaf():
    x = Value(2.0)
    for y, c in ((x * 0.5, 0.5), (3 * x, 3.0), (x + 1, 1.0), (1 + x, 1.0), (x - 1, -1.0), (x / 4, 0.25)):
        assert y.parents == (x,) and y.arg == c
    y = 1 - x  # (−x) + 1
    assert y.op.name == "add_const" and y.arg == 1.0 and y.parents[0].op.name == "mul_const"
    (x * 0.5 + 1).backward()
    assert x.grad == 0.5


def test_division_by_a_zero_number_is_a_clear_error():
    with pytest.raises(ValueError, match=r"div: division by zero \(2\.0 / 0\)"):
        Value(2.0) / 0


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_unsupported_operand_on_the_left_raises_type_error(op):
    with pytest.raises(TypeError, match=r"unsupported operand|Value"):
        eval(f"'a' {op} Value(1.0)")


def test_detach_is_a_leaf_with_the_same_data():
    x = Value(2.0)
    y = (x * 3).detach()
    assert y.data == 6.0 and y.is_leaf and y.parents == ()
    (y * x).backward()
    assert x.grad == 6.0  # nothing flowed through the detached branch


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value(-1.0).log(), r"log: expected an input > 0, got -1\.0"),
        (lambda: Value(0.0).log(), r"log: expected an input > 0, got 0\.0"),
        (lambda: Value(-4.0).sqrt(), r"sqrt: expected an input >= 0, got -4\.0"),
        (lambda: Value(0.0) ** -1, r"pow: 0 to a negative power \(-1\)"),
        (lambda: 1 / Value(0.0), r"pow: 0 to a negative power \(-1\)"),
        (lambda: Value(-8.0) ** (1 / 3), r"pow: a negative base \(-8\.0\) to a non-integer power"),
        (lambda: Value(-2.0) ** Value(2.0), r"pow: a negative base \(-2\.0\) to a Value power"),
        (lambda: Value(0.0) ** Value(-1.0), r"pow: 0 to a negative power \(-1\.0\)"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, message):
    with pytest.raises(ValueError, match=message) as info:
        make()
    assert "math domain error" not in str(info.value)


def test_an_infinite_derivative_is_inf_as_in_ieee_arithmetic_and_pytorch():
    x = Value(0.0)
    x.sqrt().backward()  # d√x/dx = 1/(2√x): 0.5/0 raises in Python, is inf in IEEE 754
    assert x.grad == math.inf
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match="backward of sqrt"):
        Value(0.0).sqrt().backward()


@pytest.mark.parametrize("method", ["sigmoid", "tanh", "softplus"])
@pytest.mark.parametrize("z", [-1000.0, -700.0, 700.0, 1000.0, 1e308, -1e308])
def test_squashing_functions_never_overflow(method, z):
    x = Value(z)
    y = getattr(x, method)()
    y.backward()
    assert math.isfinite(y.data) and math.isfinite(x.grad)


def test_sigmoid_saturates_to_exactly_zero_and_one():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_overflow_gives_inf_like_ieee_arithmetic():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(1e200) ** 2).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf


@pytest.mark.parametrize(
    "method, x, grad",
    [("relu", 0.0, 0.0), ("abs", 0.0, 0.0), ("leaky_relu", 0.0, 0.01), ("step", 0.0, 0.0)],
)
def test_kinks_follow_pytorch(method, x, grad):
    v = Value(x)
    getattr(v, method)().backward()
    assert v.grad == grad


def test_zero_power_has_zero_derivative_even_at_zero():
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0


@pytest.mark.parametrize(
    "make", [lambda: Value(10**400), lambda: Value(1.0) + 10**400, lambda: Value(2.0) * -(10**400)]
)
def test_an_int_too_large_for_a_float_is_a_clear_value_error(make):
    with pytest.raises(ValueError, match=r"is too large for a float \(the largest is about 1.8e308\)"):
        make()


def test_a_label_set_later_is_checked_as_one_given_at_construction():
    v = Value(1.0)
    with pytest.raises(TypeError, match="Value label must be a str, got int"):
        v.label = 5
    v.label = "w1"
    assert v.label == "w1" and repr(v) == "Value(data=1.0, grad=0.0, label='w1')"
