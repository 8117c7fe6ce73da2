"""The activations and losses as plain functions, gathered as `torch.nn.functional` gathers them.

>>> import nn.functional as F
>>> [round(p.data, 4) for p in F.softmax([2.0, 1.0, 0.1])]
[0.659, 0.2424, 0.0986]
"""

from nn.activations import leaky_relu, linear, log_softmax, prelu, relu, sigmoid, softmax, step, tanh
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss, one_hot

__all__ = [
    "binary_cross_entropy",
    "cross_entropy",
    "hinge_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "one_hot",
    "prelu",
    "relu",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
]
