"""engine.compile: the graph traced once and run over a batch with numpy gives
what the eager engine gives, example by example, gradients included."""

import math
import subprocess
import sys

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

import engine  # noqa: E402
import nn  # noqa: E402
from engine import OPS, Value  # noqa: E402
from engine.graph import replay  # noqa: E402
from engine.testing import expressions  # noqa: E402
from tests.conftest import count_lines  # noqa: E402
from tests.test_ops import SAMPLES  # noqa: E402

TOL = 1e-12


def close(compiled, eager, rel=TOL, floor=1e-300):
    """Equal to `rel` relative to the largest magnitude among them (normwise):
    the batch's sums run in another order than eager's, so a gradient that
    cancels to almost 0 is compared at the scale of the others (or `floor`:
    eager's own sum of +0.2 and −0.2 five times each can be 5.6e-17, not 0)."""
    compiled, eager = np.asarray(compiled, dtype=float), np.asarray(eager, dtype=float)
    scale = max(floor, float(np.max(np.abs(eager), initial=0.0)))
    return compiled.shape == eager.shape and bool(np.all(np.abs(compiled - eager) <= rel * scale))


def eager_mean(fn, batch, leaves):
    """Eager reference: fn on every example, the mean backpropagated; (values, grads of leaves)."""
    for p in leaves:
        p.grad = 0.0
    outs = [fn(*example) for example in zip(*batch, strict=True)]
    mean = outs[0] if len(outs) == 1 else engine.sum(outs) * (1.0 / len(outs))
    mean.backward()
    return [o.data for o in outs], [p.grad for p in leaves], mean.data


# -- the op table, point by point, kinks included ------------------------------

KINKS = {  # points where a rule's convention decides (PyTorch's)
    "relu": [((0.0,), None)],
    "leaky_relu": [((0.0,), 0.1)],
    "abs": [((0.0,), None)],
    "step": [((0.0,), None)],
    "sign": [((0.0,), None)],
    "max": [((1.0, 1.0), None)],
    "vpow": [((0.0, 0.0), None), ((0.0, 2.0), None)],
    "pow": [((0.0,), 0.0), ((0.0,), 2.0)],
}


@pytest.mark.parametrize(
    "name, xs, arg",
    [(name, xs, arg) for name, points in SAMPLES.items() for xs, arg in points]
    + [(name, xs, arg) for name, points in KINKS.items() for xs, arg in points],
)
def test_every_op_compiles_to_the_eager_numbers_and_derivatives(name, xs, arg):
    op = OPS[name]
    leaves = [Value(x) for x in xs]
    # as arguments: a batch of the point and points near it
    batch = np.array([xs] + [[x + d for x in xs] for d in (0.25, -0.125)])

    def fn(*args):
        return Value.apply(op, args, arg)

    f = engine.compile(fn, *xs)
    expected = []
    for row in batch:
        try:
            expected.append(fn(*(Value(x) for x in row)).data)
        except ValueError:  # a shifted point outside the domain: keep the point itself
            batch = batch[:1]
            expected = [fn(*(Value(x) for x in xs)).data]
            break
    assert close(f(*batch.T), expected)
    # as live Values: the derivatives, each as eager backward gives it
    g = engine.compile(lambda t: Value.apply(op, tuple(leaves), arg), 0.0)
    g.backward([0.0, 0.0, 0.0])
    compiled = [p.grad for p in leaves]
    for p in leaves:
        p.grad = 0.0
    Value.apply(op, tuple(leaves), arg).backward()
    assert compiled == pytest.approx([p.grad for p in leaves], rel=TOL, abs=1e-300)


