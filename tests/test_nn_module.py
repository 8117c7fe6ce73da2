"""Neuron, Layer and MLP: the documents' networks, their parameters and their errors."""

import math
import random

import pytest

import engine
import nn
from engine import Value


def documents_network():
    """The documents' 2-2-1 sigmoid network: every neuron's weights [0, 1], bias 0."""
    net = nn.MLP(2, [2, 1], "sigmoid")
    net.load_state_dict({name: (1.0 if name.endswith("w2") else 0.0) for name in net.state_dict()})
    return net


def test_documents_neuron_gives_documents_value():
    assert nn.Neuron(2, "sigmoid", weights=[0, 1], bias=4)([2, 3]).data == 0.9990889488055994


def test_documents_network_gives_documents_value():
    assert documents_network()([2, 3]).data == 0.7216325609518421


def test_documents_digit_network_has_13002_parameters():
    net = nn.MLP(784, [16, 16, 10])
    assert net.num_parameters() == 784 * 16 + 16 * 16 + 16 * 10 + 16 + 16 + 10 == 13002
    assert len(set(map(id, net.parameters()))) == 13002


def test_weighted_sum_is_one_dot_node():
    neuron = nn.Neuron(3, "sigmoid", seed=0)
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    out = neuron(xs)
    add = out.parents[0]
    assert out.op.name == "sigmoid" and add.op.name == "add"
    dot, bias = add.parents
    assert dot.op.name == "dot" and bias is neuron.b
    assert dot.parents == (*neuron.w, *xs)
    assert len(engine.topological_order(out)) == 3 + 3 + 1 + 3  # w, x, b; dot, add, sigmoid


def test_numbers_fed_to_a_neuron_are_its_dot_nodes_parameter_not_leaves():
    neuron = nn.Neuron(3, "sigmoid", seed=0)
    out = neuron([1, 2.0, 3.0])
    dot = out.parents[0].parents[0]
    assert dot.op.name == "dot_const" and dot.parents == tuple(neuron.w) and dot.arg == (1.0, 2.0, 3.0)
    assert out.data == nn.Neuron(3, "sigmoid", seed=0)([Value(1.0), 2.0, 3.0]).data
    assert len(engine.topological_order(out)) == 3 + 1 + 3  # w, b; dot_const, add, sigmoid


def test_neuron_takes_values_and_backpropagates_into_its_parameters_and_inputs():
    neuron = nn.Neuron(2, "tanh", weights=[0.5, -1.0], bias=0.25)
    x = [Value(2.0), Value(3.0)]
    out = neuron(x)
    out.backward()
    slope = 1 - out.data**2
    assert out.data == pytest.approx(math.tanh(0.5 * 2 - 3 + 0.25), abs=1e-15)
    assert [w.grad for w in neuron.w] == pytest.approx([slope * 2, slope * 3], abs=1e-15)
    assert neuron.b.grad == pytest.approx(slope, abs=1e-15)
    assert [v.grad for v in x] == pytest.approx([slope * 0.5, -slope], abs=1e-15)


@pytest.mark.parametrize("make", [lambda s: nn.Neuron(5, seed=s), lambda s: nn.MLP(3, [4, 2], seed=s)])
def test_same_seed_same_weights_other_seed_other_weights(make):
    assert make(7).state_dict() == make(7).state_dict()
    assert make(7).state_dict() != make(8).state_dict()


def test_initialisation_is_the_documented_uniform_scheme():
    """Uniform in ±1/√nin, Mersenne Twister seeded with the int: the same numbers on every machine."""
    net = nn.MLP(4, [3, 2], seed=11)
    rng = random.Random(11)
    expected = []
    for nin, nout in [(4, 3), (3, 2)]:
        bound = 1 / math.sqrt(nin)
        for _ in range(nout):
            expected += [rng.uniform(-bound, bound) for _ in range(nin + 1)]  # weights, then bias
    assert list(net.state_dict().values()) == expected
    assert all(abs(v) <= 1 / math.sqrt(4) for k, v in net.state_dict().items() if k.startswith("L1."))


def test_no_seed_draws_from_the_global_random_module():
    random.seed(3)
    first = nn.MLP(3, [2, 1]).state_dict()
    random.seed(3)
    assert nn.MLP(3, [2, 1]).state_dict() == first
    assert nn.MLP(3, [2, 1]).state_dict() != first


def test_parameters_are_labelled_by_where_they_sit():
    net = nn.MLP(3, [2, 1], "prelu", seed=0)
    names = [name for name, _ in net.named_parameters()]
    assert names[:6] == ["L1.N1.w1", "L1.N1.w2", "L1.N1.w3", "L1.N1.b", "L1.N1.a", "L1.N2.w1"]
    assert names[-1] == "L2.N1.a"
    assert [p.label for p in net.parameters()] == names
    assert [n for n, _ in nn.Neuron(2, seed=0).named_parameters()] == ["w1", "w2", "b"]
    assert [n for n, _ in nn.Layer(1, 2, seed=0).named_parameters()] == ["N1.w1", "N1.b", "N2.w1", "N2.b"]


