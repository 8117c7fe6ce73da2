"""Named expressions: the op table's rules written out with labels, numbers exact."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import OPS, Value, explain
from engine.explaining.symbolic import MAX_TERMS, Sym, latex_name
from tests.test_ops import CASES

x, y, h = Sym.name("x", 3.0), Sym.name("y_pred", 0.75), Sym.name("h", 0.5)


@pytest.mark.parametrize(
    "expr, text",
    [
        (1 * x, "x"),
        (x + 0, "x"),
        (x * 0, "0"),
        (2.0 * (1 - y) * -1.0, "−2·(1 − y_pred)"),
        (-y + 1, "1 − y_pred"),
        (x - 1, "x − 1"),
        (x + x, "2·x"),
        (h * h, "h²"),
        (1 - h * h, "1 − h²"),
        (1 / x, "1/x"),
        (0.5 / x, "0.5/x"),
        (x**-2, "1/x²"),
        ((1 - h) ** 2, "(1 − h)²"),
        (x * (y * (1 - y)), "x·y_pred·(1 − y_pred)"),
        (abs(x - 1), "|x − 1|"),
        (x**1, "x"),
        (x**0, "1"),
        ((x**2) ** 3, "x⁶"),
        (x**h, "x^h"),
        (-(x * h), "−x·h"),
    ],
)
def test_expressions_simplify_as_written_by_hand(expr, text):
    assert expr.text() == text


def test_the_number_is_the_float_arithmetic_not_the_simplified_form():
    # x + x is written 2·x, but its number is the sum the engine computes.
    a, b = Sym.name("a", 0.1), Sym.name("b", 0.2)
    assert (a + b + a).data == 0.1 + 0.2 + 0.1
    assert ((a - b) * (a + b)).data == (0.1 - 0.2) * (0.1 + 0.2)
    assert (a / b).data == 0.1 / 0.2


finite = st.floats(-5, 5, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@given(finite, finite, st.lists(st.sampled_from("+-*/"), min_size=1, max_size=8))
def test_arithmetic_on_syms_gives_exactly_the_float_results(a, b, ops):
    fa, fb = a, b
    sa, sb = Sym.name("a", a), Sym.name("b", b)
    for op in ops:
        if op == "/" and fb == 0:
            continue
        fa, sa = {
            "+": (fa + fb, sa + sb),
            "-": (fa - fb, sa - sb),
            "*": (fa * fb, sa * sb),
            "/": (fa / fb, sa / sb),
        }[op]
        assert sa.data == fa or (math.isnan(sa.data) and math.isnan(fa))
        sa.text()  # and it can always be written


@pytest.mark.parametrize("name, xs, arg", CASES)
def test_every_rule_runs_on_named_expressions_with_the_engines_numbers(name, xs, arg):
    op = OPS[name]
    out = op.forward(*xs) if arg is None else op.forward(*xs, arg)
    expected = op.local_grads(out, *xs) if arg is None else op.local_grads(out, *xs, arg)
    args = tuple(Sym.name(f"x{i}", v) for i, v in enumerate(xs))
    node = Sym.apply(op, args, arg)
    assert node.data == out
    local = op.local_grads(node, *args) if arg is None else op.local_grads(node, *args, arg)
    for sym, number in zip(local, expected, strict=True):
        value = sym.data if isinstance(sym, Sym) else sym
        assert value == number
        if isinstance(sym, Sym):
            assert sym.text() and sym.latex()


def test_every_op_is_written_with_its_symbol_or_notation():
    a, b = Sym.name("a", 2.0), Sym.name("b", 3.0)
    assert Sym.apply(OPS["sigmoid"], (a,)).text() == "σ(a)"
    assert Sym.apply(OPS["mul"], (a, b)).text() == "a·b"
    assert Sym.apply(OPS["add_const"], (a,), 1.0).text() == "a + 1"
    assert Sym.apply(OPS["mul_const"], (a,), -1.0).text() == "−a"
    assert Sym.apply(OPS["pow"], (a,), 2.0).text() == "a²"
    assert Sym.apply(OPS["dot"], (a, b, b, a)).text() == "2·a·b"  # like terms merge
    assert Sym.apply(OPS["dot_const"], (a, b), (0.5, 2.0)).text() == "0.5·a + 2·b"
    for op in OPS.values():
        assert op.symbol


def test_a_long_sum_is_written_shortened_but_counted_whole():
    terms = [Sym.name(f"w{i}", float(i)) for i in range(1, 785)]
    s = Sym.apply(OPS["sum"], tuple(terms))
    assert s.text() == "w1 + w2 + w3 + w4 + … + w784"
    assert len(s.args) == 784 and MAX_TERMS == 6
    assert s.data == math.fsum(range(1, 785))


def test_a_long_unlabelled_chain_is_explained_with_a_shortened_formula():
    x0 = Value(0.5, label="x")
    v = x0
    for _ in range(5_000):
        v = v.tanh() * 1.0001  # each rule names the node below: tanh(tanh(…))
    d = explain(v, x0)
    assert d.agrees
    assert "…" in d.factors[0].formula and len(d.factors[0].formula) < 2_000


@pytest.mark.parametrize(
    "label, latex",
    [
        ("w1", "w_{1}"),
        ("y_pred", r"y_{\text{pred}}"),
        ("L", "L"),
        ("L1.N3.w12", r"\text{L1.N3.w12}"),
        ("a_b_c", r"\text{a\_b\_c}"),
        ("{x}", r"\text{\{x\}}"),
    ],
)
def test_labels_are_written_in_latex(label, latex):
    assert latex_name(label) == latex


def test_a_wide_sum_is_written_in_n_log_n_term_merges_not_n_squared(term_merges):
    """explain of engine.sum over 8,000 terms took minutes when each + rebuilt the growing sum."""
    n = 1024
    s = Sym.apply(OPS["sum"], tuple(Sym.name(f"x{i}", float(i)) for i in range(n)))
    assert len(s.args) == n and s.text() == "x0 + x1 + x2 + x3 + … + x1023"
    assert term_merges[0] <= n * math.log2(n) + n  # a chain x0 + x1 + … merges n²/2 ≈ 524,000