@given(expressions(max_leaves=4, max_ops=8), st.integers(1, 3), st.randoms(use_true_random=False))
def test_random_graphs_compile_to_the_eager_numbers(expr, n_args, rng):
    """Some leaves are arguments (a batch of points near the drawn one), the rest live Values."""
    out, leaves = expr
    n_args = min(n_args, len(leaves))
    args, live = leaves[:n_args], leaves[n_args:]

    def fn(*xs):
        return replay(out, args, [*xs])

    points = [[x.data for x in args]] + [[x.data + rng.uniform(-1e-3, 1e-3) for x in args] for _ in range(4)]
    try:
        values, grads, mean = eager_mean(
            lambda *xs: fn(*map(Value, xs)), [list(col) for col in zip(*points, strict=True)], live
        )
    except ValueError:  # a nearby point left the domain
        assume(False)
    assume(all(math.isfinite(v) for v in [*values, *grads]))
    f = engine.compile(fn, *points[0])
    batch = np.array(points).T
    # leaves in [-3, 3], nodes within ±100: numbers of order 1, compared to 1e-12 of that
    assert close(f(*batch), values, floor=1.0)
    for p in live:
        p.grad = 0.0
    assert close(f.backward(*batch), mean, floor=1.0)
    assert close([p.grad for p in live], grads, floor=1.0)


# -- every activation and loss of nn ---------------------------------------------


@pytest.mark.parametrize("activation", list(nn.ACTIVATIONS))
@pytest.mark.parametrize("loss", ["mse", "binary_cross_entropy", "hinge", "cross_entropy"])
def test_every_activation_and_loss_compiles_to_eager(activation, loss):
    rng = np.random.default_rng(7)
    nout = 3 if loss in ("mse", "cross_entropy") else 1
    last = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    net = nn.MLP(5, [4, nout], activation=[activation, last], seed=1)
    x = rng.normal(size=(6, 5))
    y = {
        "mse": rng.normal(size=(6, 3)),
        "binary_cross_entropy": rng.integers(0, 2, 6).astype(float),
        "hinge": rng.choice([-1.0, 1.0], 6),
        "cross_entropy": np.eye(3)[rng.integers(0, 3, 6)],  # one-hot: class indices are refused (below)
    }[loss]
    loss_fn = nn.training.LOSSES[loss]

    def fn(x, y):
        return loss_fn(y, net(x))

    f = engine.compile(fn, x[0], y[0])
    params = net.parameters()
    values, grads, mean = eager_mean(
        lambda a, b: fn(list(a) if a.ndim else a, list(b) if b.ndim else b), [x, y], params
    )
    assert close(f(x, y), values)
    for p in params:
        p.grad = 0.0
    assert f.backward(x, y) == pytest.approx(mean, rel=TOL)
    assert close([p.grad for p in params], grads)


def test_the_documents_network_compiles_into_a_few_array_groups():
    net = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=0)
    f = engine.compile(lambda x, y: nn.mse_loss(y, net(x)), [0.0] * 784, [0.0] * 10)
    assert len(f.leaves) == 13_002  # every parameter read live (no constant: mse makes none)
    kinds = [group.kind for group in f._groups]
    assert kinds.count("matmul") == 3  # one per layer: its 16 (16, 10) dots as one X @ Wᵀ
    assert len(kinds) <= 15, kinds


def test_softmax_and_log_softmax_shift_each_example_by_its_own_largest_logit():
    f = engine.compile(lambda z: nn.log_softmax(z), [0.0, 0.0])
    batch = np.array([[1e17, 1e17], [0.0, 1000.0], [-1000.0, 3.0]])
    out = f(batch)
    assert out[0] == pytest.approx([-math.log(2)] * 2, rel=1e-15)
    for row, got in zip(batch, out, strict=True):
        assert got.tolist() == pytest.approx([v.data for v in nn.log_softmax(row.tolist())], rel=1e-15)


# -- live parameters, reductions, fit ---------------------------------------------


def test_parameters_are_read_live_on_every_call():
    w = Value(2.0)
    f = engine.compile(lambda x: w * x, 1.0)
    assert f([1.0, 3.0]).tolist() == [2.0, 6.0]
    w.data = -1.0
    assert f([1.0, 3.0]).tolist() == [-1.0, -3.0]
    opt = nn.SGD([w], lr=0.5)
    opt.zero_grad()
    assert f.backward([1.0, 3.0]) == -2.0
    assert w.grad == 2.0  # ∂ mean(w·x)/∂w = mean(x)
    opt.step()
    assert f([1.0]).tolist() == [-2.0]


