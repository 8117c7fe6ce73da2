"""fit: the documents' training of the 2-2-1 network on four people, and the loop's contract."""

import pytest

import nn
from engine import Value

# SEEDS.md §4: weight − 135 lb and height − 66 in; 1 for female.
PEOPLE = {"Alice": ([-2, -1], 1), "Bob": ([25, 6], 0), "Charlie": ([17, 4], 0), "Diana": ([-15, -6], 1)}
X = [x for x, _ in PEOPLE.values()]
Y = [y for _, y in PEOPLE.values()]


def test_sgd_training_of_the_documents_network_classifies_all_four_people():
    net = nn.MLP(2, [2, 1], "sigmoid", seed=0)
    history = nn.fit(
        net, X, Y, loss="mse", optimizer=nn.SGD(net.parameters(), lr=0.1), epochs=1000, seed=0, progress=False
    )
    assert len(history) == 1000
    assert history[-1] < history[0] / 20
    assert all(
        later <= earlier * 1.05 for earlier, later in zip(history[::100], history[100::100], strict=False)
    )
    assert [round(net(x).data) for x in X] == Y


def test_history_is_the_mean_loss_over_the_epoch_before_each_update():
    net = nn.Neuron(1, "linear", weights=[0.0], bias=0.0)
    history = nn.fit(
        net,
        [[1.0], [2.0]],
        [1.0, 2.0],
        optimizer=nn.SGD(net.parameters(), lr=0.0),
        epochs=2,
        batch_size=2,
        progress=False,
    )
    assert history == [2.5, 2.5]  # (1² + 2²)/2, nothing moves at lr 0


def test_batches_average_the_loss_of_their_samples():
    def train(batch_size):
        net = nn.Neuron(1, "linear", weights=[0.0], bias=0.0)
        nn.fit(
            net,
            [[1.0], [3.0]],
            [1.0, -1.0],
            optimizer=nn.SGD(net.parameters(), lr=0.1),
            epochs=1,
            batch_size=batch_size,
            shuffle=False,
            progress=False,
        )
        return net.w[0].data, net.b.data

    # One batch of both: ∂/∂w mean((w·x + b − y)²) at 0 = mean(−2·y·x) = (−2·1 + 2·3)/2 = 2.
    assert train(2) == pytest.approx((-0.2, 0.0))
    assert train(1) != train(2)


def test_cross_entropy_training_by_name_or_by_function():
    xs, ys = [[1.0, 0.0], [0.0, 1.0]], [0, 1]
    for loss in ("cross_entropy", nn.cross_entropy):
        net = nn.MLP(2, [2], "linear", seed=0)
        history = nn.fit(
            net, xs, ys, loss=loss, optimizer=nn.Adam(net.parameters(), lr=0.1), epochs=50, progress=False
        )
        assert history[-1] < history[0] / 5
        predicted = [[v.data for v in net(x)] for x in xs]
        assert [scores.index(max(scores)) for scores in predicted] == ys


def test_same_seed_same_training():
    def run():
        net = nn.MLP(2, [3, 1], "tanh", seed=1)
        return nn.fit(
            net, X, Y, optimizer=nn.SGD(net.parameters(), lr=0.01), epochs=5, seed=7, progress=False
        )

    assert run() == run()


def test_progress_bar_shows_the_running_loss(capsys):
    pytest.importorskip("tqdm")
    net = nn.MLP(2, [2, 1], "sigmoid", seed=0)
    nn.fit(net, X, Y, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "12/12" in err


def test_without_tqdm_training_is_silent(monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)  # as if it were not installed
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
    net = nn.MLP(2, [2, 1], "sigmoid", seed=0)
    history = nn.fit(net, X, Y, epochs=2, progress=True)
    assert len(history) == 2
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"targets": Y[:3]}, ValueError, "4 inputs but 3 targets"),
        ({"inputs": [], "targets": []}, ValueError, "at least one sample"),
        ({"epochs": -1}, ValueError, "epochs must be an int >= 0, got -1"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
        ({"loss": "l1"}, ValueError, "unknown loss 'l1'; expected one of mse, binary_cross_entropy"),
        ({"loss": 3}, TypeError, "loss must be a name or a function"),
    ],
)
def test_bad_arguments_name_what_was_wrong(kwargs, error, message):
    arguments = {"inputs": X, "targets": Y, "progress": False, **kwargs}
    with pytest.raises(error, match=message):
        nn.fit(nn.MLP(2, [2, 1], seed=0), arguments.pop("inputs"), arguments.pop("targets"), **arguments)