def test_layer_with_one_neuron_returns_a_value_otherwise_a_list():
    assert isinstance(nn.Layer(2, 1, seed=0)([1, 2]), Value)
    out = nn.Layer(2, 3, seed=0)([1, 2])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)


def test_layer_takes_a_single_value_when_it_has_one_input():
    layer = nn.Layer(1, 2, "linear", seed=0)
    assert [v.data for v in layer(Value(2.0))] == [v.data for v in layer([2.0])]


def test_default_activations_are_micrograds():
    net = nn.MLP(2, [3, 3, 1])
    assert [layer.activation for layer in net.layers] == ["relu", "relu", "linear"]
    assert nn.Layer(2, 2).activation == "relu"
    assert nn.Neuron(2).activation == "relu"  # micrograd's Neuron(nin) is ReLU (was linear before issue 23)
    assert [layer.activation for layer in nn.MLP(2, [3, 1], "tanh").layers] == ["tanh", "tanh"]
    assert [layer.activation for layer in nn.MLP(2, [3, 1], ["tanh", "sigmoid"]).layers] == [
        "tanh",
        "sigmoid",
    ]


@pytest.mark.parametrize("name", sorted(nn.ACTIVATIONS))
def test_every_activation_name_builds_a_working_neuron(name):
    neuron = nn.Neuron(2, name, weights=[1.0, -2.0], bias=0.5)
    z = 1.0 * 3.0 - 2.0 * 0.5 + 0.5
    expected = {
        "linear": z,
        "step": 1.0,
        "sigmoid": 1 / (1 + math.exp(-z)),
        "tanh": math.tanh(z),
        "relu": z,
        "leaky_relu": z,
        "prelu": z,
    }[name]
    assert neuron([3.0, 0.5]).data == pytest.approx(expected, abs=1e-15)
    assert repr(neuron).endswith("Neuron(2)")


def test_prelu_slope_is_a_learned_parameter():
    neuron = nn.Neuron(1, "prelu", weights=[1.0], bias=0.0)
    assert neuron.a in neuron.parameters() and neuron.num_parameters() == 3
    assert neuron.a.data == 0.25
    out = neuron([-2.0])
    assert out.data == -0.5
    out.backward()
    assert neuron.a.grad == -2.0  # ∂/∂a = min(0, z)
    assert neuron.w[0].grad == 0.25 * -2.0


def test_repr_reads_like_micrographs():
    assert repr(nn.Neuron(2, "sigmoid", seed=0)) == "SigmoidNeuron(2)"
    assert repr(nn.MLP(2, [2, 1], "sigmoid", seed=0)) == (
        "MLP of [Layer of [SigmoidNeuron(2), SigmoidNeuron(2)], Layer of [SigmoidNeuron(2)]]"
    )
    assert repr(nn.MLP(784, [16, 10], seed=0)) == (
        "MLP of [Layer of [16 × ReLUNeuron(784)], Layer of [10 × LinearNeuron(16)]]"
    )


def test_zero_grad_zeroes_every_parameter():
    net = nn.MLP(2, [3, 1], seed=0)
    net([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_load_state_dict_sets_every_parameter():
    net, other = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    net.load_state_dict(other.state_dict())
    assert net.state_dict() == other.state_dict()
    assert net([0.3, -0.7]).data == other([0.3, -0.7]).data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("L2.N1.b"), r"missing 1 key\(s\) \('L2.N1.b'\)"),
        (lambda s: s.update(extra=1.0), r"unexpected 1 key\(s\) \('extra'\)"),
        (lambda s: s.update({"L1.N3.w2": "0.5"}), "L1.N3.w2 must be a finite number, got '0.5'"),
        (lambda s: s.update({"L1.N3.w2": math.nan}), "L1.N3.w2 must be a finite number, got nan"),
        (lambda s: s.update({"L1.N1.b": True}), "L1.N1.b must be a finite number, got True"),
    ],
)
def test_failed_load_state_dict_names_the_problem_and_changes_nothing(change, message):
    net = nn.MLP(2, [3, 1], seed=0)
    before = net.state_dict()
    state = nn.MLP(2, [3, 1], seed=1).state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        net.load_state_dict(state)
    assert net.state_dict() == before


