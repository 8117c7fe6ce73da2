"""Optimizers without PyTorch: the update formulas by hand, and bad settings."""

import itertools
import math

import pytest

import nn
from engine import Value


def test_sgd_step_is_w_minus_lr_times_gradient():
    w = Value(1.0)
    w.grad = 0.5
    nn.SGD([w], lr=0.1).step()
    assert w.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_accumulates_and_weight_decay_adds_to_the_gradient():
    w = Value(1.0)
    opt = nn.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    w.grad = 1.0
    opt.step()  # g = 1 + 0.5·1 = 1.5; buf = 1.5
    assert w.data == 1.0 - 0.1 * 1.5
    w.grad = 1.0
    expected_buf = 0.9 * 1.5 + (1.0 + 0.5 * w.data)
    before = w.data
    opt.step()
    assert w.data == before - 0.1 * expected_buf


def test_adam_first_step_moves_each_weight_by_about_lr():
    ws = [Value(1.0), Value(-2.0)]
    ws[0].grad, ws[1].grad = 3.0, -1e-3
    nn.Adam(ws, lr=0.01).step()  # m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps)
    assert ws[0].data == pytest.approx(1.0 - 0.01, rel=1e-9)
    assert ws[1].data == pytest.approx(-2.0 + 0.01 * 1e-3 / (1e-3 + 1e-8), rel=1e-12)


def test_zero_grad_clears_only_its_parameters():
    a, b = Value(1.0), Value(2.0)
    a.grad = b.grad = 1.0
    nn.SGD([a], lr=0.1).zero_grad()
    assert (a.grad, b.grad) == (0.0, 1.0)


def test_repr_shows_the_settings():
    assert repr(nn.SGD([Value(1.0)], lr=0.5)) == "SGD(1 parameters, lr=0.5, momentum=0.0, weight_decay=0.0)"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: nn.SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda: nn.SGD([1.0], lr=0.1), TypeError, "parameters must be Values, got float"),
        (lambda: nn.SGD([Value(1.0)], lr=-1), ValueError, r"lr must be a number in \[0.0, inf\), got -1"),
        (lambda: nn.SGD([Value(1.0)], lr=math.nan), ValueError, "lr must be a number"),
        (lambda: nn.SGD([Value(1.0)], momentum=-0.1), ValueError, "momentum must be"),
        (lambda: nn.Adam([Value(1.0)], betas=(0.9,)), ValueError, r"betas must be a pair"),
        (
            lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)),
            ValueError,
            r"beta2 must be a number in \[0.0, 1.0\)",
        ),
        (lambda: nn.Adam([Value(1.0)], eps="1"), ValueError, "eps must be a number"),
        (lambda: nn.Adam([Value(1.0)], eps=0), ValueError, r"eps must be > 0 \(it keeps Adam's step finite"),
    ],
)
def test_bad_settings_name_what_was_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=0.1),
        lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: nn.Adam(ps, lr=0.1),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_ctrl_c_during_a_step_leaves_every_parameter_stepped_alike(make):
    """An interrupt lands before a step's numbers are written or after: never half way."""
    import gc
    import signal

    params = [Value(1.0) for _ in range(100_000)]
    for p in params:
        p.grad = 0.5
    optimizer = make(params)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    gc.disable()  # no collector callback (hypothesis has one) to catch the interrupt instead
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.23, 0.1)  # again every 0.1 s, should one land in a finalizer
        with pytest.raises(KeyboardInterrupt):
            for _ in range(1_000):
                optimizer.step()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()
    assert len({p.data for p in params}) == 1  # every parameter took the same steps
    optimizer.step()  # and the optimizer's own state is whole: it steps on
    assert len({p.data for p in params}) == 1


def test_a_learning_rate_past_float_range_is_a_value_error():
    with pytest.raises(ValueError, match=r"lr must be a number in \[0\.0, inf\), got 1000000000"):
        nn.SGD([Value(1.0)], lr=10**400)


def test_sgd_on_arrays_is_the_float_rule_bit_for_bit():
    """step_arrays' one-temporary update is w − lr·g exactly, the signs of zeros too."""
    np = pytest.importorskip("numpy")
    special = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-300, -1e300, float("inf"), float("-inf")]
    w = np.array([a for a in special for _ in special])
    g = np.array([b for _ in special for b in special])
    for dtype, lr in itertools.product(("float64", "float32"), (0.1, 0.0, 3.0)):
        opt = nn.SGD([Value(0.0)], lr=lr)
        with np.errstate(all="ignore"):
            got = opt.step_arrays(w.astype(dtype), g.astype(dtype))
            expected = w.astype(dtype) - lr * g.astype(dtype)
        nan = np.isnan(expected)
        assert got.dtype == expected.dtype and np.array_equal(np.isnan(got), nan)
        bits = f"u{got.itemsize}"
        assert np.array_equal(got.view(bits)[~nan], expected.view(bits)[~nan])
        floats = [wi - lr * gi for wi, gi in zip(w.tolist(), g.tolist(), strict=True)]  # eager's step
        if dtype == "float64":
            assert [str(x) for x in got.tolist()] == [str(x) for x in floats]
