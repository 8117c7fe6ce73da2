"""`Neuron`, `Layer` and `MLP`: the documents' networks, built from Values.

A neuron computes a = g(w·x + b): its weighted sum is one `dot` node (a
`dot_const` when fed plain numbers, which then make no leaves), the bias
one `add`, the activation one more node (five for prelu). A layer is
neurons side by side fed the same inputs; an MLP is layers one after
another, a(n) = g(W·a(n−1) + b).

Initialisation, as PyTorch's `nn.Linear`: every weight and bias is drawn
uniformly from [−1/√nin, 1/√nin], neuron after neuron (its weights in
order, then its bias), layer after layer. `seed=` takes an int (the same
weights on every run and machine: Python's Mersenne Twister), a
`random.Random`, or None (the global `random` module, so `random.seed(0)`
works as it does with micrograd). A prelu slope starts at 0.25, as in PyTorch.

Parameters are named by where they sit, 1-based as the documents count:
`w1`, `b` and `a` (a prelu slope) in a neuron, `N3.w12` in a layer,
`L1.N3.w12` in an MLP. A module says only what it holds (`_members`:
`[("w", self.w), ("b", self.b)]`, a list numbered from 1);
`named_parameters()` and `parameters()` both walk that. The names are the
keys of `state_dict()` and, from the top module down, the parameters'
labels: each part is made knowing its `name` (`L1.N3`), labels its own
parameters with it once, and labels what it outputs with it, so pictures
and derivations of a network are readable: `engine.explain(loss, w)` steps
from neuron to neuron.
"""

from __future__ import annotations

import itertools
import math
import numbers
import random
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeGuard

from engine import Value
from engine.value import as_floats, lift, weighted_sum
from nn.activations import ACTIVATIONS, check_activation
from nn.torch_bridge import Dense, dense_layers, sequential

Seed = int | random.Random | None


def _rng(seed: Seed) -> random.Random:
    """Where the initial weights come from (see the module docstring)."""
    if seed is None:  # drawn from the global generator, so random.seed() fixes it
        return random.Random(random.getrandbits(64))
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")


def _activation_of(activation: str | None, nonlin: bool | None) -> str:
    """The activation asked for by name, or by micrograd's `nonlin` (True: relu,
    False: linear); neither: micrograd's default, relu."""
    if nonlin is not None:
        if not isinstance(nonlin, bool):
            raise TypeError(f"nonlin must be True or False, got {nonlin!r}")
        by_nonlin = "relu" if nonlin else "linear"
        if activation is not None and activation != by_nonlin:
            raise ValueError(
                f"activation={activation!r} and nonlin={nonlin} disagree; give one of them "
                "(nonlin is micrograd's keyword: True is relu, False linear)"
            )
        return by_nonlin
    return "relu" if activation is None else activation


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _count(value: Any, what: str) -> int:
    if not _is_count(value):
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


def _inputs(x: Any, nin: int, who: Module) -> tuple[float, ...] | tuple[Value, ...]:
    """`x` (a list of numbers or Values, or one of them when nin is 1) as floats
    when every one is a number, else as Values (numbers made constant leaves)."""
    if isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool):  # one input: numpy scalars too
        x = (x,)
    elif isinstance(x, (str, bytes, set, frozenset, dict)) or not isinstance(x, Iterable):  # no order
        raise TypeError(f"{who!r} takes a list of {nin} numbers or Values, got {type(x).__name__}")
    x = tuple(x)
    if len(x) != nin:
        raise ValueError(f"{who!r} takes {nin} inputs, got {len(x)}")
    floats = as_floats(x)
    return floats if floats is not None else tuple(lift(v) for v in x)


