"""The engine's modes (engine.modes): no_grad, detect_anomaly, and that each is per thread."""

import math

import pytest

import engine
from engine import Value


def test_no_grad_builds_no_graph():
    x = Value(2.0)
    with engine.no_grad():
        y = (x * x).exp()
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()
    assert y.is_leaf and y.parents == () and y.data == pytest.approx(math.exp(4))
    y.backward()
    assert x.grad == 0.0


def test_no_grad_works_as_a_decorator_and_restores_on_error():
    @engine.no_grad()
    def f(v):
        return v * 2

    assert f(Value(1.0)).is_leaf
    with pytest.raises(RuntimeError), engine.no_grad():
        raise RuntimeError
    assert engine.is_grad_enabled()


def test_detect_anomaly_raises_at_the_first_non_finite_forward_value():
    x = Value(1000.0)
    with engine.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        (x * 2).exp()
    message = str(info.value)
    assert "exp produced inf" in message and "test_modes.py" in message


def test_detect_anomaly_raises_at_the_first_non_finite_gradient():
    x = Value(1e-300)
    with engine.detect_anomaly():
        z = x.sqrt() * 1e200  # forward: 1e50, finite
        with pytest.raises(FloatingPointError) as info:
            z.backward()  # ∂z/∂x = 1e200 · 0.5/1e-150 overflows
    message = str(info.value)
    assert "backward of sqrt" in message and "test_modes.py" in message and "inf" in message
    z.backward()  # outside the block the same backward gives inf quietly
    assert x.grad == math.inf


def test_detect_anomaly_names_the_users_line_not_a_chainrule_subpackages():
    from engine.testing import gradcheck

    x = Value(1000.0)
    out = (x * 2).exp()  # finite nowhere near here: gradcheck replays it at 1000 + h, inside engine.testing
    with engine.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        gradcheck(out, [x])
    message = str(info.value)
    assert "test_modes.py" in message and "engine/testing" not in message, message


def test_detect_anomaly_names_the_op_of_a_non_finite_product():
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        Value(1e300) * Value(1e10)
    with (
        engine.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"mul_const produced inf from \[1e\+300\] with c=1\d+\.0"),
    ):
        Value(1e300) * 1e10


def test_without_detect_anomaly_non_finite_values_flow_like_ieee():
    x = Value(1000.0)
    y = x.exp() * 0.0
    assert math.isnan(y.data)


def test_detect_anomaly_forgets_its_nodes_when_it_ends():
    from engine.modes import state

    with engine.detect_anomaly():
        Value(1.0) * 2
        assert state.sites
    assert not state.sites


def test_a_diverging_sum_is_named_by_detect_anomaly_not_a_cryptic_fsum_error():
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match=r"sum produced nan"):
        engine.sum([Value(math.inf), Value(-math.inf)])


def test_no_grad_and_detect_anomaly_are_per_thread_in_any_interleaving():
    import threading

    steps = [threading.Event() for _ in range(4)]
    seen = {}

    def a():
        with engine.no_grad(), engine.detect_anomaly():
            steps[0].set()
            steps[1].wait(5)  # b is inside its own no_grad now
            seen["a inside"] = (Value(1.0) * 2).is_leaf
        steps[2].set()  # a leaves first
        steps[3].wait(5)

    def b():
        steps[0].wait(5)
        with engine.no_grad():
            steps[1].set()
            steps[2].wait(5)
            seen["b inside after a left"] = engine.is_grad_enabled()
        steps[3].set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    x = Value(3.0)
    steps[1].wait(5)  # both other threads inside no_grad: this thread still builds graphs
    y = x * x
    for t in threads:
        t.join(5)
    assert seen == {"a inside": True, "b inside after a left": False}
    assert not y.is_leaf and engine.is_grad_enabled()
    y.backward()
    assert x.grad == 6.0
    assert engine.gradients(x * x, [x]) == [6.0]  # switches are all back on, in every thread
