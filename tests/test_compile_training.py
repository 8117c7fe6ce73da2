"""engine.compile for whole training runs: float32, the training block (your own loop
at fit's speed), the proof of one graph that replaces re-tracing, a plan made in one
pass, the program it writes, and fit reusing its compiled step."""

import os
import pathlib
import random
import re

import pytest

np = pytest.importorskip("numpy")

import engine  # noqa: E402
import nn  # noqa: E402
from engine import Value  # noqa: E402
from tests.conftest import count_lines  # noqa: E402


def documents_network(seed=0):
    return nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=seed)


def batch(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)), np.eye(10)[rng.integers(0, 10, n)]


def eager_step(net, x, y, loss=nn.mse_loss):
    """The eager mean loss of a batch and every parameter's gradient."""
    for p in net.parameters():
        p.grad = 0.0
    mean = engine.sum([loss(t.tolist(), net(row.tolist())) for row, t in zip(x, y, strict=True)]) * (
        1 / len(x)
    )
    mean.backward()
    return mean.data, [p.grad for p in net.parameters()]


def normwise(got, want, rel):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return bool(np.all(np.abs(got - want) <= rel * np.max(np.abs(want))))


# -- float32 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss", [nn.mse_loss, nn.cross_entropy, nn.binary_cross_entropy], ids=["mse", "cross_entropy", "bce"]
)
def test_float32_gives_eager_numbers_to_1e_5(loss):
    net = documents_network()
    x, y = batch()
    if loss is nn.cross_entropy:
        fn = lambda a, b: loss(net(a), b)  # noqa: E731 - logits first, one-hot target
        want_loss, want_grads = eager_step(net, x, y, lambda t, p: loss(p, t))
    else:
        fn = lambda a, b: loss(b, net(a))  # noqa: E731
        want_loss, want_grads = eager_step(net, x, y, loss)
    f = engine.compile(fn, x[0], y[0], dtype="float32")
    got_loss, got_grads = f.gradient(f.read_leaves(), x, y)
    assert got_grads.dtype == np.float32 and f(x, y).dtype == np.float32 and f.dtype == "float32"
    assert got_loss == pytest.approx(want_loss, rel=1e-5)
    position = {p: i for i, p in enumerate(f.leaves)}
    got = [got_grads[position[p]] for p in net.parameters()]
    assert normwise(got, want_grads, 1e-5)


def test_fit_in_float32_follows_eager_fit():
    rng = np.random.default_rng(3)
    x, y = rng.random((96, 784)), rng.random((96, 10))
    runs = {}
    for mode in ("eager", "float32"):
        net = documents_network()
        runs[mode] = nn.fit(
            net, x, y, "mse", nn.SGD(net.parameters(), lr=0.5), epochs=3, batch_size=32, seed=1,
            progress=False, compile=mode != "eager", dtype="float64" if mode == "eager" else mode,
        )  # fmt: skip
        runs[mode, "params"] = [p.data for p in net.parameters()]
    assert runs["float32"] == pytest.approx(runs["eager"], rel=1e-5)
    assert normwise(runs["float32", "params"], runs["eager", "params"], 1e-5)


def test_a_dtype_other_than_float64_or_float32_is_refused_by_name():
    with pytest.raises(ValueError, match=r"dtype must be 'float64' or 'float32', got 'float16'"):
        engine.compile(lambda x: x * 2, 1.0, dtype="float16")
    with pytest.raises(ValueError, match=r"dtype must be 'float64' or 'float32', got 'half'"):
        nn.fit(nn.Neuron(1), [[1.0]], [1.0], compile=True, dtype="half", progress=False)
    with pytest.raises(ValueError, match=r"dtype='float32' needs compile=True"):
        nn.fit(nn.Neuron(1), [[1.0]], [1.0], dtype="float32", progress=False)
    assert engine.compile(lambda x: x * 2, 1.0, dtype=np.float32).dtype == "float32"