def test_backward_sums_or_averages_and_accumulates_as_eager_does():
    w = Value(3.0)
    f = engine.compile(lambda x: (w * x) ** 2, 0.0)
    assert f.backward([1.0, 2.0], reduction="sum") == 45.0
    assert w.grad == 30.0  # Σ 2·w·x²
    f.backward([1.0, 2.0])  # mean: adds 15 more
    assert w.grad == 45.0


def test_a_list_of_outputs_gives_one_column_each():
    a = Value(2.0)
    f = engine.compile(lambda x: [a * x, x + a, a], 0.0)
    assert f([1.0, 2.0]).tolist() == [[2.0, 3.0, 2.0], [4.0, 4.0, 2.0]]
    with pytest.raises(ValueError, match="backward needs a function that returns one Value"):
        f.backward([1.0])


@pytest.mark.parametrize("loss", ["mse", "cross_entropy", "binary_cross_entropy", "hinge"])
def test_fit_compiled_follows_eager_fit(loss):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4))
    y = {
        "mse": rng.normal(size=(30, 2)),
        "cross_entropy": rng.integers(0, 2, 30),  # class indices: fit gives them one-hot
        "binary_cross_entropy": rng.integers(0, 2, 30).astype(float),
        "hinge": rng.choice([-1.0, 1.0], 30),
    }[loss]
    nout = 2 if loss in ("mse", "cross_entropy") else 1
    last = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    runs = []
    for compile_ in (False, True):
        net = nn.MLP(4, [3, nout], activation=["tanh", last], seed=5)
        opt = nn.Adam(net.parameters(), lr=0.05)
        history = nn.fit(
            net,
            x,
            y,
            loss=loss,
            optimizer=opt,
            epochs=4,
            batch_size=7,
            seed=2,
            progress=False,
            compile=compile_,
        )
        runs.append((history, [p.data for p in net.parameters()]))
    (eager, eager_params), (compiled, compiled_params) = runs
    assert compiled == pytest.approx(eager, rel=1e-9)
    assert compiled_params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)


# -- refusals and errors ---------------------------------------------------------


def test_a_graph_that_depends_on_the_numbers_is_refused_naming_the_difference():
    w = Value(1.0)

    def branchy(x):
        return w * x if x.data > 0 else (w * x).relu()  # a Python if on .data: frozen at trace time

    f = engine.compile(branchy, 1.0)
    with pytest.raises(
        ValueError,
        match=r"different graph for example 1 of the first batch .*: it made 3 nodes where the trace made 2: "
        r"node 2 is relu of nodes \[1\]",
    ):
        f([1.0, -2.0, 3.0])

    def shifted(x):  # the old log-softmax: a number read off the data becomes a constant
        return x[0] - max(v.data for v in x)

    with pytest.raises(
        ValueError,
        match=r"node 2 is add_const with c=-5\.0 of nodes \[0\] where the trace had add_const with c=-2\.0",
    ):
        engine.compile(shifted, [1.0, 2.0], check_args=[([1.0, 5.0],)])


def test_a_class_index_target_that_is_a_value_is_refused():
    net = nn.MLP(2, [3], activation="linear", seed=0)
    with pytest.raises(TypeError, match="one-hot"):
        engine.compile(lambda x, y: nn.cross_entropy(net(x), y), [0.0, 0.0], 1)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda f: f(np.zeros((4, 3)), np.zeros(4)),
            ValueError,
            r"argument 0 \(x\) has shape \(4, 3\); expected \('B', 2\)",
        ),
        (lambda f: f(np.zeros((4, 2))), TypeError, r"traced with 2 argument\(s\), got 1"),
        (
            lambda f: f(np.zeros((4, 2)), np.zeros(5)),
            ValueError,
            r"argument 1 \(y\) has 5 examples, argument 0 has 4",
        ),
        (lambda f: f(np.zeros((0, 2)), np.zeros(0)), ValueError, "the batch is empty"),
        (lambda f: f([["a", "b"]], [1.0]), TypeError, r"argument 0 \(x\) holds a str_; expected a batch"),
        (
            lambda f: f.backward(np.zeros((1, 2)), [1.0], reduction="max"),
            ValueError,
            "reduction must be 'mean' or 'sum'",
        ),
    ],
)
def test_a_batch_of_the_wrong_shape_is_refused(call, error, message):
    f = engine.compile(lambda x, y: x[0] * x[1] + y, [1.0, 2.0], 3.0)
    with pytest.raises(error, match=message):
        call(f)


