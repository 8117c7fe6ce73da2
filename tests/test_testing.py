"""engine.testing: the checks must catch wrong rules, and say where."""

import math

import pytest
from hypothesis import given

import engine
from engine import Op, Value
from engine.testing import expressions, gradcheck, gradgradcheck

# sin with a wrong first derivative (x instead of cos x) ...
WRONG_FIRST = Op("bad_sin", math.sin, lambda out, x: (x,), "wrong on purpose", symbol="sin")
# ... and with a right first derivative whose own derivative is wrong (cos x is
# written as a leaf: its derivative comes out 0 instead of −sin x).
WRONG_SECOND = Op(
    "bad_sin2",
    math.sin,
    lambda out, x: (Value(math.cos(x.data)) if isinstance(x, Value) else math.cos(x),),
    "wrong on purpose",
    symbol="sin",
)


def test_gradcheck_names_the_input_and_both_numbers():
    f = lambda a, b: Value.apply(WRONG_FIRST, (a,)) * b  # noqa: E731
    with pytest.raises(AssertionError) as info:
        gradcheck(f, [0.5, 2.0])
    message = str(info.value)
    assert "input 0" in message
    assert "engine gives 1.0" in message  # 2 · 0.5
    assert "finite differences give 1.7551" in message  # 2 · cos 0.5


def test_gradcheck_passes_a_right_rule_and_fails_a_wrong_one_on_a_built_value():
    x = Value(0.5, label="w1")
    assert gradcheck(x.tanh() * x, [x])
    y = Value.apply(WRONG_FIRST, (x,))
    with pytest.raises(AssertionError, match=r"gradient mismatch for input 0 \(w1\)"):
        gradcheck(y, [x])


def test_gradgradcheck_catches_a_wrong_second_derivative():
    f = lambda a: Value.apply(WRONG_SECOND, (a,))  # noqa: E731
    assert gradcheck(f, [0.5])
    with pytest.raises(AssertionError, match=r"second derivative \(of ∂f/∂x0\) mismatch for input 0"):
        gradgradcheck(f, [0.5])


def test_gradcheck_rejects_what_it_cannot_check():
    with pytest.raises(TypeError, match="must be a function or a Value, got int"):
        gradcheck(3, [1.0])
    with pytest.raises(TypeError, match="inputs must be the Values"):
        gradcheck(Value(1.0) * 2, [1.0])


@given(expressions())
def test_expressions_stay_away_from_kinks_and_inside_domains(expr):
    out, leaves = expr
    assert all(leaf.is_leaf for leaf in leaves)
    for node in engine.topological_order(out):
        assert abs(node.data) <= 100
        if node.op is not None and node.op.kinks:
            inputs = [p.data for p in node.parents]
            at = inputs[0] if node.op.kinked is None else node.op.kinked(*inputs)  # max's a − b
            assert all(abs(at - k) >= 0.1 for k in node.op.kinks)


def test_expressions_reuse_nodes():
    from hypothesis import find

    def reuses(expr):
        out, _ = expr
        return any(len(set(n.parents)) < len(n.parents) for n in engine.topological_order(out))

    assert reuses(find(expressions(), reuses))


@pytest.mark.parametrize("z", [-700.0, -100.0, -30.0, -5.0, -1.0, 0.0, 1.0, 5.0, 30.0, 100.0, 700.0])
def test_sigmoid_derivative_at_the_extremes(z):
    x = Value(z)
    f = x.sigmoid()
    f.backward()
    exact = math.exp(-abs(z)) / (1 + math.exp(-abs(z))) ** 2
    assert x.grad == f.data * (1 - f.data)  # f'(x) = f(x)(1 − f(x)), as the documents write it
    assert x.grad == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_gradcheck_takes_pytorchs_arguments():
    import inspect

    for check in (gradcheck, gradgradcheck):
        params = inspect.signature(check).parameters
        assert list(params)[:2] == ["func", "inputs"]
        for name, default in (("eps", 1e-6), ("atol", 1e-5), ("rtol", 1e-3), ("raise_exception", True)):
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY and params[name].default == default
    with pytest.raises(TypeError):
        gradcheck(lambda x: x * x, [1.0], 1e-6)  # tolerances only by name


def test_gradcheck_takes_one_input_and_can_return_false_instead_of_raising():
    assert gradcheck(lambda x: x.tanh(), 0.3) and gradcheck(lambda x: x.tanh(), Value(0.3))

    def wrong(x):
        return Value(x.data**2) + x  # x² detached: its derivative is missing

    assert gradcheck(wrong, 1.5, raise_exception=False) is False
    assert gradgradcheck(lambda x: wrong(x) * x, 1.5, raise_exception=False) is False
    with pytest.raises(
        engine.testing.GradcheckError,
        match=r"input 0 \(at \[1\.5\]\): engine gives 1\.0, central finite differences give 3\.99",
    ):
        gradcheck(wrong, 1.5)
    assert issubclass(engine.testing.GradcheckError, AssertionError)


def test_hypothesis_draws_values_by_type_through_the_entry_point():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.from_type(Value))
    def drawn(v):
        assert isinstance(v, Value)

    drawn()

    @given(v=...)
    def inferred(v: Value):
        assert isinstance(v, Value) and -3.0 <= v.data <= 3.0

    inferred()
