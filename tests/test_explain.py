"""engine.explain: the documents' hand derivation, reproduced and checked."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value, explain, gradients
from engine.testing import expressions


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def f_prime(z):  # f'(x) = f(x)(1 − f(x)), by hand
    return sigmoid(z) * (1 - sigmoid(z))


def hand(net):
    """SEEDS.md §4 by hand, in floats."""
    z_h1 = net.w1.data * net.x1.data + net.w2.data * net.x2.data + net.b1.data
    z_h2 = net.w3.data * net.x1.data + net.w4.data * net.x2.data + net.b2.data
    z_o = net.w5.data * sigmoid(z_h1) + net.w6.data * sigmoid(z_h2) + net.b3.data
    y_pred = sigmoid(z_o)
    return {
        "∂L/∂y_pred": -2 * (1 - y_pred),
        "∂y_pred/∂h1": net.w5.data * f_prime(z_o),
        "∂y_pred/∂w5": sigmoid(z_h1) * f_prime(z_o),
        "∂h1/∂w1": net.x1.data * f_prime(z_h1),
        "∂h1/∂b1": f_prime(z_h1),
    }


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def test_dL_dw1_is_the_documents_chain_with_their_formulas(alice):
    d = explain(alice.L, alice.w1)
    assert [str(p) for p in d.paths] == ["∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1"]
    formulas = {f.name: f.formula for f in d.factors}
    assert formulas == {
        "∂L/∂y_pred": "−2·(1 − y_pred)",
        "∂y_pred/∂h1": "w5·y_pred·(1 − y_pred)",
        "∂h1/∂w1": "x1·h1·(1 − h1)",
    }
    by_hand = hand(alice)
    for f in d.factors:
        assert close(f.value, by_hand[f.name]), f
    product = by_hand["∂L/∂y_pred"] * by_hand["∂y_pred/∂h1"] * by_hand["∂h1/∂w1"]
    assert close(d.value, product)
    assert close(d.value, alice.w1.grad)
    assert d.agrees and d.gradient == alice.w1.grad


def test_a_factor_with_the_numbers_put_in_is_its_formula_with_each_name_its_number(alice):
    numbers = {f.name: f.numbers for f in explain(alice.L, alice.w1).factors}
    assert numbers == {
        "∂L/∂y_pred": "−2·(1 − 0.5237)",
        "∂y_pred/∂h1": "1·0.5237·(1 − 0.5237)",
        "∂h1/∂w1": "(−2)·0.04743·(1 − 0.04743)",  # a negative number in brackets
    }
    a, b = Value(-3.0, label="a"), Value(0.5, label="b")
    out = (a + b) ** 2
    out.label = "out"
    [factor] = explain(out, a).factors
    assert factor.formula == "2·(a + b)" and factor.numbers == "2·((−3) + 0.5)"  # each number as put in


def test_dL_dw5_and_dL_db1_follow_the_same_hand_rules(alice):
    by_hand = hand(alice)
    d5 = explain(alice.L, alice.w5)
    assert [f.name for f in d5.factors] == ["∂L/∂y_pred", "∂y_pred/∂w5"]
    assert d5.factors[1].formula == "h1·y_pred·(1 − y_pred)"
    assert close(d5.factors[1].value, by_hand["∂y_pred/∂w5"])
    assert close(d5.value, alice.w5.grad) and d5.agrees
    db1 = explain(alice.L, alice.b1)
    assert [f.name for f in db1.factors] == ["∂L/∂y_pred", "∂y_pred/∂h1", "∂h1/∂b1"]
    assert db1.factors[2].formula == "h1·(1 − h1)"
    assert close(db1.factors[2].value, by_hand["∂h1/∂b1"])
    assert close(db1.value, alice.b1.grad) and db1.agrees


def test_the_derivation_states_how_each_node_is_computed_and_the_sigmoid_rule(alice):
    d = explain(alice.L, alice.w1)
    assert [(name, e.text()) for name, e in d.definitions] == [
        ("L", "(1 − y_pred)²"),
        ("y_pred", "σ(w5·h1 + w6·h2 + b3)"),
        ("h1", "σ(w1·x1 + w2·x2 + b1)"),
    ]
    assert "f'(x) = f(x)(1 − f(x))" in {op.formula for op in d.rules}
    text = str(d)
    for line in (
        "∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1",
        "∂y_pred/∂h1 = w5·y_pred·(1 − y_pred) = 0.2494",
        "σ (sigmoid): f'(x) = f(x)(1 − f(x))",
        f"engine.gradients(L, [w1]) = {alice.w1.grad!r}: equal to 1e-12 ✓",
    ):
        assert line in text, line


def test_a_node_used_twice_gives_two_paths_that_are_summed(alice):
    d = explain(alice.L, alice.x1)  # x1 feeds both h1 and h2
    assert [str(p) for p in d.paths] == [
        "∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂x1",
        "∂L/∂y_pred · ∂y_pred/∂h2 · ∂h2/∂x1",
    ]
    assert close(d.value, d.paths[0].value + d.paths[1].value)
    assert close(d.value, alice.x1.grad) and d.agrees


def test_a_labelled_node_reused_by_labelled_consumers():
    a, w = Value(0.3, label="a"), Value(2.0, label="w")
    p = a * w
    q = a.tanh()
    p.label, q.label = "p", "q"
    L = p + q
    L.label = "L"
    d = explain(L, a)
    assert [str(path) for path in d.paths] == ["∂L/∂p · ∂p/∂a", "∂L/∂q · ∂q/∂a"]
    assert [f.formula for f in d.factors] == ["1", "w", "1", "1 − q²"]
    assert close(d.value, 2.0 + 1 - math.tanh(0.3) ** 2)


def test_an_unlabelled_node_reused_inside_a_factor_is_summed_in_its_formula():
    x = Value(3.0, label="x")
    y = x * x + x
    d = explain(y, x)
    assert len(d.paths) == 1
    assert d.factors[0].formula == "2·x + 1"
    assert d.value == 7.0 and d.agrees


def test_unlabelled_ends_are_called_output_and_input():
    x = Value(2.0)
    d = explain(x.exp(), x)
    assert d.name == "∂output/∂input"
    assert d.factors[0].formula == "output" and close(d.value, math.exp(2.0))


def test_a_value_not_depended_on_has_no_path_and_zero_derivative(alice):
    stranger = Value(1.0, label="z")
    d = explain(alice.L, stranger)
    assert d.paths == [] and d.value == 0.0 and d.agrees
    assert "does not depend on z" in str(d)
    assert explain(alice.w1, alice.L).value == 0.0  # nothing flows upwards


def test_the_derivative_of_a_value_by_itself_is_one(alice):
    d = explain(alice.L, alice.L)
    assert d.value == 1.0 and len(d.paths) == 1 and d.paths[0].factors == ()
    assert str(d).startswith("∂L/∂L = 1: L is L itself")
    assert d.to_latex().endswith(r"\frac{\partial L}{\partial L} &= 1\end{aligned}")


def test_latex_for_notebooks(alice):
    d = explain(alice.L, alice.w1)
    latex = d.to_latex()
    assert latex.startswith(r"\begin{aligned}") and latex.endswith(r"\end{aligned}")
    assert r"\frac{\partial L}{\partial w_{1}} &= \frac{\partial L}{\partial y_{\text{pred}}} \cdot" in latex
    assert r"h_{1} &= \sigma\left(w_{1} \cdot x_{1} + w_{2} \cdot x_{2} + b_{1}\right)" in latex
    assert d._repr_latex_() == f"$${latex}$$"


def test_an_mlp_is_explained_neuron_by_neuron():
    model = nn.MLP(784, [16, 16, 10], seed=0)
    rng = random.Random(1)
    L = nn.cross_entropy(model([rng.random() for _ in range(784)]), 3)
    L.label = "L"
    w = model.layers[0].neurons[2].w[11]
    d = explain(L, w)
    assert len(d.paths) == 10 * 16  # through every L3 and every L2 neuron
    # the first path through the target's logit, which the loss reads first
    assert str(d.paths[0]) == "∂L/∂L3.N4 · ∂L3.N4/∂L2.N1 · ∂L2.N1/∂L1.N3 · ∂L1.N3/∂L1.N3.w12"
    assert d.agrees
    last = explain(L, model.layers[2].neurons[3].w[4])
    assert [f.name for f in last.factors] == ["∂L/∂L3.N4", "∂L3.N4/∂L3.N4.w5"]
    assert last.factors[1].formula == "L2.N5"  # a linear neuron: ∂(Σ wᵢ·xᵢ + b)/∂w5 = x5
    assert last.agrees
    assert "… and" in str(d)  # 160 paths: the text lists the first ones


def test_too_many_paths_is_refused_with_advice():
    x = Value(1.0, label="x")
    v = x
    for i in range(30):  # two labelled ways down at each level: 2³⁰ paths
        a, b = v * 0.5, v * 0.5
        a.label, b.label = f"a{i}", f"b{i}"
        v = a + b
        v.label = f"v{i}"
    with pytest.raises(ValueError, match=r"1,073,741,824 paths, more than max_paths=10,000; raise max_paths"):
        explain(v, x)


def test_explain_takes_values():
    with pytest.raises(TypeError, match="explain: output must be a Value, got float"):
        explain(1.0, Value(1.0))
    with pytest.raises(TypeError, match="explain: wrt must be a Value, got list"):
        explain(Value(1.0), [Value(1.0)])


@given(expressions(), st.data())
def test_the_sum_over_paths_is_the_engines_gradient_however_nodes_are_labelled(expr, data):
    output, leaves = expr
    order = [v for v in __import__("engine").topological_order(output) if v.op is not None]
    for node in order:  # label a random part of the interior
        node.label = f"u{order.index(node)}" if data.draw(st.booleans()) else ""
    for x in leaves:
        d = explain(output, x)
        (g,) = gradients(output, [x])
        assert d.agrees, str(d)
        assert math.isclose(d.value, g, rel_tol=1e-9, abs_tol=1e-9)


def test_terms_that_cancel_inside_a_factor_are_judged_by_their_size():
    """1 − 1 + 2⁻¹⁰²² is 0 or 2⁻¹⁰²² by the order it is summed in: explain and the engine may
    differ by that, and the check is relative to the terms (2), not to the total."""
    x = Value(0.0)
    output = engine.sum([engine.dot([x, x], [1.0, -1.0]), x * 2.0**-1022])
    d = explain(output, x)
    assert d.factors[0].size == 2.0 + 2.0**-1022
    assert d.agrees and d.relative_difference <= 2.0**-1022


def test_nan_and_nan_or_inf_and_inf_agree():
    x = Value(math.nan, label="x")
    assert explain(x * x, x).agrees  # 2x is nan both ways
    y = Value(1e308, label="y")
    assert explain((y * 10) * y, y).agrees  # inf both ways


def test_explain_refuses_a_max_paths_that_is_not_a_positive_int():
    with pytest.raises(ValueError, match="explain: max_paths must be a positive int, got -1"):
        explain(Value(1.0), Value(2.0), max_paths=-1)


def test_subnormal_results_are_compared_absolutely():
    """−0.5·x2 + −0.5·x2 and −0.5·(2·x2) differ by a whole unit for x2 = 5e-324: below the
    smallest normal float there is no relative precision, so the check is absolute there."""
    x0, x2 = Value(1.0, label="x0"), Value(5e-324, label="x2")
    u1 = x0 + x2 * x2
    u1.label = "u1"
    d = explain(u1**-0.5, x2)
    assert d.value != d.gradient and d.relative_difference == 1.0  # the two sums really differ
    assert d.agrees


def test_explaining_a_sum_whose_terms_share_one_leaf_merges_n_log_n_terms(term_merges):
    """engine.sum of 8,000 terms all using w took over a minute: w's formula grew a term at a time."""
    n = 1024
    w = Value(0.5, label="w")
    L = engine.sum([(w * (i / n)).tanh() for i in range(n)])
    L.label = "L"
    d = explain(L, w)
    assert d.agrees
    assert term_merges[0] < 4 * n * 11  # n log₂ n is 10,240; one term at a time was n²/2 = 524,288