def test_what_compile_takes_is_checked():
    with pytest.raises(TypeError, match="expected a function"):
        engine.compile(3.0, 1.0)
    with pytest.raises(TypeError, match=r"argument 0 \(x\) holds a str_; expected one example: a number"):
        engine.compile(lambda x: x, "seven")
    with pytest.raises(TypeError, match="must return a Value or a list of Values, got float"):
        engine.compile(lambda x: 2.0, 1.0)


def test_a_domain_error_names_the_op_and_the_example():
    f = engine.compile(lambda x: x.log(), 1.0)
    batch = np.ones(30)
    batch[17] = -0.5
    with pytest.raises(ValueError, match=r"log: expected an input > 0, got -0\.5 in example 17"):
        f(batch)


def test_a_derivative_that_is_not_finite_flows_as_in_eager_backward():
    a = Value(0.0)
    f = engine.compile(lambda x: (a + x).sqrt(), 1.0)
    f.backward([1.0, 0.0])
    assert a.grad == math.inf  # (0.5 + inf)/2, as PyTorch's
    b = Value(0.0)
    (b + 0.0).sqrt().backward()
    assert b.grad == math.inf  # eager gives the same
    a.grad = 0.0
    with (
        engine.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"backward of sqrt .* in example 1"),
    ):
        f.backward([1.0, 0.0])
    assert a.grad == 0.0


def test_detect_anomaly_works_on_compiled_calls():
    f = engine.compile(lambda x: x.exp() * 0.5, 1.0)
    assert f([1000.0]).tolist() == [math.inf]  # overflow is inf, as eager's exp
    with (
        engine.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"exp produced inf .* in example 1"),
    ):
        f([0.0, 1000.0])


def test_compile_traces_with_gradients_on_even_under_no_grad():
    w = Value(2.0)
    with engine.no_grad():
        f = engine.compile(lambda x: w * x, 1.0)
    f.backward([3.0])
    assert w.grad == 3.0


def test_import_engine_needs_no_numpy_and_compile_says_what_to_install():
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import engine, nn\n"
        "try:\n    engine.compile(lambda x: x, 1.0)\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "engine.compile needs numpy" in out and "pip install" in out


# -- optimizers on arrays: nn.fit(compile=True) holds the parameters in one array ---


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=0.1),
        lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: nn.SGD(ps, lr=0.1, weight_decay=0.01),
        lambda ps: nn.Adam(ps, lr=0.01, weight_decay=0.1),
    ],
    ids=["sgd", "sgd-momentum-decay", "sgd-decay", "adam"],
)
def test_step_arrays_gives_the_numbers_step_gives_even_when_mixed(make):
    rng = np.random.default_rng(0)
    on_values, on_arrays = [Value(x) for x in rng.normal(size=5)], [Value(x) for x in rng.normal(size=5)]
    for p, q in zip(on_values, on_arrays, strict=True):
        q.data = p.data
    a, b = make(on_values), make(on_arrays)
    data = np.array([p.data for p in on_arrays])
    for t in range(6):
        g = rng.normal(size=5)
        for p, gi in zip(on_values, g, strict=True):
            p.grad = float(gi)
        a.step()
        if t in (2, 3):  # steps on Values in between: the state carries over both ways
            for p, number, gi in zip(on_arrays, data.tolist(), g, strict=True):
                p.data, p.grad = number, float(gi)
            b.step()
            data = np.array([p.data for p in on_arrays])
        else:
            data = b.step_arrays(data, g)
    assert data.tolist() == pytest.approx([p.data for p in on_values], rel=1e-15, abs=1e-300)


