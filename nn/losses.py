"""Loss functions: how far a prediction is from the truth, as a Value to backpropagate.

`mse_loss`, `binary_cross_entropy` and `hinge_loss` take `(y_true, y_pred)`,
the documents' order (L = (y_true − y_pred)²), either one number/Value each
or two lists of the same length, and return the mean over the list.
`cross_entropy(logits, target)` takes one example's logits first, as
PyTorch's does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import engine
from engine import Value
from engine.ops import CHECK, Range
from engine.value import lift
from nn.activations import log_softmax


def _pairs(y_true: Any, y_pred: Any, name: str) -> list[tuple[Any, Value]]:
    """(truth, prediction) pairs: one of each, or two lists of the same length."""
    true_is_list, pred_is_list = _is_list(y_true), _is_list(y_pred)
    if true_is_list != pred_is_list:
        raise ValueError(
            f"{name}: y_true and y_pred must both be single values or both lists, "
            f"got {type(y_true).__name__} and {type(y_pred).__name__}"
        )
    if not true_is_list:
        return [(y_true, lift(y_pred))]
    if len(y_true) != len(y_pred):
        raise ValueError(f"{name}: y_true has {len(y_true)} values but y_pred has {len(y_pred)}")
    if len(y_true) == 0:  # not `not y_true`: a numpy array's truth is ambiguous
        raise ValueError(f"{name}: expected at least one prediction, got empty lists")
    return [(t, lift(p)) for t, p in zip(y_true, y_pred, strict=True)]


def _is_list(x: Any) -> bool:
    """A list, tuple or any sequence of numbers, numpy arrays (of one or more dimensions) too."""
    if isinstance(x, (str, bytes)):
        return False
    return isinstance(x, Sequence) or getattr(x, "ndim", 0) >= 1


def _mean(terms: list[Value]) -> Value:
    return terms[0] if len(terms) == 1 else engine.sum(terms) * (1.0 / len(terms))


def mse_loss(y_true: Any, y_pred: Any) -> Value:
    """Mean squared error, mean of (y_true − y_pred)²: mse([1, 0, 0, 1], [0, 0, 0, 0]) = 0.5."""
    return _mean([(p - t) ** 2 for t, p in _pairs(y_true, y_pred, "mse_loss")])


def binary_cross_entropy(y_true: Any, y_pred: Any) -> Value:
    """Mean of −(y·log p + (1 − y)·log(1 − p)) for probabilities p (a sigmoid's output).

    Each log is clamped at −100, as in PyTorch's BCELoss, so a saturated
    sigmoid (p exactly 0 or 1) gives a large finite loss, not inf; a clamped
    log carries no gradient. Labels may be any number in [0, 1].
    """
    terms = []
    for t, p in _pairs(y_true, y_pred, "binary_cross_entropy"):
        p = CHECK(p, PROBABILITY)
        t = _checked(t, LABEL)
        terms.append(-(_clamped_log(p) * t + _clamped_log(1 - p) * (1 - t)))
    return _mean(terms)


# What the losses take, checked by a node of the graph (engine.ops.CHECK), so
# that a compiled loss checks every example of every batch, as eager does.
PROBABILITY = Range("binary_cross_entropy: y_pred must be a probability in [0, 1]", 0.0, 1.0)
LABEL = Range("binary_cross_entropy: y_true must be a label in [0, 1]", 0.0, 1.0)
SIGN = Range("hinge_loss: labels must be -1 or +1", exactly=(-1.0, 1.0))


def _checked(t: Any, allowed: Range) -> Any:
    """A truth as it is, if `allowed` holds it: a number checked now, a Value (an
    argument of a compiled loss, a number per example) by a check node."""
    if isinstance(t, Value):
        return CHECK(t, allowed)
    if not allowed.holds(lift(t).data):
        raise allowed.error(lift(t).data)
    return t


_SMALLEST = math.exp(-100)


def _clamped_log(p: Value) -> Value:
    # log(max(e⁻¹⁰⁰, p)): −100 with no gradient below e⁻¹⁰⁰ (a tie too), for every example
    return Value(_SMALLEST).max(p).log()


def hinge_loss(y_true: Any, scores: Any) -> Value:
    """Mean of max(0, 1 − y·score) for labels y of −1 or +1 (micrograd's demo loss)."""
    terms = []
    for t, s in _pairs(y_true, scores, "hinge_loss"):
        terms.append((1 - s * _checked(t, SIGN)).relu())
    return _mean(terms)


def cross_entropy(logits: Sequence[Any], target: Any) -> Value:
    """−log softmax(logits)[target] for one example, computed through log-softmax (stable).

    Args:
        logits: the raw outputs of the last layer (a list of Values).
        target: the true class index, or a list of class probabilities (soft
            labels: −Σ tᵢ·log softmax(logits)ᵢ), as PyTorch's cross_entropy.
    """
    if not _is_list(logits):
        raise TypeError(
            f"cross_entropy takes (logits, target), logits first as in PyTorch; got {type(logits).__name__} "
            "for logits, expected a list of Values"
        )
    log_p = log_softmax(logits)
    if isinstance(target, Value):
        raise TypeError(
            "cross_entropy: the target is a Value (an argument of a compiled function?): a class index "
            "would pick a logit by its number when the graph is built, the same one for every example; "
            "give the target as a list of probabilities, one-hot (nn.one_hot(target, n)) — "
            "fit(compile=True) does this itself"
        )
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):  # numpy ints too
        target = int(target)
        if not 0 <= target < len(log_p):
            raise ValueError(f"cross_entropy: target class {target} is out of range for {len(log_p)} logits")
        return -log_p[target]
    if _is_list(target):
        if len(target) != len(log_p):
            raise ValueError(f"cross_entropy: {len(target)} target probabilities for {len(log_p)} logits")
        return -engine.sum(lp * t for lp, t in zip(log_p, target, strict=True))
    raise TypeError(
        "cross_entropy: target must be a class index (int) or a list of probabilities, "
        f"got {type(target).__name__}"
    )


def one_hot(target: Any, n: int) -> list[float]:
    """Class `target` of `n` as probabilities: one_hot(2, 4) = [0.0, 0.0, 1.0, 0.0]."""
    if isinstance(target, bool) or not isinstance(target, numbers.Integral) or not 0 <= int(target) < n:
        raise ValueError(f"one_hot: expected a class index in [0, {n}), got {target!r}")
    return [1.0 if i == target else 0.0 for i in range(n)]


@dataclass(frozen=True)
class Loss:
    """A loss as `nn.fit` calls it: on one example, ``loss(y_true, y_pred)``.

    Attributes:
        name: its name in `LOSSES`.
        fn: the loss of one example, truth first.
        class_targets: whether a target may be a class index (cross_entropy's),
            which a compiled step is given one-hot.
    """

    name: str
    fn: Callable[[Any, Any], Value]
    class_targets: bool = False

    def __call__(self, y_true: Any, y_pred: Any) -> Value:
        return self.fn(y_true, y_pred)


# By name, each called as loss(y_true, y_pred) for one example.
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", mse_loss),
        Loss("binary_cross_entropy", binary_cross_entropy),
        Loss("hinge", hinge_loss),
        Loss("cross_entropy", lambda target, logits: cross_entropy(logits, target), class_targets=True),
    )
}


def as_loss(loss: str | Loss | Callable[[Any, Any], Value], caller: str = "fit") -> Loss:
    """`loss` as a `Loss`: a name from `LOSSES`, a Loss, `cross_entropy` itself
    (logits first, as PyTorch's), or any function loss(y_true, y_pred) of one example."""
    if isinstance(loss, Loss):
        return loss
    if loss is cross_entropy:
        return LOSSES["cross_entropy"]
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(
                f"{caller}: unknown loss {loss!r}; expected one of {', '.join(LOSSES)} or a function"
            )
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(
            f"{caller}: loss must be a name or a function loss(y_true, y_pred), got {type(loss).__name__}"
        )
    return Loss(getattr(loss, "__name__", "loss"), loss)


__all__ = [
    "LOSSES",
    "Loss",
    "as_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "hinge_loss",
    "mse_loss",
    "one_hot",
]
