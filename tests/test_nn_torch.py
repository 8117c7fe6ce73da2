"""The PyTorch bridge, and optimizers that follow PyTorch's trajectories step for step."""

import random

import pytest

import nn

torch = pytest.importorskip("torch")


def random_inputs(n, nin, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "prelu"])
def test_to_torch_computes_the_same_function_to_1e12(activation):
    net = nn.MLP(3, [4, 4, 2], activation, seed=1)
    if activation == "prelu":  # distinct slopes, so a mix-up between neurons would show
        for j, p in enumerate(p for name, p in net.named_parameters() if name.endswith(".a")):
            p.data = 0.1 + 0.05 * j
    xs = random_inputs(10, 3)
    theirs = net.to_torch()(torch.tensor(xs, dtype=torch.float64)).tolist()  # a batch, rows = examples
    for x, row in zip(xs, theirs, strict=True):
        assert [v.data for v in net(x)] == pytest.approx(row, rel=1e-12, abs=1e-12)


def test_to_torch_of_a_neuron_and_a_layer():
    neuron = nn.Neuron(2, "sigmoid", weights=[0, 1], bias=4)
    assert neuron.to_torch()(torch.tensor([2.0, 3.0], dtype=torch.float64)).item() == pytest.approx(
        0.9990889488055994, rel=1e-15
    )
    layer = nn.Layer(2, 3, "tanh", seed=0)
    theirs = layer.to_torch()(torch.tensor([0.5, -1.0], dtype=torch.float64)).tolist()
    assert [v.data for v in layer([0.5, -1.0])] == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("activation", [None, "sigmoid", "tanh", "leaky_relu", "prelu"])
def test_from_torch_reads_back_what_to_torch_wrote(activation):
    net = nn.MLP(3, [5, 2], activation, seed=2)
    back = nn.MLP.from_torch(net.to_torch())
    assert back.config() == net.config()
    assert back.state_dict() == net.state_dict()


def test_from_torch_reads_a_model_built_in_torch():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.Identity(), torch.nn.PReLU()
    )
    net = nn.MLP.from_torch(seq)
    assert net.config() == {"nin": 4, "nouts": [8, 3], "activation": ["relu", "prelu"]}
    x = random_inputs(1, 4)[0]
    theirs = seq.double()(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert [v.data for v in net(x)] == pytest.approx(theirs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Softmax(dim=0)], r"module 1 \(Softmax.*cannot be mapped"),
        (lambda: [torch.nn.ReLU()], "an activation must follow a Linear layer"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()], "only one per layer"),
        (
            lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)],
            "takes 4 inputs but the layer before gives 3",
        ),
        (lambda: [torch.nn.Linear(2, 3, bias=False)], "a Linear without bias cannot be mapped"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)], "slope 0.01, this one 0.2"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.PReLU(2)], "PReLU needs 1 or 3 slopes"),
        (lambda: [], "holds no Linear layer"),
    ],
)
def test_from_torch_names_the_module_it_cannot_map(modules, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_torch(torch.nn.Sequential(*modules()))


def test_bridge_errors():
    with pytest.raises(TypeError, match=r"from_torch takes a torch\.nn\.Sequential, got Linear"):
        nn.MLP.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"step has no torch\.nn module"):
        nn.Neuron(2, "step").to_torch()


OPTIMIZERS = {
    "sgd": (lambda p: nn.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd-momentum-decay": (
        lambda p: nn.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
    ),
    "adam": (lambda p: nn.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam-betas-decay": (
        lambda p: nn.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_trajectory_equals_pytorchs(name):
    ours_opt, theirs_opt = OPTIMIZERS[name]
    net = nn.MLP(3, [4, 2], "tanh", seed=3)
    seq = net.to_torch()
    opt, topt = ours_opt(net.parameters()), theirs_opt(seq.parameters())
    xs, ys = random_inputs(5, 3, seed=4), random_inputs(5, 2, seed=5)
    for step in range(6):
        x, y = xs[step % 5], ys[step % 5]
        opt.zero_grad()
        nn.mse_loss(y, net(x)).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.functional.mse_loss(
            seq(torch.tensor(x, dtype=torch.float64)), torch.tensor(y, dtype=torch.float64)
        ).backward()
        topt.step()
        back = nn.MLP.from_torch(seq).state_dict()
        ours = net.state_dict()
        assert list(ours.values()) == pytest.approx(list(back.values()), rel=1e-12, abs=1e-14), f"step {step}"
    assert ours != nn.MLP(3, [4, 2], "tanh", seed=3).state_dict()  # it did move