def test_fit_compiled_with_an_optimizer_of_yours_steps_on_the_values():
    class Halving(nn.Optimizer):  # no step_arrays: fit steps it on the Values
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=12)
    runs = []
    for optimizer, compile_ in ((Halving, False), (Halving, True), (nn.SGD, True)):
        net = nn.MLP(3, [1], activation="linear", seed=0)
        history = nn.fit(
            net,
            x,
            y,
            optimizer=optimizer(net.parameters(), lr=0.05),
            epochs=3,
            batch_size=4,
            seed=0,
            progress=False,
            compile=compile_,
        )
        runs.append((history, [x for p in net.parameters() for x in (p.data, p.grad)]))
    for history, params in runs[1:]:
        assert history == pytest.approx(runs[0][0], rel=1e-12)
        assert params == pytest.approx(runs[0][1], rel=1e-12)  # grads: the last step's, as eager leaves them


def test_an_interrupted_compiled_fit_leaves_the_values_where_training_got(monkeypatch):
    from nn import training

    real, calls = training.CompiledSteps.__call__, []

    def interrupted(self, batch):
        calls.append(batch)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, batch)

    monkeypatch.setattr(training.CompiledSteps, "__call__", interrupted)
    net, twin = nn.MLP(2, [1], activation="linear", seed=0), nn.MLP(2, [1], activation="linear", seed=0)
    x, y = np.ones((8, 2)), np.zeros(8)
    with pytest.raises(KeyboardInterrupt):
        nn.fit(net, x, y, epochs=5, batch_size=4, shuffle=False, progress=False, compile=True)
    nn.fit(twin, x[:8], y[:8], epochs=1, batch_size=4, shuffle=False, progress=False)  # the same two steps
    assert [p.data for p in net.parameters()] == pytest.approx([p.data for p in twin.parameters()], rel=1e-12)


def test_fit_compiled_with_a_parameter_the_loss_never_reads():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    runs = []
    for compile_ in (False, True):
        net, spare = nn.MLP(2, [1], activation="linear", seed=0), Value(3.0)
        opt = nn.SGD([*net.parameters(), spare], lr=0.1, weight_decay=0.5)  # decay moves even the spare
        history = nn.fit(
            net, x, y, optimizer=opt, epochs=2, batch_size=5, seed=0, progress=False, compile=compile_
        )
        runs.append((history, [p.data for p in net.parameters()], spare.data, spare.grad))
    (h1, p1, s1, g1), (h2, p2, s2, g2) = runs
    assert h2 == pytest.approx(h1, rel=1e-12) and p2 == pytest.approx(p1, rel=1e-12)
    assert (s2, g2) == (pytest.approx(s1, rel=1e-15), 0.0) and g1 == 0.0 and s1 < 3.0


# -- issue 21: compiled results and errors follow eager's ----------------------------------------