# -- the training block ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [lambda ps: nn.SGD(ps, lr=0.3, momentum=0.9), lambda ps: nn.Adam(ps, lr=0.01)],
    ids=["sgd", "adam"],
)
def test_the_training_block_is_the_loop_on_values_with_the_parameters_in_one_array(make):
    x, y = batch(48)
    nets = [documents_network(), documents_network()]
    fs = [engine.compile(lambda a, b, net=net: nn.mse_loss(b, net(a)), x[0], y[0]) for net in nets]
    on_values, in_block = (make(net.parameters()) for net in nets)
    losses = []
    for rows in (slice(0, 16), slice(16, 32), slice(32, 48)):
        on_values.zero_grad()
        losses.append(fs[0].backward(x[rows], y[rows]))
        on_values.step()
    before = [p.data for p in nets[1].parameters()]
    with fs[1].training(in_block) as train:
        got = [train(x[rows], y[rows]) for rows in (slice(0, 16), slice(16, 32), slice(32, 48))]
        now = [p.data for p in nets[1].parameters()]  # read inside: the array's numbers, not stale ones
        assert now != before and now == train.numbers().tolist()
    assert got == pytest.approx(losses, rel=1e-12) and train.steps == 3 and train.loss == got[-1]
    for p, q in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        assert q.data == pytest.approx(p.data, rel=1e-12, abs=1e-15)
        assert q.grad == pytest.approx(p.grad, rel=1e-12, abs=1e-15)  # the last step's, as on Values


def test_a_block_that_does_not_hold_leaves_the_values_as_they_were_until_it_ends():
    x, y = batch(32)
    nets = [documents_network(), documents_network()]
    fs = [engine.compile(lambda a, b, net=net: nn.mse_loss(b, net(a)), x[0], y[0]) for net in nets]
    optimizers = [nn.SGD(net.parameters(), lr=0.5) for net in nets]
    before = [p.data for p in nets[1].parameters()]
    with fs[0].training(optimizers[0]) as held, fs[1].training(optimizers[1], hold=False) as not_held:
        for rows in (slice(0, 16), slice(16, 32)):
            assert held(x[rows], y[rows]) == not_held(x[rows], y[rows])
        assert [p.data for p in nets[1].parameters()] == before  # not held: the numbers from before
        assert {type(p) for p in nets[1].parameters()} == {Value}
        assert [p.data for p in nets[0].parameters()] == held.numbers().tolist() != before
    for p, q in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        assert (q.data, q.grad) == (p.data, p.grad) and type(q) is Value
    assert [p.data for p in nets[1].parameters()] != before


def test_the_block_writes_back_on_an_exception_and_on_ctrl_c():
    x, y = batch(32)
    for error in (ValueError, KeyboardInterrupt):
        net, twin = documents_network(), documents_network()
        f = engine.compile(lambda a, b, net=net: nn.mse_loss(b, net(a)), x[0], y[0])
        optimizer = nn.SGD(net.parameters(), lr=0.5)
        with pytest.raises(error), f.training(optimizer) as train:
            train(x[:16], y[:16])
            raise error
        nn.fit(twin, x[:16], y[:16], "mse", nn.SGD(twin.parameters(), lr=0.5), epochs=1, batch_size=16,
               shuffle=False, progress=False)  # fmt: skip
        assert [p.data for p in net.parameters()] == pytest.approx(
            [p.data for p in twin.parameters()], rel=1e-12
        )
        with pytest.raises(RuntimeError, match="this block has ended"):
            train(x[:16], y[:16])


def test_the_block_steps_parameters_in_any_order_and_ones_the_loss_never_reads():
    x, y = batch(32)
    net, twin = documents_network(), documents_network()
    spare, spare_twin = Value(2.0), Value(2.0)
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), x[0], y[0])
    g = engine.compile(lambda a, b: nn.mse_loss(b, twin(a)), x[0], y[0])
    shuffled = [spare, *reversed(net.parameters())]  # not the order the graph reads them in
    mine = nn.SGD(shuffled, lr=0.2, weight_decay=0.1)  # decay moves even the spare
    theirs = nn.SGD([spare_twin, *reversed(twin.parameters())], lr=0.2, weight_decay=0.1)
    with f.training(mine) as train:
        for rows in (slice(0, 16), slice(16, 32)):
            train(x[rows], y[rows])
    for rows in (slice(0, 16), slice(16, 32)):
        theirs.zero_grad()
        g.backward(x[rows], y[rows])
        theirs.step()
    assert spare.data == spare_twin.data != 2.0 and spare.grad == 0.0
    assert [p.data for p in net.parameters()] == pytest.approx([p.data for p in twin.parameters()], rel=1e-12)


def test_the_block_steps_an_optimizer_of_yours_on_its_values_and_refuses_what_is_none():
    class Halving(nn.Optimizer):  # only step(): stepped on the Values, each step
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    w = Value(1.0)
    f = engine.compile(lambda x: (w * x - 1.0) ** 2, 0.0)
    with f.training(Halving([w], lr=0.1)) as train:
        train(np.array([2.0]))
        assert w.data == pytest.approx(1.0 - 0.1 * 2 * (2.0 - 1.0) * 2.0)  # on the Value at once
    with pytest.raises(TypeError, match=r"training: expected an optimizer .*got list"):
        f.training([w])


