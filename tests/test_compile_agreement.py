"""Compiled fit and eager fit give the same numbers, whatever the model and optimizer:
shared parameters, optimizers that override their hooks, models that read a
parameter's number, the training block's parameters read inside it, inf·0 in
backward, and what compiled fit refuses as eager does. Then a property test over
random models and optimizers: compiled equal to eager, float64, to 1e-9."""

import math
import sys

import pytest

np = pytest.importorskip("numpy")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import engine  # noqa: E402
import nn  # noqa: E402
from engine import Value  # noqa: E402
from nn.training import compiled_loss  # noqa: E402

XS = [
    [0.5, -1.0, 2.0],
    [1.5, 0.3, -0.7],
    [-0.2, 0.8, 0.1],
    [1.0, 1.0, -1.0],
    [0.0, -0.5, 0.4],
    [2.0, 0.1, 0.3],
]
YS = [1.0, -1.0, 0.5, 0.0, -0.5, 1.0]


def train(compile, make_model, make_optimizer, epochs=3, batch_size=4, xs=XS, ys=YS, loss="mse"):  # noqa: A002
    """fit's history and the parameters' numbers after it, for a fresh model and optimizer."""
    model = make_model()
    history = nn.fit(
        model, xs, ys, loss, make_optimizer(model), epochs=epochs, batch_size=batch_size, seed=0,
        progress=False, compile=compile,
    )  # fmt: skip
    return history, [p.data for p in model.parameters()]


def agree(make_model, make_optimizer, **options):
    eager = train(False, make_model, make_optimizer, **options)
    compiled = train(True, make_model, make_optimizer, **options)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-9, abs=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-9, abs=1e-12)
    return eager


def tied(seed=0):
    """MLP(3, [4, 1]) with the hidden layer's first neuron the second one (weight tying)."""
    model = nn.MLP(3, [4, 1], seed=seed)
    model.layers[0].neurons[0] = model.layers[0].neurons[1]
    return model


# -- shared parameters ---------------------------------------------------------------


def test_parameters_lists_a_shared_value_once_as_torch_does():
    model = tied()
    params = model.parameters()
    assert len(params) == len({id(p) for p in params}) == 4 * 4 - 4 + 5
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(params) and names[0] == "L1.N1.w1"  # the first name it has
    assert list(model.state_dict()) == names


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_shared_neuron_trains_the_same_compiled_and_eager(optimizer):
    make = {
        "sgd": lambda m: nn.SGD(m.parameters(), lr=0.1),
        "adam": lambda m: nn.Adam(m.parameters(), lr=0.05),
    }
    agree(tied, make[optimizer])


@pytest.mark.parametrize("kind", [nn.SGD, nn.Adam])
def test_an_optimizer_given_a_value_twice_says_so(kind):
    params = nn.MLP(3, [4, 1], seed=0).parameters()
    with pytest.raises(ValueError, match=r"the same parameter twice \(at 0 and 21\)"):
        kind(params + params[:3], lr=0.1)


# -- what a subclass overrides is honoured ---------------------------------------------


class EveryOther(nn.SGD):
    """Gradient accumulation: the gradients are zeroed only every other step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0

    def zero_grad(self):
        self.calls += 1
        if self.calls % 2:
            super().zero_grad()


class Clipped(nn.SGD):
    def step(self):
        for p in self.params:
            p.grad = max(-0.1, min(0.1, p.grad))
        super().step()


class HalfArrays(nn.SGD):  # an array rule that eager steps would never run
    def step_arrays(self, data, grad):
        return super().step_arrays(data, grad * 0.5)


class Both(nn.SGD):  # step and step_arrays overridden together: one rule, on Values or arrays
    def step(self):
        for p in self.params:
            p.data -= 0.5 * self.lr * p.grad

    def step_arrays(self, data, grad):
        return data - 0.5 * self.lr * grad


@pytest.mark.parametrize("kind", [EveryOther, Clipped, Both], ids=["zero_grad", "step", "both"])
def test_an_overridden_hook_runs_compiled_as_eager(kind):
    agree(lambda: nn.MLP(3, [4, 1], seed=1), lambda m: kind(m.parameters(), lr=0.1))


def test_an_overridden_zero_grad_is_called_by_compiled_fit():
    model = nn.MLP(3, [4, 1], seed=1)
    optimizer = EveryOther(model.parameters(), lr=0.1)
    nn.fit(model, XS, YS, "mse", optimizer, epochs=2, batch_size=3, progress=False, compile=True)
    assert optimizer.calls == 4


def test_step_arrays_overridden_without_step_is_refused_by_name():
    model = nn.MLP(3, [4, 1], seed=1)
    with pytest.raises(TypeError, match="HalfArrays overrides step_arrays but not step"):
        nn.fit(model, XS, YS, "mse", HalfArrays(model.parameters(), lr=0.1), epochs=1, progress=False,
               compile=True)  # fmt: skip


# -- a number read while tracing -------------------------------------------------------


class Branchy(nn.Module):
    """A forward that chooses by a parameter's number (the docs say not to; it must be seen)."""

    def __init__(self):
        self.w = Value(0.3, label="w")

    def __call__(self, x):
        if self.w.data > 0:
            return self.w * x[0]
        return -self.w * x[0] + 1.0

    def _members(self):
        return [("w", self.w)]