def test_the_one_graph_check_tells_parameters_apart_by_identity_not_by_number():
    table = [Value(0.0) for _ in range(3)]  # equal numbers, three parameters
    f = engine.compile(lambda i, y: (table[int(i.data)] - y) ** 2, 0.0, 1.0)
    with pytest.raises(
        ValueError,
        match=r"node 3 is add of nodes \[an existing Value at .*, 2\] where the trace had add of "
        r"nodes \[an existing Value at",
    ):
        f.backward([0.0, 1.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    assert [p.grad for p in table] == [0.0, 0.0, 0.0]
    # a constant fn makes anew on every trace is the same constant, as before
    g = engine.compile(lambda x: (x - Value(2.0)) ** 2, 1.0)
    assert g.backward([1.0, 2.0, 5.0]) == pytest.approx((1 + 0 + 9) / 3)


def test_threads_sharing_a_compiled_function_each_get_their_own_batch():
    import threading

    w = Value(1.5)
    f = engine.compile(lambda x: w * x, 1.0)
    f([1.0])  # the first batch's check, done
    errors, wrong = [], []

    def work(rows):
        try:
            for _ in range(300):
                out = f(np.arange(rows, dtype=float))
                if out.shape != (rows,) or out[-1] != 1.5 * (rows - 1):
                    wrong.append(out.shape)
        except Exception as error:  # any error is a failure of the test
            errors.append(error)

    threads = [threading.Thread(target=work, args=(rows,)) for rows in (1, 2_000, 7, 50_000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []


def test_non_finite_numbers_flow_through_compiled_backward_as_through_eager():
    w = Value(1.0)

    def fn(x):
        return (w * x).log() * 2.0  # x = 0: log 0 is -inf forward, 1/0 backward

    f = engine.compile(fn, 1.0)
    batch = [1.0, 0.0, 2.0]
    with pytest.raises(ValueError, match="log: expected an input > 0"):
        f(batch)  # outside the domain: refused forward, as eager refuses
    # a nan in example 1 flows to the mean, as eager's does, naming nothing wrongly
    v = Value(1.0)
    g = engine.compile(lambda x: (v * x).sqrt() * (v * x).sqrt(), 1.0)
    g.backward([1.0, 0.0])
    eager = Value(1.0)
    ((eager * 1.0).sqrt() ** 2 * 0.5 + ((eager * 0.0).sqrt() * (eager * 0.0).sqrt()) * 0.5).backward()
    assert math.isnan(v.grad) and math.isnan(eager.grad)
    v.grad = 0.0
    with (
        engine.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"backward of sqrt .* in example 1"),
    ):
        g.backward([1.0, 0.0])


def test_diverging_training_gives_the_same_nan_history_compiled_and_eager():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 2)) * 100, rng.normal(size=8) * 100
    histories = []
    for compile_ in (False, True):
        net = nn.MLP(2, [1], activation="linear", seed=0)
        opt = nn.SGD(net.parameters(), lr=0.5, momentum=0.9)
        histories.append(
            nn.fit(
                net,
                x,
                y,
                optimizer=opt,
                epochs=40,
                batch_size=4,
                shuffle=False,
                progress=False,
                compile=compile_,
            )
        )
    eager, compiled = histories
    assert not math.isfinite(eager[-1]) and not math.isfinite(compiled[-1])
    finite = [i for i, h in enumerate(eager) if math.isfinite(h)]
    assert [math.isfinite(h) for h in compiled] == [math.isfinite(h) for h in eager]
    assert [compiled[i] for i in finite] == pytest.approx([eager[i] for i in finite], rel=1e-9)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ([None, 1.0], TypeError, r"argument 0 \(x\) holds a NoneType; expected a batch"),
        (["1.5"], TypeError, r"holds a str_"),
        ([1 + 2j], TypeError, r"holds a complex"),
        ([10**400], ValueError, r"holds an int too large for a float"),
    ],
)
def test_compile_refuses_what_eager_refuses_naming_the_argument(bad, error, message):
    w = Value(1.0)
    f = engine.compile(lambda x: w * x, 1.0)
    with pytest.raises(error, match=message):
        f(bad)
    with pytest.raises(error, match=message.replace("a batch", "one example")):
        engine.compile(lambda x: w * x, bad[0])
    g = engine.compile(lambda x: w * x[0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"argument 0 \(x\) is ragged"):
        g([[1.0, 2.0], [3.0]])


def test_fit_compiled_for_no_epochs_leaves_the_gradients_alone():
    net = nn.MLP(2, [1], activation="linear", seed=0)
    for p in net.parameters():
        p.grad = 0.25
    nn.fit(net, np.ones((4, 2)), np.zeros(4), epochs=0, progress=False, compile=True)
    assert [p.grad for p in net.parameters()] == [0.25, 0.25, 0.25]


def test_a_share_that_overflows_is_inf_compiled_as_eager_and_anomaly_blames_its_op_and_example():
    a = Value(1e-200)
    f = engine.compile(lambda x: (a * x) * 1e300, 1.0)  # finite forward: a·x is 1 and 1e-200
    f.backward([1.0, 1e200])  # ∂/∂a = 1e300·x: 1e500 overflows in example 1
    eager = Value(1e-200)
    ((eager * 1.0) * 1e300 * 0.5 + (eager * 1e200) * 1e300 * 0.5).backward()
    assert a.grad == eager.grad == math.inf
    a.grad = 0.0
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match=r"backward of mul .* in example 1"):
        f.backward([1.0, 1e200])