# -- one graph, proved while tracing ---------------------------------------------------


def test_a_function_that_looks_at_no_number_is_traced_twice_and_never_again():
    calls = []
    w = Value(0.5)

    def fn(x):
        calls.append(1)
        return (w * x).tanh()

    f = engine.compile(fn, 1.0)
    assert len(calls) == 2 and f.proved and f.one_graph.startswith("proved while tracing")
    f.backward(np.arange(5.0))
    f(np.arange(7.0))
    assert len(calls) == 2  # the first batch needs no more traces


@pytest.mark.parametrize(
    "look, what, example, other",
    [
        (
            lambda v: v * (2.0 if v.data > 0 else 3.0),
            "a number computed from the arguments was read",
            1.0,
            -1.0,
        ),
        (lambda v: (print(v), v * 2)[1], "a number computed from the arguments was read", 1.0, None),  # repr
        (lambda v: v + v.detach(), "a number computed from the arguments was read", 1.0, 5.0),
        (lambda v: _caught_log(v), "log raised an error", -1.0, 2.0),
        (lambda v: _under_no_grad(v), "under no_grad() became a constant", 1.0, 5.0),
    ],
    ids=["if", "print", "detach", "caught", "no_grad"],
)
def test_a_function_that_looks_at_a_number_is_checked_on_the_first_batch(look, what, example, other, capsys):
    f = engine.compile(look, example)
    assert not f.proved and f.one_graph.startswith("checked on the first batch") and what in f.one_graph
    assert "test_compile_training.py" in f.one_graph  # the line that looked
    f(np.array([example, example]))  # the same graph at these: no refusal
    if other is not None:  # a number frozen, or a branch taken by it: another example differs
        with pytest.raises(ValueError, match="different graph for example 0 of the first batch"):
            engine.compile(look, example)(np.array([other, example]))


def _caught_log(v):
    try:
        return v.log()
    except ValueError:
        return v


def _under_no_grad(v):
    with engine.no_grad():
        c = v * 2
    return v + c


def test_a_graph_that_changes_from_call_to_call_is_refused_at_once():
    calls = []

    def counter(x):  # no number looked at, yet another graph on each call
        calls.append(1)
        return x * len(calls)

    with pytest.raises(ValueError, match=r"different graph for a second call .*node 1 is mul_const with c=2"):
        engine.compile(counter, 1.0)

    def dropout(x):  # Python's randomness: frozen by a trace, so refused (with this seed, at once)
        return [v * (0.0 if random.random() < 0.5 else 2.0) for v in x]

    random.seed(0)
    with pytest.raises(ValueError, match="different graph for a second call"):
        engine.compile(dropout, [1.0] * 20)


def test_the_one_graph_check_of_a_looking_function_still_refuses_what_differs():
    f = engine.compile(lambda x: x * 2 if x.data > 0 else x * 3, 1.0)
    with pytest.raises(ValueError, match="different graph for example 0 of the first batch"):
        f(np.array([-1.0, 1.0]))


# -- the plan: one pass, the program, fit's reuse ------------------------------------------


def test_the_plan_walks_the_graph_once_and_numbers_the_parameters_as_the_model_does(monkeypatch):
    import engine.compiler.compiled as compiled

    walks = []
    real = compiled.topological_order
    monkeypatch.setattr(compiled, "topological_order", lambda *a: walks.append(1) or real(*a))
    net = documents_network()
    x, y = batch(8)
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), x[0], y[0])
    assert walks == []  # the trace made its nodes in order: no walk from the outputs
    assert all(a is b for a, b in zip(f.leaves, net.parameters(), strict=True))  # parameters() order
    z = net.layers[0].neurons[0].w[0] * 1.0  # a node made before: then one walk
    g = engine.compile(lambda a: z + a, 1.0)
    assert walks == [1] and g(np.array([1.0])).tolist() == [z.data + 1.0]


def test_compiling_grows_linearly_with_the_graph():
    def compile_mlp(width):
        net = nn.MLP(20, [width, 4], activation="tanh", seed=0)
        return engine.compile(lambda x, y: nn.mse_loss(y, net(x)), [0.0] * 20, [0.0] * 4)

    compile_mlp(4)  # what a first call pays once (imports) is not counted
    small, big = (count_lines(lambda w=w: compile_mlp(w)) for w in (50, 400))
    assert big < 9 * small  # 8× the parameters: at most about 8× the lines run