class Module:
    """What every network part has: its parameters, and ways to zero, save and load them."""

    def __call__(self, x: Any) -> Value | list[Value]:
        raise NotImplementedError

    def _members(self) -> list[tuple[str, Any]]:
        """What this module holds, in order: (name, a Value, a Module, or a list of
        Values or of Modules, numbered from 1: ("w", self.w) is w1, w2, ...)."""
        raise NotImplementedError(f"{type(self).__name__} must say what it holds: define _members()")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a fixed order; the names are the state_dict keys.
        A Value held in two places (tied weights: one neuron in two layers' lists) is
        listed once, by the first name it has, as torch's named_parameters() does."""
        named = self._walk(named=True)
        if len({p for _, p in named}) == len(named):  # (Values hash by identity, in C)
            return named
        first = {id(p): name for name, p in reversed(named)}  # each Value's first name
        return [(name, p) for name, p in named if first[id(p)] == name]

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()`, each Value once."""
        found = self._walk(named=False)
        return found if len(set(found)) == len(found) else list(dict.fromkeys(found))

    def _walk(self, named: bool, prefix: str = "") -> list[Any]:
        found: list[Any] = []
        for name, member in self._members():
            group = member if isinstance(member, list) else [member]
            if not named and group and isinstance(group[0], Value):  # a neuron's weights, at once
                found += group
                continue
            for i, m in enumerate(group, 1):
                path = f"{prefix}{name}{i if group is member else ''}" if named else ""
                if isinstance(m, Value):
                    found.append((path, m) if named else m)
                else:
                    found += m._walk(named, path + ".")
        return found

    def num_parameters(self) -> int:
        return len(self.parameters())

    def zero_grad(self) -> None:
        for p in self._walk(named=False):  # (a shared Value zeroed twice is zeroed: no need to list it once)
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number by name, e.g. {'L1.N1.w1': 0.13, ...}."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from `state` (as `state_dict()` returns it).

        Every key must be present and no other, every number real and
        finite; anything else raises a ValueError naming what is wrong, and
        the model is left exactly as it was.
        """
        if not isinstance(state, Mapping):
            raise ValueError(
                f"a state dict must be a mapping of names to numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        missing = [name for name, _ in named if name not in state]
        expected = {name for name, _ in named}
        unexpected = [key for key in state if key not in expected]
        if missing or unexpected:
            raise ValueError(
                f"state dict does not match {self.describe()}: "
                + "; ".join(
                    f"{what} {len(keys)} key(s) {_some(keys)}"
                    for what, keys in (("missing", missing), ("unexpected", unexpected))
                    if keys
                )
            )
        checked = []
        for name, _ in named:
            number = state[name]
            real = isinstance(number, numbers.Real) and not isinstance(number, bool)  # numpy's too
            try:
                value = float(number) if real else None
            except OverflowError:  # an int past float range
                value = None
            if value is None or not math.isfinite(value):
                raise ValueError(f"state dict: {name} must be a finite number, got {reprlib.repr(number)}")
            checked.append(value)
        for (_, p), number in zip(named, checked, strict=True):  # only once all are known good
            p.data = number

    # -- architecture, for nn.save / nn.load --------------------------------

    kinds: ClassVar[dict[str, type[Module]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module.kinds[Module.kind_of(cls)] = cls

    @staticmethod
    def kind_of(cls: type[Module]) -> str:
        """The name a saved file gives the class: `MLP` for nn's own, `module.Class`
        for any other, so that a class of yours named MLP is not taken for nn's."""
        return cls.__name__ if cls.__module__ == __name__ else f"{cls.__module__}.{cls.__qualname__}"

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (JSON-ready)."""
        raise NotImplementedError

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters `cls(**config)` has, by arithmetic, without building it;
        None when that is not known (nn.load then builds it to see). A config
        that is not a valid one may give any number: building it says why."""
        return None

    def describe(self) -> str:
        """Its architecture in one line: `MLP(2, [2, 1], activation=['sigmoid', 'sigmoid'])`."""
        try:
            config = self.config()
        except NotImplementedError:  # a module of yours that says nothing of its architecture
            return type(self).__name__
        parts = [repr(v) for k, v in config.items() if k != "activation"]
        if "activation" in config:
            parts.append(f"activation={config['activation']!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_torch(self) -> Any:
        """An equivalent `torch.nn.Sequential` (float64) with the same weights; needs torch."""
        return sequential(self.dense_layers())

    def dense_layers(self) -> list[Dense]:
        """The module as layers of plain numbers (`nn.torch_bridge.Dense`), for `to_torch`."""
        raise TypeError(f"to_torch takes a Neuron, Layer or MLP, got {type(self).__name__}")

    def _label_parameters(self) -> None:
        """Label each parameter below with its full name, `name` first: a Neuron
        does it once, when made, knowing where it sits (`L1.N3.w12`)."""
        for path, p in self._walk(named=True, prefix=f"{self.name}." if self.name else ""):
            p.label = path

    name = ""  # where it sits, "L1.N3"; its parameters' labels start with it


class Neuron(Module):
    """One neuron: a = g(w·x + b).

    Args:
        nin: how many inputs it takes.
        activation: a name from `nn.ACTIVATIONS`; default "relu", micrograd's.
        weights, bias: numbers to start from (the documents' examples set
            them); drawn at random (see the module docstring) when omitted.
        seed: an int, a `random.Random` or None, for the random start.
        name: where it sits (a Layer names its neurons N1, N2, ...), or a
            name of yours (``"h1"``): its output is labelled with it, its
            parameters ``h1.w1``, ``h1.b``.
        nonlin: micrograd's keyword: True is "relu", False "linear".
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = None,
        weights: Sequence[Any] | None = None,
        bias: Any = None,
        seed: Seed = None,
        *,
        name: str = "",
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _count(nin, "nin")
        activation = _activation_of(activation, nonlin)
        self.activation = check_activation(activation)
        self.name = name
        rng = _rng(seed)
        bound = 1.0 / math.sqrt(nin)
        if weights is None:
            self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        else:
            if len(weights) != nin:
                raise ValueError(f"Neuron({nin}) takes {nin} weights, got {len(weights)}")
            self.w = [Value(w) for w in weights]
        self.b = Value(rng.uniform(-bound, bound) if bias is None else bias)
        self._act = ACTIVATIONS[activation]
        # A learned slope (prelu's) is a parameter of the neuron.
        self.a = Value(self._act.slope) if self._act.learned_slope else None
        self._label_parameters()

    def __call__(self, x: Any) -> Value:
        return self._fire(_inputs(x, self.nin, self))

    def _fire(self, xs: tuple[float, ...] | tuple[Value, ...]) -> Value:
        # One node for w·x (raw numbers, a first layer's pixels, are one dot_const's parameter).
        z = weighted_sum(tuple(self.w), xs) + self.b
        out = self._act(z) if self.a is None else self._act(z, self.a)
        out.label = self.name  # "L1.N3": pictures and derivations step from neuron to neuron
        return out

    def _members(self) -> list[tuple[str, Any]]:
        return [("w", self.w), ("b", self.b)] + ([] if self.a is None else [("a", self.a)])

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        nin, name = config.get("nin"), config.get("activation", "relu")
        act = ACTIVATIONS.get(name) if isinstance(name, str) else None
        if not _is_count(nin) or act is None:
            return None
        return nin + 1 + act.learned_slope

    def dense_layers(self) -> list[Dense]:
        return [
            Dense(
                [[w.data for w in self.w]],
                [self.b.data],
                self.activation,
                [] if self.a is None else [self.a.data],
            )
        ]

    def __repr__(self) -> str:
        return f"{self._act.title}Neuron({self.nin})"


class Layer(Module):
    """`nout` neurons side by side, each fed the same `nin` inputs.

    Calling it returns a list of `nout` Values, or one Value when nout is 1
    (as in micrograd). `activation` defaults to micrograd's relu.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = None,
        seed: Seed = None,
        *,
        name: str = "",
        nonlin: bool | None = None,
    ) -> None:
        self.nin, self.nout = _count(nin, "nin"), _count(nout, "nout")
        activation = _activation_of(activation, nonlin)
        rng = _rng(seed)
        self.name = name
        prefix = f"{name}." if name else ""
        self.neurons = [Neuron(nin, activation, seed=rng, name=f"{prefix}N{j}") for j in range(1, nout + 1)]
        self.activation = activation

    def __call__(self, x: Any) -> Value | list[Value]:
        xs = _inputs(x, self.nin, self)  # lifted once, shared by every neuron
        out = [n._fire(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def _members(self) -> list[tuple[str, Any]]:
        return [("N", self.neurons)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        nout = config.get("nout")
        neuron = {"nin": config.get("nin"), "activation": config.get("activation", "relu")}
        per_neuron = Neuron.parameter_count(neuron)
        if not _is_count(nout) or per_neuron is None:
            return None
        return nout * per_neuron

    def dense_layers(self) -> list[Dense]:
        parts = [n.dense_layers()[0] for n in self.neurons]
        slopes = [x for p in parts for x in p.slopes]
        return [Dense([p.weight[0] for p in parts], [p.bias[0] for p in parts], self.activation, slopes)]

    def __repr__(self) -> str:
        return f"Layer of {_listing(self.neurons)}"


class MLP(Module):
    """Layers one after another: MLP(784, [16, 16, 10]) is the documents' digit recogniser.

    Args:
        nin: number of inputs.
        nouts: the size of each layer, the last one the outputs.
        activation: one name for every layer, or a list with one per layer;
            default micrograd's: relu on hidden layers, linear output.
        seed: an int, a `random.Random` or None, for the random start.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str | Sequence[str] | None = None, seed: Seed = None
    ) -> None:
        if isinstance(nouts, (int, str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        if activation is None:
            activations = ["relu"] * (len(nouts) - 1) + ["linear"]
        elif isinstance(activation, str):
            activations = [activation] * len(nouts)
        else:
            activations = list(activation)
            if len(activations) != len(nouts):
                raise ValueError(
                    f"MLP has {len(nouts)} layers but {len(activations)} activations were given; "
                    "pass one name, or one per layer"
                )
        self.nin = _count(nin, "nin")
        rng = _rng(seed)
        sizes = [self.nin, *nouts]
        self.layers = [
            Layer(sizes[k - 1], sizes[k], activations[k - 1], seed=rng, name=f"L{k}")
            for k in range(1, len(nouts) + 1)
        ]

    def __call__(self, x: Any) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def _members(self) -> list[tuple[str, Any]]:
        return [("L", self.layers)]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": [layer.activation for layer in self.layers],
        }

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        nin, nouts, activation = config.get("nin"), config.get("nouts"), config.get("activation")
        if not isinstance(nouts, list) or not isinstance(activation, list) or len(nouts) != len(activation):
            return None
        total, sizes = 0, [nin, *nouts]
        for k, act in enumerate(activation):
            count = Layer.parameter_count({"nin": sizes[k], "nout": sizes[k + 1], "activation": act})
            if count is None:
                return None
            total += count
        return total

    def dense_layers(self) -> list[Dense]:
        return [part for layer in self.layers for part in layer.dense_layers()]

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """The MLP a `torch.nn.Sequential` of Linear layers and activations computes."""
        layers = dense_layers(sequential)
        mlp = MLP(
            len(layers[0].weight[0]), [len(d.bias) for d in layers], [d.activation for d in layers], seed=0
        )
        for layer, dense in zip(mlp.layers, layers, strict=True):
            for j, neuron in enumerate(layer.neurons):
                for w, number in zip(neuron.w, dense.weight[j], strict=True):
                    w.data = number
                neuron.b.data = dense.bias[j]
                if neuron.a is not None:  # one slope per neuron
                    neuron.a.data = dense.slopes[j]
        return mlp

    def __repr__(self) -> str:
        return f"MLP of {_listing(self.layers)}"


def _listing(parts: list[Any]) -> str:
    """micrograd's `[ReLUNeuron(2), ReLUNeuron(2)]`, a run of 3 or more counted: `[16 × ReLUNeuron(784)]`."""
    items: list[str] = []
    for text, run in itertools.groupby(repr(part) for part in parts):
        n = len(list(run))
        items += [f"{n} × {text}"] if n >= 3 else [text] * n
    return "[" + ", ".join(items) + "]"


def _some(keys: list[str]) -> str:
    shown = ", ".join(repr(k) for k in keys[:3])
    return f"({shown}{', …' if len(keys) > 3 else ''})"


__all__ = ["MLP", "Layer", "Module", "Neuron"]