@given(
    st.lists(
        st.tuples(
            st.floats(1e3, 1e16), st.sampled_from([-1.0, 1.0]), st.floats(-10, 10, allow_nan=False)
        ).map(lambda t: (t[0] * t[1], t[2], -t[0] * t[1])),
        min_size=1,
        max_size=6,
    )
)
def test_a_compiled_sum_that_cancels_is_eagers_exactly_rounded_sum(rows):
    """engine.sum([x*1e16, x, x*-1e16]) was 1.0 eager and 0.0 compiled."""
    f = engine.compile(lambda x: engine.sum(x), [1.0, 1.0, 1.0])
    batch = np.array(rows, dtype=float)
    assert f(batch).tolist() == [engine.sum([Value(v) for v in row]).data for row in rows]
    g = engine.compile(lambda x, y: engine.dot(x, y), [1.0] * 3, [1.0] * 3)  # both halves per example
    assert g(batch, np.ones_like(batch)).tolist() == [math.fsum(row) for row in rows]


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_any_compiled_sum_is_within_the_documented_bound_of_eagers(row):
    n = len(row)
    f = engine.compile(lambda x: engine.sum(x), [1.0] * n)
    (got,) = f(np.array([row])).tolist()
    exact = math.fsum(row)
    assert abs(got - exact) <= n * 2.0**-49 * abs(exact)  # docs/compile.md; 0 where the terms cancel


@pytest.mark.parametrize(
    "loss, last, y, message",
    [
        (
            "hinge",
            "linear",
            [1.0, -1.0, 0.0, 1.0],
            r"hinge_loss: labels must be -1 or \+1, got 0\.0 in example 2",
        ),
        (
            "binary_cross_entropy",
            "sigmoid",
            [1.0, 0.0, 1.0, 1.5],
            r"binary_cross_entropy: y_true must be a label in \[0, 1\], got 1\.5 in example 3",
        ),
        (
            "binary_cross_entropy",
            "linear",  # a prediction that is no probability
            [1.0, 0.0, 1.0, 0.0],
            r"binary_cross_entropy: y_pred must be a probability in \[0, 1\], got .* in example",
        ),
    ],
)
def test_a_compiled_loss_checks_every_batch_with_eagers_message(loss, last, y, message):
    net = nn.MLP(2, [1], activation=last, seed=0)
    x = np.array([[0.1, 0.2], [0.3, -0.4], [-2.0, 3.0], [5.0, 6.0]])
    loss_fn = nn.losses.LOSSES[loss]
    good = [1.0, 1.0, 1.0, 1.0] if loss == "hinge" else [0.5, 0.5, 0.5, 0.5]
    if last == "linear" and loss == "binary_cross_entropy":
        net.layers[0].neurons[0].w[0].data, net.layers[0].neurons[0].b.data = 0.0, 0.5
        x[2] = [10.0, 0.0]  # with a weight of 1 below: 10.5, no probability
    f = engine.compile(lambda x, y: loss_fn(y, net(x)), x[0], good[0])
    f(x[:2], good[:2])  # the first batch, where the graph is checked: fine
    if last == "linear" and loss == "binary_cross_entropy":
        net.layers[0].neurons[0].w[0].data = 1.0
    with pytest.raises(ValueError, match=message):
        f(x, np.array(y))
    with pytest.raises(ValueError, match=message.split(" in example")[0]):  # eager says the same
        [loss_fn(t, net(list(row))) for row, t in zip(x, y, strict=True)]
    # and fit(compile=True), batch by batch
    with pytest.raises(ValueError, match=message.split(" in example")[0]):
        nn.fit(
            net,
            x,
            np.array(y),
            loss=loss,
            batch_size=2,
            shuffle=False,
            progress=False,
            compile=True,
            epochs=1,
        )


