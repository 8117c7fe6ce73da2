"""To and from PyTorch, for when a learner outgrows a scalar engine.

`model.to_torch()` gives a `torch.nn.Sequential` in float64 computing the
same function with the same weights; `MLP.from_torch(sequential)` reads such
a Sequential back. Between the two sits plain data, a `Dense` per layer
(weights, biases, activation): this module turns it into torch modules and
back (`sequential`, `dense_layers`) and knows no Module; `nn.module` turns
its modules into it and back. torch is imported here only, when called.

    Layer(nin, nout, act)  <->  Linear(nin, nout) followed by act's module

Each activation's module is its record's `torch` (`nn.ACTIVATIONS`):
Sigmoid, Tanh, ReLU, LeakyReLU(0.01), PReLU(nout) with one slope per
neuron; linear needs none (an Identity is accepted); step has none.

Feed the Sequential a batch, shape (examples, nin): PyTorch's PReLU with a
slope per neuron needs that batch dimension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nn.activations import ACTIVATIONS, Activation


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "the PyTorch bridge needs torch: pip install torch (a CPU build is enough; "
            "from a clone: pip install -e '.[torch]')"
        ) from None
    return torch


@dataclass(frozen=True)
class Dense:
    """One layer as plain numbers: torch's Linear (one weight row and one bias
    per neuron) then its activation, with a learned slope per neuron (prelu)."""

    weight: list[list[float]]
    bias: list[float]
    activation: str
    slopes: list[float] = field(default_factory=list)


def sequential(layers: list[Dense]) -> Any:
    """An equivalent `torch.nn.Sequential` (float64) of these layers."""
    torch = _torch()
    modules = []
    for layer in layers:
        nout, nin = len(layer.weight), len(layer.weight[0])
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float64))
        modules.append(linear)
        act = ACTIVATIONS[layer.activation]
        if act.torch is None:
            raise ValueError(f"to_torch: {act.name} has no torch.nn module; use another activation")
        if act.learned_slope:  # one slope per neuron
            module = getattr(torch.nn, act.torch)(nout, dtype=torch.float64)
            with torch.no_grad():
                module.weight.copy_(torch.tensor(layer.slopes, dtype=torch.float64))
            modules.append(module)
        elif act.slope is not None:
            modules.append(getattr(torch.nn, act.torch)(act.slope))
        elif act.torch != "Identity":  # Linear computes z already
            modules.append(getattr(torch.nn, act.torch)())
    return torch.nn.Sequential(*modules)


def dense_layers(sequential: Any) -> list[Dense]:
    """The layers a Sequential of Linear layers, each followed by at most one activation, computes."""
    torch = _torch()
    tnn = torch.nn
    if not isinstance(sequential, tnn.Sequential):
        raise TypeError(f"from_torch takes a torch.nn.Sequential, got {type(sequential).__name__}")
    layers: list[tuple[Any, str, Any]] = []  # (Linear, activation, its slopes' module or None)
    for index, module in enumerate(sequential):
        where = f"from_torch: module {index} ({module!r})"
        if isinstance(module, tnn.Linear):
            if module.bias is None:
                raise ValueError(
                    f"{where}: a Linear without bias cannot be mapped; chainrule neurons have one"
                )
            if layers and layers[-1][0].out_features != module.in_features:
                raise ValueError(
                    f"{where}: takes {module.in_features} inputs but the layer before gives "
                    f"{layers[-1][0].out_features}"
                )
            layers.append((module, "linear", None))
            continue
        if isinstance(module, tnn.Identity):
            continue
        if not layers or layers[-1][1] != "linear":
            raise ValueError(f"{where}: an activation must follow a Linear layer, and only one per layer")
        act = _activation(module, tnn, where)
        if act.learned_slope and module.num_parameters not in (1, layers[-1][0].out_features):
            raise ValueError(f"{where}: {act.torch} needs 1 or {layers[-1][0].out_features} slopes")
        layers[-1] = (layers[-1][0], act.name, module if act.learned_slope else None)
    if not layers:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    dense = []
    for linear, activation, slope_module in layers:
        slopes = slope_module.weight.detach().double().tolist() if slope_module is not None else []
        if len(slopes) == 1:  # one slope shared by all: each neuron gets it
            slopes *= linear.out_features
        dense.append(
            Dense(
                linear.weight.detach().double().tolist(),
                linear.bias.detach().double().tolist(),
                activation,
                slopes,
            )
        )
    return dense


def _activation(module: Any, tnn: Any, where: str) -> Activation:
    mapped = {a.torch: a for a in ACTIVATIONS.values() if a.torch is not None}
    act = next((a for theirs, a in mapped.items() if isinstance(module, getattr(tnn, theirs))), None)
    if act is None:
        expected = ", ".join(mapped)
        raise ValueError(f"{where}: cannot be mapped; expected Linear, {expected}")
    if act.slope is not None and not act.learned_slope and module.negative_slope != act.slope:
        raise ValueError(
            f"{where}: chainrule's {act.name} has slope {act.slope}, this one {module.negative_slope}"
        )
    return act


__all__ = ["Dense", "dense_layers", "sequential"]