def test_the_program_is_the_plan_written_out():
    net = documents_network()
    x, y = batch(4)
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), x[0], y[0])
    assert f.source.startswith("def run(B0, B1, B2, rows, seed, backward, IX=None):")
    # given the data's rows, the first layer gathers its 784 pixels in chunks (nothing else reads them)
    assert "I3_1, B3 = gather_product(I3_1, IX, I3_0)" in f.source
    assert "B2 = np.take(B2, IX, axis=0)" in f.source and "B1 = np.take" not in f.source
    products = re.findall(r"= \S+ @ ", f.source)
    assert len(products) == 3 + 2  # forward, ∂X of the two layers past the first
    # ∂W of each layer written by BLAS straight into its place in the live gradient
    assert len(re.findall(r"np.matmul\(G\d+.T, LW, out=GL\[", f.source)) == 3
    assert "reshape(16, 785)[:, :784]" in f.source  # layer 1's weights: a view of the parameters
    seconds = f.seconds
    assert set(seconds) == {"trace", "check", "plan"} and all(s > 0 for s in seconds.values())
    assert f.nodes == 13_954 and "13954 nodes" in repr(f)


GOLDEN = pathlib.Path(__file__).parent / "golden" / "program_documents_network.txt"


def test_the_program_written_for_the_documents_network_is_the_golden_one():
    """What the writer writes, kept in review: a change to the generated program shows as a
    diff of this file. To accept one: CHAINRULE_GOLDEN=write pytest -k golden_one."""
    net = documents_network()
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), np.zeros(784), np.zeros(10))
    if os.environ.get("CHAINRULE_GOLDEN") == "write":
        GOLDEN.write_text(f.source)
    assert f.source == GOLDEN.read_text(), "the generated program changed: see the test's docstring"


def test_the_program_docstring_shows_the_start_of_the_golden_program():
    import engine.compiler.program as program

    example = program.__doc__.split("def run(", 1)[1].split("...", 1)[0]
    lines = [line.strip() for line in ("def run(" + example).splitlines() if line.strip()]
    golden = [line.strip() for line in GOLDEN.read_text().splitlines()]
    assert lines == golden[: len(lines)]


def test_every_name_the_program_uses_is_in_the_legend_and_names_runs_its_source_again():
    """program.py's legend explains each generated name; Program.names defines the same run."""
    import re

    import engine.compiler.program as program

    net = documents_network()
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), np.zeros(784), np.zeros(10))
    code = re.sub(r"#.*", "", GOLDEN.read_text())  # the names the code uses, not its comments
    written = set(re.findall(r"(?<![.\w])([A-Z]+)\d*(?:_\d+)?\b", code))
    legend = program.__doc__.split("The names:", 1)[1].split("Forward runs", 1)[0]
    assert written, "the golden program names nothing?"
    for prefix in sorted(written):
        assert re.search(rf"\b{prefix}(\d|…|k_j|\b)", legend), f"{prefix} is not in program.py's legend"
    scope = dict(f._program.names)
    exec(compile(f.source, "<again>", "exec"), scope)
    rng = np.random.default_rng(0)
    live = f.read_leaves().reshape(1, -1)
    x, y = rng.random((5, 784)), rng.random((5, 10))
    again = scope["run"](live, x, y, 5, 0.2, True)
    first = f._program.run(live, x, y, 5, 0.2, True)
    assert np.array_equal(again[0], first[0]) and np.array_equal(again[1], first[1])


def test_fit_twice_on_the_same_model_and_loss_compiles_once(monkeypatch):
    import engine.compiler.compiled as compiled

    plans = []
    real = compiled.Compiled._plan
    monkeypatch.setattr(compiled.Compiled, "_plan", lambda self, *a: plans.append(1) or real(self, *a))
    net = nn.MLP(3, [4, 1], activation="tanh", seed=0)
    x, y = np.random.default_rng(0).random((8, 3)), np.random.default_rng(1).random(8)
    train = lambda loss="mse": nn.fit(net, x, y, loss, epochs=2, batch_size=4, progress=False, compile=True)  # noqa: E731
    first = train()
    second = train()
    assert len(plans) == 1 and second[0] < first[0]  # reused, and training went on from where it was
    train(lambda t, p: (p - t) ** 2)  # another loss: its own plan
    assert len(plans) == 2
    net.layers[0].neurons[0].w[0] = Value(0.3)  # another parameter in the graph: not the same graph
    train()
    assert len(plans) == 3

    def looking(t, p):  # reads a number: its graph is checked on its first batch, each fit anew
        return (p - t) ** 2 if t.data > -1e9 else p

    train(looking)
    train(looking)
    assert len(plans) == 5

    def choosing(t, p):  # reads the prediction's number, which training changes: refused, not cached
        return (p - t) ** 2 if p.data > -1e9 else p

    with pytest.raises(ValueError, match=r"the number of a parameter .* was read"):
        train(choosing)


