"""Random networks, compared with PyTorch: every parameter's gradient, and save/load round trips."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn

SMOOTH = ["linear", "sigmoid", "tanh", "prelu"]  # no kinks: finite differences and torch agree everywhere
numbers = st.floats(-2.0, 2.0, allow_nan=False)


@st.composite
def networks(draw, activations=tuple(SMOOTH)):
    """(MLP, one input) with 1–3 layers of 1–4 neurons and a random activation per layer."""
    nin = draw(st.integers(1, 4))
    nouts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    names = draw(st.lists(st.sampled_from(activations), min_size=len(nouts), max_size=len(nouts)))
    net = nn.MLP(nin, nouts, names, seed=draw(st.integers(0, 2**32)))
    x = draw(st.lists(numbers, min_size=nin, max_size=nin))
    return net, x


def outputs(out):
    return out if isinstance(out, list) else [out]


@given(networks(activations=(*SMOOTH, "relu", "leaky_relu")))
def test_every_parameter_gradient_equals_pytorchs(case):
    torch = pytest.importorskip("torch")
    net, x = case
    loss = nn.mse_loss([0.5] * net.nouts[-1], outputs(net(x)))
    loss.backward()
    seq = net.to_torch()
    out = seq(torch.tensor([x], dtype=torch.float64))[0]
    reference = torch.nn.functional.mse_loss(out, torch.full_like(out, 0.5))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-15)
    assert [p.grad for p in net.parameters()] == pytest.approx(torch_grads(seq), rel=1e-9, abs=1e-12)


def torch_grads(seq):
    """torch's gradients, one number per parameter, in the order of our parameters():
    each neuron's weights, its bias, then its prelu slope if it has one."""
    import torch

    layers = []  # [Linear, PReLU or None]
    for module in seq:
        if isinstance(module, torch.nn.Linear):
            layers.append([module, None])
        elif isinstance(module, torch.nn.PReLU):
            layers[-1][1] = module
    grads = []
    for linear, prelu in layers:
        for j in range(linear.out_features):
            grads += [*linear.weight.grad[j].tolist(), linear.bias.grad[j].item()]
            if prelu is not None:
                grads.append(prelu.weight.grad[j].item())
    return grads


@given(networks())
def test_every_parameter_gradient_passes_gradcheck(case):
    """Finite differences on the parameters themselves, through the whole network."""
    net, x = case
    params = net.parameters()
    start = [p.data for p in params]
    loss = nn.mse_loss([0.5] * net.nouts[-1], outputs(net(x)))
    loss.backward()
    eps = 1e-6
    for p, p0 in zip(params, start, strict=True):
        p.data = p0 + eps
        up = nn.mse_loss([0.5] * net.nouts[-1], outputs(net(x))).data
        p.data = p0 - eps
        down = nn.mse_loss([0.5] * net.nouts[-1], outputs(net(x))).data
        p.data = p0
        assert math.isclose(p.grad, (up - down) / (2 * eps), rel_tol=1e-4, abs_tol=1e-7), p.label


@given(networks(activations=(*SMOOTH, "relu", "leaky_relu", "step")))
def test_save_load_round_trip_gives_the_same_function(tmp_path_factory, case):
    net, x = case
    path = tmp_path_factory.mktemp("models") / "net.json"
    nn.save(net, path)
    back = nn.load(path)
    assert back.state_dict() == net.state_dict()
    assert [v.data for v in outputs(back(x))] == [v.data for v in outputs(net(x))]