def test_progress_bar_in_a_notebook_without_widgets_is_tqdms_text_bar_on_stdout(monkeypatch, capsys):
    import importlib.util
    import sys
    import types
    import warnings

    tqdm = pytest.importorskip("tqdm")
    from nn import training

    class ZMQInteractiveShell:  # what a Jupyter kernel's IPython shell is called
        pass

    fake_ipython = types.SimpleNamespace(get_ipython=ZMQInteractiveShell)
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "ipywidgets" else real_find_spec(name)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no TqdmWarning: IProgress not found
        bar = training.progress_bar(3)
    assert type(bar) is tqdm.std.tqdm
    bar.update(3)
    bar.close()
    printed = capsys.readouterr()
    assert "3/3" in printed.out and "3/3" not in printed.err  # in the cell's output, not as an error
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert type(training.progress_bar(1)) is tqdm.std.tqdm  # a terminal: the text bar, on stderr


# -- the seams fit uses: optimizers say how they step, losses what they take, steps to call yourself


def test_an_optimizer_steps_arrays_only_where_step_arrays_is_its_own_step():
    class Clipping(nn.SGD):  # clips in step(): its array step would skip that
        def step(self):
            for p in self.params:
                p.grad = max(-1.0, min(1.0, p.grad))
            super().step()

    class Both(Clipping):  # clips in both: arrays are its own again
        def step_arrays(self, data, grad):
            return super().step_arrays(data, grad.clip(-1.0, 1.0))

    class Mine(nn.Optimizer):
        def step(self):
            pass

    params = nn.Neuron(1).parameters()
    assert nn.SGD(params).steps_arrays and nn.Adam(params).steps_arrays
    assert not Clipping(params).steps_arrays and not Mine(params, lr=0.1).steps_arrays
    assert Both(params).steps_arrays


def test_fit_compiled_runs_the_step_an_optimizer_subclass_overrides():
    np = pytest.importorskip("numpy")
    calls = []

    class Counting(nn.SGD):
        def step(self):
            calls.append(len(self.params))
            super().step()

    runs = []
    for compile_ in (False, True):
        net = nn.MLP(2, [2, 1], "sigmoid", seed=0)
        opt = Counting(net.parameters(), lr=0.5)
        history = nn.fit(
            net,
            np.array(X, float),
            np.array(Y, float),
            optimizer=opt,
            epochs=3,
            batch_size=2,
            shuffle=False,
            progress=False,
            compile=compile_,
        )
        runs.append(history)
    assert len(calls) == 2 * 3 * 2  # eager and compiled: every step went through the user's step()
    assert runs[1] == pytest.approx(runs[0], rel=1e-12)


def test_losses_are_records_found_by_name_or_function():
    from nn.losses import LOSSES, Loss, as_loss

    assert as_loss("mse") is LOSSES["mse"] and as_loss(nn.cross_entropy) is LOSSES["cross_entropy"]
    assert LOSSES["cross_entropy"].class_targets and not LOSSES["mse"].class_targets
    assert LOSSES["cross_entropy"](1, [0.0, 0.0]).data == pytest.approx(0.6931471805599453)
    mine = as_loss(lambda t, p: (p - t) ** 2)
    assert isinstance(mine, Loss) and mine(1.0, Value(3.0)).data == 4.0
    with pytest.raises(ValueError, match="unknown loss 'l2'; expected one of mse, "):
        as_loss("l2")


def test_steps_trains_in_a_loop_of_your_own_and_writes_back_when_closed():
    np = pytest.importorskip("numpy")
    x, y = np.array(X, float), np.array(Y, float)
    net, twin = nn.MLP(2, [2, 1], "sigmoid", seed=0), nn.MLP(2, [2, 1], "sigmoid", seed=0)
    with nn.training.steps(net, x, y, "mse", nn.SGD(net.parameters(), lr=0.5), compile=True) as step:
        losses = [step([0, 1]), step([2, 3])]
        inside = [p.data for p in net.parameters()]  # held in an array: read, its current numbers
        assert inside != [p.data for p in twin.parameters()]
    assert [p.data for p in net.parameters()] == inside  # written back
    history = nn.fit(
        twin,
        x,
        y,
        optimizer=nn.SGD(twin.parameters(), lr=0.5),
        epochs=1,
        batch_size=2,
        shuffle=False,
        progress=False,
    )
    assert history == [pytest.approx(sum(losses) / 2, rel=1e-12)]
    assert [p.data for p in net.parameters()] == pytest.approx([p.data for p in twin.parameters()], rel=1e-12)


def test_fit_refuses_an_optimizer_that_is_not_one():
    net = nn.Neuron(2)
    with pytest.raises(TypeError, match=r"optimizer must be an nn.Optimizer .*got list"):
        nn.fit(net, X, Y, optimizer=[nn.SGD(net.parameters())], progress=False)