def test_load_state_dict_names_the_architecture_on_mismatch():
    with pytest.raises(
        ValueError, match=r"does not match MLP\(2, \[3, 1\], activation=\['relu', 'linear'\]\)"
    ):
        nn.MLP(2, [3, 1], seed=0).load_state_dict(nn.MLP(2, [2, 1], seed=0).state_dict())
    with pytest.raises(ValueError, match="must be a mapping"):
        nn.Neuron(1).load_state_dict([1.0, 2.0])


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: nn.Neuron(2, "swish"),
            ValueError,
            "unknown activation 'swish'; expected one of linear, step",
        ),
        (lambda: nn.Neuron(2, "softmax"), ValueError, "softmax acts on a whole layer"),
        (lambda: nn.Neuron(0), ValueError, "nin must be a positive int, got 0"),
        (lambda: nn.Neuron(2.5), ValueError, "nin must be a positive int, got 2.5"),
        (lambda: nn.Neuron(2, weights=[1.0]), ValueError, r"Neuron\(2\) takes 2 weights, got 1"),
        (lambda: nn.Neuron(1, weights=["a"]), TypeError, "Value\\(\\) takes a real number"),
        (lambda: nn.Neuron(1, seed="x"), TypeError, "seed must be an int, a random.Random or None, got str"),
        (lambda: nn.Layer(2, 0), ValueError, "nout must be a positive int, got 0"),
        (lambda: nn.MLP(2, 3), ValueError, "nouts must be a non-empty list of layer sizes, got 3"),
        (lambda: nn.MLP(2, []), ValueError, "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, b"\x01"), ValueError, r"nouts must be a non-empty list of layer sizes, got b'"),
        (lambda: nn.Neuron(2)({1, 2}), TypeError, r"ReLUNeuron\(2\) takes a list of 2 numbers .*, got set"),
        (lambda: nn.MLP(2, [3, 1], ["relu"]), ValueError, "MLP has 2 layers but 1 activations were given"),
        (lambda: nn.MLP(2, [3, 1], ["relu", []]), ValueError, r"unknown activation \[\]"),
    ],
)
def test_bad_arguments_name_what_was_wrong(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ([1.0], ValueError, r"MLP of \[.*\] takes 2 inputs, got 1|takes 2 inputs, got 1"),
        ([1.0, 2.0, 3.0], ValueError, "takes 2 inputs, got 3"),
        ("ab", TypeError, "takes a list of 2 numbers or Values, got str"),
        ([1.0, "b"], TypeError, "expected a Value or a real number, got str"),
    ],
)
def test_bad_inputs_name_what_was_wrong(x, error, message):
    with pytest.raises(error, match=message):
        nn.MLP(2, [2, 1], seed=0)(x)


def test_detect_anomaly_points_at_the_learners_line_not_inside_nn():
    neuron = nn.Neuron(1, weights=[1e300], bias=0.0)
    with engine.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        neuron([Value(1e300)])
    message = str(info.value)
    assert (
        "dot produced inf" in message
        and "test_nn_module.py" in message
        and "module.py:" not in message.replace("test_nn_module.py:", "")
    )


@pytest.mark.parametrize(
    "model",
    [nn.Neuron(2, "prelu", seed=0), nn.Layer(2, 3, "prelu", seed=0), nn.MLP(2, [3, 2], "prelu", seed=0)],
)
def test_parameters_come_in_the_order_of_their_names(model):
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_detect_anomaly_message_stays_short_for_a_wide_neuron():
    neuron = nn.Neuron(784, weights=[1e300] * 784, bias=0.0)
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match=r"dot_const produced inf") as info:
        neuron([1e300] * 784)
    assert len(str(info.value)) < 400 and "..." in str(info.value)


def test_parameters_are_labelled_once_from_the_top_module_down(monkeypatch):
    labels_set = []
    original = nn.Module._label_parameters

    def counting(self):
        labels_set.extend(p for _, p in self._walk(named=True))
        original(self)

    monkeypatch.setattr(nn.Module, "_label_parameters", counting)
    net = nn.MLP(3, [4, 2], "prelu", seed=0)
    assert sorted(map(id, labels_set)) == sorted(map(id, net.parameters()))  # each exactly once
    assert [p.label for p in net.parameters()] == [n for n, _ in net.named_parameters()]
    assert [n.name for n in net.layers[1].neurons] == ["L2.N1", "L2.N2"]


def test_a_neuron_or_layer_named_by_the_user_labels_its_output_and_parameters():
    h1 = nn.Neuron(2, "sigmoid", weights=[1, 1], bias=0, name="h1")
    assert [p.label for p in h1.parameters()] == ["h1.w1", "h1.w2", "h1.b"]
    assert [n for n, _ in h1.named_parameters()] == ["w1", "w2", "b"]  # names stay relative
    assert h1([2, 3]).label == "h1"
    layer = nn.Layer(2, 2, name="hidden", seed=0)
    assert [v.label for v in layer([1, 2])] == ["hidden.N1", "hidden.N2"]
    assert layer.parameters()[-1].label == "hidden.N2.b"


class TwoWeights(nn.Module):
    """A module of the user's: it says what it holds, the rest is derived."""

    def __init__(self):
        self.scale = engine.Value(2.0)
        self.inner = nn.Neuron(2, "tanh", seed=0)

    def _members(self):
        return [("scale", self.scale), ("inner", self.inner)]

    def __call__(self, x):
        return self.inner(x) * self.scale


def test_a_module_that_says_what_it_holds_gets_parameters_names_and_state():
    m = TwoWeights()
    assert [n for n, _ in m.named_parameters()] == ["scale", "inner.w1", "inner.w2", "inner.b"]
    assert m.parameters() == [m.scale, *m.inner.w, m.inner.b]
    assert m.state_dict()["scale"] == 2.0 and m.num_parameters() == 4


def test_a_module_that_says_nothing_is_told_what_to_define():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty must say what it holds: define _members"):
        Empty().parameters()
