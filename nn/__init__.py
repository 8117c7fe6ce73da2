"""Neural networks on top of `engine.Value`: the documents' neurons, layers and MLPs.

    >>> import nn
    >>> nn.Neuron(2, "sigmoid", weights=[0, 1], bias=4)([2, 3]).data
    0.9990889488055994

Modules (a file per idea): `nn.module` (Module, Neuron, Layer, MLP),
`nn.activations`, `nn.losses`, `nn.optim` (SGD, Adam), `nn.training`
(fit), `nn.orders` (the order fit visits the samples in), `nn.serialize`
(save, load as JSON), `nn.torch_bridge` (to and from PyTorch, imported
only when used). `nn.functional` gathers the activations
and losses as plain functions, as `torch.nn.functional` does.
"""

from nn.activations import (
    ACTIVATIONS,
    Activation,
    leaky_relu,
    linear,
    log_softmax,
    prelu,
    relu,
    sigmoid,
    softmax,
    step,
    tanh,
)
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss, one_hot
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, Optimizer
from nn.serialize import load, save
from nn.training import fit

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Activation",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "binary_cross_entropy",
    "cross_entropy",
    "fit",
    "hinge_loss",
    "leaky_relu",
    "linear",
    "load",
    "log_softmax",
    "mse_loss",
    "one_hot",
    "prelu",
    "relu",
    "save",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
]
