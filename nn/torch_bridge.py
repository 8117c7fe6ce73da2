"""To and from PyTorch, for when a learner outgrows a scalar engine.

`to_torch(model)` gives a `torch.nn.Sequential` in float64 computing the
same function with the same weights; `from_torch(sequential)` reads such a
Sequential back as an `MLP`. torch is imported here only, when called.

    Layer(nin, nout, act)  <->  Linear(nin, nout) followed by act's module

Each activation's module is its record's `torch` (`nn.ACTIVATIONS`):
Sigmoid, Tanh, ReLU, LeakyReLU(0.01), PReLU(nout) with one slope per
neuron; linear needs none (an Identity is accepted); step has none.

Feed the Sequential a batch, shape (examples, nin): PyTorch's PReLU with a
slope per neuron needs that batch dimension.
"""

from __future__ import annotations

from typing import Any

from nn.activations import ACTIVATIONS, Activation
from nn.module import MLP, Layer, Module, Neuron


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "the PyTorch bridge needs torch: pip install torch (a CPU build is enough; "
            "from a clone: pip install -e '.[torch]')"
        ) from None
    return torch


def _layers(model: Module) -> list[Layer | Neuron]:
    if isinstance(model, MLP):
        return [*model.layers]
    if isinstance(model, (Layer, Neuron)):
        return [model]
    raise TypeError(f"to_torch takes a Neuron, Layer or MLP, got {type(model).__name__}")


def to_torch(model: Module) -> Any:
    """An equivalent `torch.nn.Sequential` (float64, same weights) for a Neuron, Layer or MLP."""
    torch = _torch()
    modules = []
    for part in _layers(model):
        neurons = part.neurons if isinstance(part, Layer) else [part]
        linear = torch.nn.Linear(part.nin, len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        act = ACTIVATIONS[part.activation]
        if act.torch is None:
            raise ValueError(f"to_torch: {act.name} has no torch.nn module; use another activation")
        if act.learned_slope:  # one slope per neuron
            module = getattr(torch.nn, act.torch)(len(neurons), dtype=torch.float64)
            with torch.no_grad():
                module.weight.copy_(torch.tensor([n.a.data for n in neurons], dtype=torch.float64))  # type: ignore[union-attr]
            modules.append(module)
        elif act.slope is not None:
            modules.append(getattr(torch.nn, act.torch)(act.slope))
        elif act.torch != "Identity":  # Linear computes z already
            modules.append(getattr(torch.nn, act.torch)())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: Any) -> MLP:
    """The MLP that a Sequential of Linear layers, each followed by at most one activation, computes."""
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

    first = layers[0][0]
    mlp = MLP(
        first.in_features, [lin.out_features for lin, _, _ in layers], [name for _, name, _ in layers], seed=0
    )
    for layer, (linear, _, slope_module) in zip(mlp.layers, layers, strict=True):
        weight = linear.weight.detach().double().tolist()
        bias = linear.bias.detach().double().tolist()
        slopes = slope_module.weight.detach().double().tolist() if slope_module is not None else []
        for j, neuron in enumerate(layer.neurons):
            for w, number in zip(neuron.w, weight[j], strict=True):
                w.data = number
            neuron.b.data = bias[j]
            if neuron.a is not None:  # one slope per neuron, or one shared by all
                neuron.a.data = slopes[j] if len(slopes) > 1 else slopes[0]
    return mlp


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


__all__ = ["from_torch", "to_torch"]