def test_a_compiled_model_is_freed_like_any_other():
    import gc
    import weakref

    net = nn.MLP(3, [2, 1], seed=0)
    nn.fit(net, [[0.0, 1.0, 2.0]], [1.0], epochs=1, progress=False, compile=True)
    gone = weakref.ref(net)
    del net
    gc.collect()
    assert gone() is None  # fit's cache holds its model weakly


def test_compiling_pauses_the_cycle_collector_and_leaves_it_as_it_was():
    import gc

    seen = []
    w = Value(1.0)

    def fn(x):
        seen.append(gc.isenabled())
        return w * x

    engine.compile(fn, 1.0)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(TypeError):
            engine.compile(lambda x: "not a Value", 1.0)
        assert not gc.isenabled()  # off before, off after, an error or not
    finally:
        gc.enable()
    with pytest.raises(TypeError):
        engine.compile(lambda x: "not a Value", 1.0)
    assert gc.isenabled()


# -- the data and the batch's rows: the program gathers them ------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_batch_given_as_the_datas_rows_is_the_batch_gathered(dtype):
    """gradient(live, X, Y, rows=r) is gradient(live, X[r], Y[r]): the first layer's rows are
    gathered in chunks of GATHER_ROWS and multiplied chunk by chunk (the same dot products, to
    rounding), the targets' gathered whole."""
    from engine.compiler.program import GATHER_ROWS

    net = documents_network()
    x, y = batch(300)
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), x[0], y[0], dtype=dtype)
    live = f.read_leaves()
    rows = np.random.default_rng(1).permutation(300)[: 3 * GATHER_ROWS + 9]  # a last chunk of 9
    rows[5] = -1  # an index from the end, as numpy's
    loss, grad = f.gradient(live, x, y, rows=rows)
    expected_loss, expected = f.gradient(live, x[rows], y[rows])
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert loss == pytest.approx(expected_loss, rel=tolerance)
    assert grad.dtype == expected.dtype and np.allclose(grad, expected, rtol=tolerance, atol=tolerance * 1e-3)
    assert np.abs(grad).max() > 0


def test_gather_product_gathers_exactly_and_multiplies_chunk_by_chunk():
    from engine.compiler.program import GATHER_ROWS, gather_product

    rng = np.random.default_rng(0)
    data, w = rng.normal(size=(500, 30)), rng.normal(size=(7, 30))
    rows = rng.integers(-500, 500, 2 * GATHER_ROWS + 3)
    x, out = gather_product(data, rows, w)
    assert np.array_equal(x, data[rows])
    assert np.allclose(out, data[rows] @ w.T, rtol=1e-13, atol=1e-13)


def test_rows_that_are_not_the_datas_are_refused_naming_the_range():
    net = documents_network()
    x, y = batch(20)
    f = engine.compile(lambda a, b: nn.mse_loss(b, net(a)), x[0], y[0])
    live = f.read_leaves()
    with pytest.raises(IndexError, match=r"rows must be in \[-20, 20\), the data's 20 examples; got 20"):
        f.gradient(live, x, y, rows=[0, 20])
    with pytest.raises(IndexError, match=r"got -21"):
        f.gradient(live, x, y, rows=[-21])
    with pytest.raises(TypeError, match=r"rows must be a 1-D array of integers .* got 1-D float64"):
        f.gradient(live, x, y, rows=[0.5])
    with pytest.raises(TypeError, match=r"got 2-D int"):
        f.gradient(live, x, y, rows=[[0, 1]])
    with pytest.raises(ValueError, match=r"the batch is empty"):
        f.gradient(live, x, y, rows=[])


def test_the_block_takes_the_datas_rows_on_arrays_and_on_values():
    class Halving(nn.SGD):  # its own step(): stepped on its Values
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    x, y = batch(40)
    rows = np.arange(39, -1, -3)
    for make in (lambda ps: nn.SGD(ps, lr=0.5), lambda ps: Halving(ps, lr=0.5)):
        nets = [documents_network(), documents_network()]
        fs = [engine.compile(lambda a, b, net=net: nn.mse_loss(b, net(a)), x[0], y[0]) for net in nets]
        with fs[0].training(make(nets[0].parameters())) as by_rows:
            got = by_rows(x, y, rows=rows)
        with fs[1].training(make(nets[1].parameters())) as gathered:
            expected = gathered(x[rows], y[rows])
        assert got == pytest.approx(expected, rel=1e-12)
        for p, q in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
            assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-15)