def test_planning_grows_linearly_with_the_number_of_arguments():
    """16,000 scalar arguments took 5.7 s to compile: each was found by a search over the arguments."""

    def compile_with(n):
        return engine.compile(lambda *xs: engine.sum(xs), *([1.0] * n))

    compile_with(10)  # what a first call pays once (imports) is not counted
    costs = [count_lines(lambda n=n: compile_with(n)) for n in (500, 2000)]
    assert costs[1] < 5 * costs[0]  # 4× the arguments: about 4× the work (it was 10×)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_each_ops_array_share_gives_exactly_what_g_times_its_rule_gives(dtype):
    """A Kernel.share (σ's, tanh's) is a speed-up of the rule, never another number."""
    from engine.compiler.kernels import KERNELS

    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan, 1e-300, 1e300])
    with_share = [(op, k.share) for op, k in KERNELS.items() if k.share is not None and not k.columns]
    assert {op.name for op, _ in with_share} >= {"sigmoid", "tanh"}
    with np.errstate(all="ignore"):
        for op, kernel in KERNELS.items():  # one node over a matrix's columns (sum's)
            if kernel.share is None or not kernel.columns:
                continue
            x = np.concatenate([rng.normal(size=(6, 10)), np.tile(special, (1, 1))]).astype(dtype)
            out = kernel.forward(x)
            for g in (rng.normal(size=out.shape).astype(dtype), special[:7, None].astype(dtype),
                      rng.normal(size=(1, 1)).astype(dtype)):  # fmt: skip
                local = op.local_grads(out, *(x[:, j : j + 1] for j in range(x.shape[1])))
                expected = g * np.concatenate(
                    [np.broadcast_to(np.asarray(d, dtype=x.dtype), (1, 1)) for d in local], axis=1
                )
                (got,) = kernel.share(g.copy(), out.copy(), x.copy())
                assert got.dtype == expected.dtype and got.shape == expected.shape, op.name
                nan = np.isnan(expected)
                bits = f"u{got.itemsize}"
                assert np.array_equal(np.isnan(got), nan), op.name
                assert np.array_equal(got.view(bits)[~nan], expected.view(bits)[~nan]), op.name
        for op, share in with_share:
            x = np.concatenate([rng.normal(size=(6, 10)), np.tile(special, (1, 1))]).astype(dtype)
            out = KERNELS[op].forward(x)
            for g in (rng.normal(size=x.shape).astype(dtype), np.tile(special, (7, 1)).astype(dtype),
                      rng.normal(size=(1, 10)).astype(dtype)):  # fmt: skip
                (expected,) = (g * d for d in op.local_grads(out, x))
                (got,) = share(g.copy(), out.copy(), x.copy())
                assert got.dtype == expected.dtype and got.shape == expected.shape
                bits = f"u{got.itemsize}"  # bit for bit, the signs of zeros too (nan's payloads aside)
                nan = np.isnan(expected)
                assert np.array_equal(np.isnan(got), nan), op.name
                assert np.array_equal(got.view(bits)[~nan], expected.view(bits)[~nan]), op.name


def test_a_unit_local_derivative_passes_the_gradient_on_unchanged_and_read_only():
    from engine.compiler.program import times

    g = np.array([[1.5, -0.0, np.nan]])
    same = times(g, 1.0)
    assert np.array_equal(same, g, equal_nan=True) and np.signbit(same[0, 1])
    assert not same.flags.writeable and g.flags.writeable  # g's own array stays writeable
    assert np.array_equal(times(g, 2.0), g * 2.0, equal_nan=True)
    assert times(g, 2.0).flags.writeable
