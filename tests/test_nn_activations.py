"""Activations and softmax: values, derivatives (by gradcheck), stability, and PyTorch's numbers."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value, gradients
from engine.testing import gradcheck

# Points away from every kink (0) where each activation is differentiable.
POINTS = [-3.0, -0.4, 0.3, 2.5]


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "step"])
@pytest.mark.parametrize("z", POINTS)
def test_activation_derivative_passes_gradcheck(name, z):
    gradcheck(nn.ACTIVATIONS[name], [z])


@pytest.mark.parametrize("z", POINTS)
@pytest.mark.parametrize("a", [0.25, -0.5, 1.5])
def test_prelu_derivatives_in_input_and_slope_pass_gradcheck(z, a):
    gradcheck(nn.prelu, [z, a])


def test_step_has_zero_derivative_everywhere_it_has_one():
    for z in POINTS:
        x = Value(z)
        nn.step(x).backward()
        assert x.grad == 0.0
    assert [nn.step(z).data for z in (-1.0, 0.0, 1e-9)] == [0.0, 0.0, 1.0]


def test_sigmoid_derivative_is_the_documents_formula():
    for z in POINTS:
        x = Value(z)
        y = nn.sigmoid(x)
        y.backward()
        assert x.grad == y.data * (1 - y.data)  # f'(x) = f(x)(1 − f(x)), exactly the rule


def test_leaky_relu_slope_is_one_hundredth():
    x = Value(-2.0)
    y = nn.leaky_relu(x)
    y.backward()
    assert (y.data, x.grad) == (-0.02, 0.01)


logit_lists = st.lists(st.floats(-1000, 1000), min_size=1, max_size=8)


@given(logit_lists)
def test_softmax_is_a_probability_distribution(zs):
    ps = [p.data for p in nn.softmax(zs)]
    assert all(0.0 <= p <= 1.0 for p in ps)
    assert math.fsum(ps) == pytest.approx(1.0, abs=1e-12)


@given(logit_lists)
def test_log_softmax_is_finite_and_agrees_with_softmax(zs):
    logs = [v.data for v in nn.log_softmax(zs)]
    assert all(math.isfinite(v) and v <= 1e-12 for v in logs)
    for log_p, p in zip(logs, nn.softmax(zs), strict=True):
        if p.data > 1e-300:
            assert log_p == pytest.approx(math.log(p.data), rel=1e-9, abs=1e-12)


def test_softmax_of_huge_logits_does_not_overflow():
    assert [p.data for p in nn.softmax([1000.0, -1000.0, 1000.0])] == [0.5, 0.0, 0.5]
    assert [v.data for v in nn.log_softmax([1000.0, -1000.0])] == [0.0, -2000.0]
    zs = [Value(1000.0), Value(999.0)]
    d0, d1 = gradients(nn.log_softmax(zs)[0], zs)
    p1 = 1 / (1 + math.e)  # softmax([1000, 999])[1]
    assert (d0, d1) == pytest.approx((p1, -p1), rel=1e-12)


@pytest.mark.parametrize("k", range(3))
def test_softmax_and_log_softmax_derivatives_pass_gradcheck(k):
    zs = [0.5, -1.2, 2.0]
    gradcheck(lambda *v: nn.softmax(v)[k], zs)
    gradcheck(lambda *v: nn.log_softmax(v)[k], zs)


def test_documents_softmax_error_against_the_truth():
    """A softmax output (0.98, 0.02) against the truth (1, 0): the gap learning reduces."""
    p = nn.softmax([math.log(0.98), math.log(0.02)])
    assert [round(v.data, 12) for v in p] == [0.98, 0.02]
    assert nn.mse_loss([1, 0], p).data == pytest.approx(0.02**2, rel=1e-9)
    assert nn.cross_entropy([math.log(0.98), math.log(0.02)], 0).data == pytest.approx(-math.log(0.98))


@pytest.mark.parametrize(
    ("bad", "error", "message"), [([], ValueError, "empty"), (Value(1.0), TypeError, "list")]
)
def test_softmax_rejects_what_is_not_a_list_of_values(bad, error, message):
    with pytest.raises(error, match=f"softmax: expected .*{message}"):
        nn.softmax(bad)


def test_activations_match_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = [-3.0, -0.4, 0.0, 0.3, 2.5]
    t = torch.tensor(z, dtype=torch.float64)
    for ours, theirs in [
        (nn.sigmoid, torch.sigmoid(t)),
        (nn.tanh, torch.tanh(t)),
        (nn.relu, torch.relu(t)),
        (nn.leaky_relu, F.leaky_relu(t, 0.01)),
        (lambda x: nn.prelu(x, Value(0.25)), F.prelu(t, torch.tensor([0.25], dtype=torch.float64))),
    ]:
        assert [ours(x).data for x in z] == pytest.approx(theirs.tolist(), abs=1e-15)
    assert [p.data for p in nn.softmax(z)] == pytest.approx(torch.softmax(t, 0).tolist(), abs=1e-15)
    assert [p.data for p in nn.log_softmax(z)] == pytest.approx(torch.log_softmax(t, 0).tolist(), abs=1e-14)


def test_leaky_relu_slope_is_one_number_shared_by_engine_nn_and_pytorch():
    torch = pytest.importorskip("torch")
    slope = nn.ACTIVATIONS["leaky_relu"].slope
    assert slope == engine.OPS["leaky_relu"].param.default == torch.nn.LeakyReLU().negative_slope
    assert nn.ACTIVATIONS["prelu"].slope == torch.nn.PReLU().weight.item()
    assert nn.leaky_relu(-1.0).data == Value(-1.0).leaky_relu().data == -slope


def test_an_activation_is_one_record(monkeypatch, tmp_path):
    """A new activation added as one record works in Neuron, the reprs, fit, save/load and the bridge."""
    softplus = nn.Activation("softplus", lambda z: engine.value.lift(z).softplus(), "Softplus", "Softplus")
    monkeypatch.setitem(nn.ACTIVATIONS, "softplus", softplus)
    net = nn.MLP(2, [3, 1], ["softplus", "linear"], seed=0)
    assert repr(net) == "MLP of [Layer of [3 × SoftplusNeuron(2)], Layer of [LinearNeuron(3)]]"
    history = nn.fit(net, [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], epochs=30, progress=False, seed=0)
    assert history[-1] < history[0]
    nn.save(net, tmp_path / "net.json")
    assert nn.load(tmp_path / "net.json").state_dict() == net.state_dict()
    torch = pytest.importorskip("torch")
    sequential = net.to_torch()
    assert isinstance(sequential[1], torch.nn.Softplus)
    x = torch.tensor([[0.3, -0.7]], dtype=torch.float64)
    assert sequential(x).item() == pytest.approx(net([0.3, -0.7]).data, rel=1e-12)
    back = nn.MLP.from_torch(sequential)
    assert back.config() == net.config() and back.state_dict() == net.state_dict()