class MaxNorm(nn.Module):
    """Rescales its weight by a number computed from it (a max-norm constraint via .data)."""

    def __init__(self):
        self.w = Value(2.0, label="w")

    def __call__(self, x):
        scale = 1.0 / max(1.0, abs((self.w * self.w).data))
        return self.w * x[0] * scale

    def _members(self):
        return [("w", self.w)]


@pytest.mark.parametrize("kind", [Branchy, MaxNorm])
def test_a_model_that_reads_a_parameters_number_is_not_proved_and_compiled_fit_refuses_it(kind):
    model = kind()
    f = engine.compile(lambda x, y: (model(x) - y) ** 2, XS[0], YS[0])
    assert not f.proved and "parameter" in f.one_graph
    with pytest.raises(
        ValueError, match=r"the number of a parameter .* was read at .*test_compile_agreement.py:\d+"
    ):
        nn.fit(model, XS, YS, "mse", nn.SGD(model.parameters(), lr=0.5), epochs=3, progress=False,
               compile=True)  # fmt: skip


def test_a_compiled_function_that_reads_a_parameter_follows_it_when_it_changes():
    model = Branchy()
    f = engine.compile(lambda x: model(x), [1.0])
    assert f(np.array([[2.0]])).tolist() == [0.6]
    model.w.data = -0.3  # the other branch now: traced again
    assert f(np.array([[2.0]])).tolist() == pytest.approx([model([Value(2.0)]).data])


def test_a_number_computed_from_a_parameter_is_not_made_up_while_checking():
    w = Value(2.0, label="w")
    f = engine.compile(lambda x: x * w * (1 / (w * w).data), 3.0)  # ran eagerly: no ZeroDivisionError
    assert f(np.array([3.0])).tolist() == pytest.approx([3.0 * 2.0 / 4.0])
    assert not f.proved


def test_fits_compiled_step_is_refused_for_a_model_that_reads_a_number():
    model = MaxNorm()
    x, y = np.array([[1.0]]), np.array([2.0])
    with pytest.raises(ValueError, match=r"the number of a parameter .* was read"):
        compiled_loss(model, x, y, nn.losses.as_loss("mse"))
    f = engine.compile(lambda a: model(a), [1.0])
    with pytest.raises(ValueError, match=r"the number of a parameter .* was read"):
        f.training(nn.SGD(model.parameters(), lr=0.1))


# -- the training block: current numbers, all or nothing -------------------------------


def test_parameters_read_inside_the_training_block_are_current(tmp_path):
    model = nn.MLP(3, [4, 1], seed=0)
    f = engine.compile(lambda x, y: nn.mse_loss(y, model(x)), XS[0], YS[0])
    x, y = np.array(XS), np.array(YS)
    losses = []
    with f.training(nn.SGD(model.parameters(), lr=0.2)) as step:
        for _ in range(3):
            step(x, y)
            losses.append(nn.mse_loss(YS, [model(row) for row in XS]).data)  # an evaluation, eager
            nn.save(model, tmp_path / "inside.json")
        inside = [p.data for p in model.parameters()]
    assert losses[0] > losses[1] > losses[2]  # each epoch's own numbers
    assert [p.data for p in model.parameters()] == inside
    assert [p.data for p in nn.load(tmp_path / "inside.json").parameters()] == inside
    assert type(model.parameters()[0]) is Value  # a plain Value again after the block


def test_closing_a_training_block_is_all_or_nothing_under_ctrl_c():
    """Ctrl+C at every line close runs: every Value written back, or none and the block
    still closable (Python's signal handlers run between lines as this trace does)."""
    from engine.compiler.training import Training

    x, y = np.array(XS), np.array(YS)
    lines = {Training.close.__code__, Training._write_back.__code__}
    lines |= {c for c in Training._write_back.__code__.co_consts if hasattr(c, "co_code")}  # its loop
    for k in [*range(1, 30), 60, 120, 200, 300, 301, 302, 303, 450, 600, 10**9]:  # the last: never
        model = nn.MLP(3, [8, 8, 1], seed=0)
        before = [p.data for p in model.parameters()]
        f = engine.compile(lambda a, b, model=model: nn.mse_loss(b, model(a)), XS[0], YS[0])
        block = f.training(nn.SGD(model.parameters(), lr=0.2))
        block(x, y)
        trained = block.live[: len(before)].tolist()
        seen = 0

        def interrupt(frame, event, arg, k=k):
            nonlocal seen
            if event == "line" and frame.f_code in lines:
                seen += 1
                if seen == k:
                    raise KeyboardInterrupt
            return interrupt

        sys.settrace(lambda frame, event, arg: interrupt if frame.f_code in lines else None)
        try:
            block.close()
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sys.settrace(None)
        numbers = [p.data for p in model.parameters()]
        assert numbers in (trained, before), k  # all or nothing
        if not interrupted:
            assert numbers == trained
            break
        block.close()  # still closable: now all of it
        assert [p.data for p in model.parameters()] == trained
        assert block.close() is None and [p.data for p in model.parameters()] == trained
    else:
        pytest.fail("close never finished")


# -- ops, inputs --------------------------------------------------------------------


def test_a_user_op_of_two_inputs_called_as_a_function_compiles():
    from engine.ops import Op

    hypot = Op(
        "hypot_test",
        lambda a, b: math.hypot(a, b),
        lambda out, a, b: (a / out, b / out),
        formula="∂hypot(a, b)/∂a = a/hypot(a, b)",
        symbol="hypot",
    )
    w = Value(3.0)
    with pytest.warns(engine.compiler.SlowOpWarning, match="hypot_test"):  # no array form: per example
        f = engine.compile(lambda x: hypot(x, w), 4.0)
    assert f(np.array([4.0])).tolist() == [5.0]


@pytest.mark.parametrize(
    "make",
    [lambda x: x.step(), lambda x: x.sign(), lambda x: x * 0, lambda x: x**0],
    ids=["step", "sign", "*0", "**0"],
)
def test_an_infinite_gradient_through_a_zero_derivative_is_nan_compiled_and_eager(make):
    p = Value(0.7)

    def fn(x):
        return make(p * x) * 1e308 * 1e308  # ∂out/∂(op's output) is inf

    eager = fn(Value(1.0))
    eager.backward()
    eager_grad, p.grad = p.grad, 0.0
    engine.compile(fn, 1.0).backward(np.array([1.0]))
    assert math.isnan(eager_grad) and math.isnan(p.grad), (eager_grad, p.grad)


def test_micrograds_op_names_keep_the_exponent_as_written():
    x = Value(3.0)
    assert (x**2)._op == "**2" and (x**2.0)._op == "**2.0" and (x**-1)._op == "**-1"
    assert (x**2).data == (x**2.0).data == 9.0


@pytest.mark.parametrize(
    "xs, message",
    [
        ([[0.5, None, 2.0], *XS[1:]], r"inputs\[0\]\[1\] is None"),
        ([["0.5", "1.0", "2.0"], *XS[1:]], r"inputs\[0\]\[0\] is a str"),
        ([[0.5, 1.0], *XS[1:]], r"inputs\[0\] has 2 numbers where inputs\[1\] has 3"),
    ],
    ids=["None", "strings", "ragged"],
)
def test_compiled_fit_refuses_what_eager_fit_refuses_and_says_what(xs, message):
    model = nn.MLP(3, [4, 1], seed=0)
    with pytest.raises((TypeError, ValueError), match=message):
        nn.fit(model, xs, YS, "mse", epochs=1, progress=False, compile=True)
    with pytest.raises((TypeError, ValueError)):
        nn.fit(model, xs, YS, "mse", epochs=1, progress=False)


def test_the_cache_of_compiled_steps_is_bounded():
    from nn.training import COMPILED_PER_MODEL, cached_steps

    model = nn.MLP(3, [2, 1], seed=0)
    for k in range(COMPILED_PER_MODEL + 5):
        nn.fit(
            model, XS, YS, lambda t, p, k=k: (p - t) ** 2 * (1 + k), epochs=1, progress=False, compile=True
        )
    assert cached_steps(model) == COMPILED_PER_MODEL


# -- compiled fit equal to eager fit, on random models and optimizers ---------------------


OPTIMIZERS = {
    "sgd": lambda m, lr: nn.SGD(m.parameters(), lr=lr),
    "momentum": lambda m, lr: nn.SGD(m.parameters(), lr=lr, momentum=0.9, weight_decay=0.01),
    "adam": lambda m, lr: nn.Adam(m.parameters(), lr=lr / 4, weight_decay=0.01),
    "every_other": lambda m, lr: EveryOther(m.parameters(), lr=lr),
    "clipped": lambda m, lr: Clipped(m.parameters(), lr=lr),
    "both": lambda m, lr: Both(m.parameters(), lr=lr),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    share=st.booleans(),
    optimizer=st.sampled_from(sorted(OPTIMIZERS)),
    lr=st.floats(0.01, 0.3),
    batch_size=st.integers(1, 6),
    epochs=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_compiled_fit_is_eager_fit(hidden, activation, share, optimizer, lr, batch_size, epochs, seed):
    def make_model():
        model = nn.MLP(3, [*hidden, 1], activation=activation, seed=seed)
        if share and len(model.layers[0].neurons) > 1:
            model.layers[0].neurons[-1] = model.layers[0].neurons[0]
        return model

    agree(make_model, lambda m: OPTIMIZERS[optimizer](m, lr), epochs=epochs, batch_size=batch_size)
