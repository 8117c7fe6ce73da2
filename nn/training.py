"""`fit`: the training loop the documents describe, in one call.

Pick a batch of samples, compute the loss and every partial derivative,
update each weight, repeat: the loss falls step by step.
"""

from __future__ import annotations

import importlib.util
import numbers
import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, cast

import engine
from engine import Value
from nn.losses import LOSSES, Loss, as_loss, one_hot
from nn.module import Module
from nn.optim import SGD, Optimizer
from nn.orders import epoch_order, epoch_order_array, run_seed

LossFn = Callable[[Any, Any], Value]


def fit(
    model: Module,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    loss: str | LossFn = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int = 1,
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool = True,
    compile: bool = False,  # noqa: A002 - the word users know from torch.compile
    dtype: str = "float64",
) -> list[float]:
    """Train `model` on (inputs, targets) and return the mean loss of each epoch.

    Args:
        model: a Neuron, Layer or MLP (anything callable with `parameters()`).
        inputs, targets: the samples and their truths, in the same order.
        loss: a name from `nn.losses.LOSSES` ("mse", "binary_cross_entropy",
            "hinge", "cross_entropy") or a function `loss(y_true, y_pred)`
            of one example (`nn.cross_entropy` is accepted as it is, logits first).
        optimizer: default `SGD(model.parameters(), lr=0.1)`.
        epochs: passes over the data.
        batch_size: samples per step; a step's loss is their mean (1: the
            documents' stochastic gradient descent, one sample at a time).
        shuffle, seed: visit the samples in a new random order each epoch,
            reproducibly when `seed` is given (`nn.orders`: the same order
            with compile=True or not).
        progress: show a tqdm progress bar with the running loss, when tqdm
            is installed (without it training is silent).
        compile: run each step on the whole batch at once with
            `engine.compile` (needs numpy): the same steps, the same history
            to rounding, many times faster on big batches. Class-index
            targets of cross_entropy are given to it one-hot. Calling fit
            again on the same model and loss reuses the compiled step, where
            one graph was proved while tracing and a trace of the loss that
            computes no numbers builds the same graph again.
        dtype: with compile=True, "float64" (the default, eager's numbers to
            rounding) or "float32" (PyTorch's default: faster, results within
            about 1e-5 of eager's, relative).

    Returns:
        The mean per-sample loss of each epoch, a list of `epochs` floats.
    """
    if len(inputs) != len(targets):
        raise ValueError(
            f"fit: {len(inputs)} inputs but {len(targets)} targets; expected one target per input"
        )
    if len(inputs) == 0:  # not `not inputs`: a numpy array's truth is ambiguous
        raise ValueError("fit: expected at least one sample, got none")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be an int >= 1, got {batch_size!r}")
    n, run = len(inputs), run_seed(seed) if shuffle else None
    history: list[float] = []
    with steps(model, inputs, targets, loss, optimizer, compile=compile, dtype=dtype, hold=False) as step:
        bar = progress_bar(epochs * -(-n // batch_size)) if progress else None
        try:
            for epoch in range(epochs):
                order = step.order(n, run, epoch)
                total, seen = 0.0, 0
                for start in range(0, n, batch_size):
                    batch = order[start : start + batch_size]
                    step_loss = step(batch)  # zero the gradients, the batch's mean loss backward, a step
                    total, seen = total + step_loss * len(batch), seen + len(batch)
                    if bar is not None:  # the epoch's running mean loss
                        bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
                        bar.update(1)
                history.append(total / seen)
        finally:
            if bar is not None:
                bar.close()
    return history


def steps(
    model: Module,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    loss: str | LossFn = "mse",
    optimizer: Optimizer | None = None,
    compile: bool = False,  # noqa: A002 - as fit's
    dtype: str = "float64",
    hold: bool = True,
) -> Steps:
    """fit's training step, to call yourself: ``step(indices)`` trains on those
    samples (one optimizer step on their mean loss) and returns that loss.

    The arguments are fit's. Use it as a context manager (``with steps(...) as
    step:``), or call `close()` when done: with compile=True the parameters
    live in one array while it runs (`Compiled.training`), and the Values get
    their numbers (and the last gradients) when it closes. Meanwhile they read
    the array's numbers (an evaluation between steps sees the model as it is
    now), unless ``hold=False`` (fit's: no code of yours runs between its
    steps): then they keep their numbers from before until it closes.
    """
    loss_fn = as_loss(loss)
    optimizer = SGD(model.parameters(), lr=0.1) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.Optimizer (SGD, Adam, ...), got {type(optimizer).__name__}"
        )
    if dtype not in ("float64", "float32"):
        raise ValueError(f"fit: dtype must be 'float64' or 'float32', got {dtype!r}")
    if not compile:
        if dtype != "float64":
            raise ValueError(
                f"fit: dtype={dtype!r} needs compile=True (the eager engine computes in Python's floats, "
                "float64)"
            )
        return EagerSteps(model, inputs, targets, loss_fn, optimizer)
    return CompiledSteps(model, inputs, targets, loss_fn, optimizer, dtype, hold)


class Steps:
    """One training step a call, on the samples at the given indices (made by `steps`)."""

    def __call__(self, batch: Sequence[int]) -> float:
        """Zero the gradients, backpropagate the batch's mean loss, step: that mean loss."""
        raise NotImplementedError

    def order(self, n: int, seed: int | None, epoch: int) -> Sequence[int]:
        """The indices of the n samples in the order epoch `epoch` visits them: shuffled
        by `nn.orders` for a run seeded `seed`, or in order (seed None)."""
        return list(range(n)) if seed is None else epoch_order(n, seed, epoch)

    def close(self) -> None:
        """Leave the parameters' Values as the steps left them (nothing to do for most)."""

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EagerSteps(Steps):
    """Each example's graph built and backpropagated on Values: the documents' loop."""

    def __init__(
        self, model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss, optimizer: Optimizer
    ) -> None:
        self.model, self.inputs, self.targets, self.loss, self.optimizer = (
            model,
            inputs,
            targets,
            loss,
            optimizer,
        )

    def __call__(self, batch: Sequence[int]) -> float:
        losses = [self.loss(self.targets[i], self.model(self.inputs[i])) for i in batch]
        step_loss = losses[0] if len(losses) == 1 else engine.sum(losses) * (1.0 / len(losses))
        self.optimizer.zero_grad()
        step_loss.backward()
        self.optimizer.step()
        return step_loss.data


class CompiledSteps(Steps):
    """Each step on the whole batch at once (`engine.compile`), in a training block
    (`Compiled.training`): with nn's optimizers the parameters are one array while
    it runs, without reading and writing every Value every step; the Values get
    their numbers, and the last step's gradients, when it closes."""

    def __init__(
        self,
        model: Module,
        inputs: Sequence[Any],
        targets: Sequence[Any],
        loss: Loss,
        optimizer: Optimizer,
        dtype: str = "float64",
        hold: bool = True,
    ) -> None:
        import numpy

        self._np = numpy
        self.compiled, self.x, self.y = compiled_loss(model, inputs, targets, loss, dtype)
        self.training = self.compiled.training(optimizer, hold=hold)

    def __call__(self, batch: Sequence[int]) -> float:
        # the whole data and the batch's rows: the compiled step gathers them itself (its first
        # layer's in chunks, each multiplied while it is in cache)
        return self.training(self.x, self.y, rows=self._np.asarray(batch))

    def order(self, n: int, seed: int | None, epoch: int) -> Sequence[int]:
        """`Steps.order` as an array, computed by numpy on all the keys at once: the same order."""
        if seed is None:
            return cast(Sequence[int], self._np.arange(n, dtype=self._np.intp))
        return cast(Sequence[int], epoch_order_array(self._np, n, seed, epoch))

    def close(self) -> None:  # (or interrupted): the Values as eager steps would leave them
        self.training.close()


# model -> {(loss, example shapes, dtype): its compiled loss}, the most recently used
# COMPILED_PER_MODEL of them (a session that fits with a new lambda loss each time
# does not grow it without end). The compiled function holds the model weakly (see
# _loss_of), so a model is freed as usual, and its compiled steps with it.
COMPILED_PER_MODEL = 4
_COMPILED: weakref.WeakKeyDictionary[Module, OrderedDict[Any, Any]] = weakref.WeakKeyDictionary()


def _remember(model: Module, key: Any, compiled: Any) -> None:
    kept = _COMPILED.setdefault(model, OrderedDict())
    kept[key] = compiled
    kept.move_to_end(key)
    while len(kept) > COMPILED_PER_MODEL:
        kept.popitem(last=False)  # the least recently used


def cached_steps(model: Module) -> int:
    """How many compiled steps fit keeps for `model` (at most COMPILED_PER_MODEL)."""
    return len(_COMPILED.get(model, ()))


def compiled_loss(
    model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss, dtype: str = "float64"
) -> tuple[Any, ...]:
    """The step's loss, `loss(y, model(x))` of one example, compiled, and the data as
    arrays of `dtype`. Compiled once per model, loss, shapes and dtype: a second fit
    reuses it when one graph was proved while tracing and a run of the loss (computing
    no numbers) builds the same graph again (`same_graph`)."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError("fit(compile=True) needs numpy: pip install numpy") from None
    # (x is only read: the caller's own array, where it already has the dtype)
    x = _numbers(np, inputs, "inputs").astype(dtype, copy=False)
    y = _numbers(np, targets, "targets")
    if loss.class_targets and y.ndim == 1 and y.dtype.kind in "iu":  # class indices
        outputs = model(inputs[0])
        n = len(outputs) if isinstance(outputs, list) else 1
        y = np.array([one_hot(int(t), n) for t in y])
    y = y.astype(dtype, copy=False)
    key = (loss, x.shape[1:], y.shape[1:], dtype)
    cached = _COMPILED.get(model, OrderedDict()).get(key)
    if cached is not None and cached.proved and cached.same_graph(x[0], y[0]):
        _COMPILED[model].move_to_end(key)
        return cached, x, y  # (a loss that looks at numbers is compiled, and checked, anew)
    compiled = engine.compile(_loss_of(model, loss), x[0], y[0], dtype=dtype)
    if compiled.reads_parameters is not None:
        raise ValueError(
            f"fit(compile=True): {compiled.reads_parameters}. The graph the model and the loss build may "
            "then change as training changes the parameters, and a compiled step would go on training the "
            "graph chosen at the start. Train it with compile=False, or make the choice with Value ops "
            "(relu, step, Value.max)"
        )
    _remember(model, key, compiled)
    return compiled, x, y


def _numbers(np: Any, values: Sequence[Any], name: str) -> Any:
    """`values` as an array of numbers, or the error eager training would meet, saying where:
    None and strings are not numbers (numpy would make them nan and 1.5), ragged rows are refused."""
    try:
        array = np.asarray(values)
    except ValueError:  # ragged: numpy cannot make one array of it
        array = None
    if array is not None and array.dtype.kind in "biuf":
        return array
    lengths = [len(v) if isinstance(v, (list, tuple)) or hasattr(v, "__len__") else None for v in values]
    if array is None or array.dtype.kind == "O":
        common = max(set(lengths), key=lengths.count)
        for i, n in enumerate(lengths):
            if n != common:
                other = lengths.index(common)
                shown = "a number" if n is None else f"{n} numbers"
                theirs = "a number" if common is None else f"{common} numbers"
                raise ValueError(
                    f"fit: {name}[{i}] has {shown} where {name}[{other}] has {theirs}; every one must "
                    "have the same shape"
                )
    for where, v in _leaves(values, name):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            kind = "None" if v is None else f"a {type(v).__name__}"
            raise TypeError(
                f"fit: {where} is {kind}, {v!r:.40}; expected a real number, as eager training does"
            )
    raise ValueError(f"fit: {name} could not be made an array of numbers (numpy's dtype {array.dtype})")


def _leaves(values: Any, where: str) -> Any:
    """(where, x) for every item of nested lists (inputs[3][1], x), depth first."""
    stack = [(where, values)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            yield at, v
        else:
            stack.extend(reversed([(f"{at}[{i}]", item) for i, item in enumerate(v)]))


def _loss_of(model: Module, loss: Loss) -> Callable[[Any, Any], Value]:
    model_ref = weakref.ref(model)

    def loss_of_example(x: Any, y: Any) -> Value:
        return loss(y, cast(Module, model_ref())(x))

    return loss_of_example


def progress_bar(total: int, desc: str = "training") -> Any:
    """A tqdm bar of `total` steps, or None when tqdm is not installed (train silently).

    In a terminal, tqdm's text bar. In Jupyter, its widget when ipywidgets is
    installed (the `jupyter` extra), else the same text bar, written to the
    cell's output: no "IProgress not found" warning, and a notebook saved
    with its outputs shows the finished bar, not a frozen widget at 0%.
    """
    try:
        from tqdm import std
    except ImportError:
        return None
    if not _in_notebook():
        return std.tqdm(total=total, desc=desc, unit="step", leave=True)
    if importlib.util.find_spec("ipywidgets") is None:
        return std.tqdm(total=total, desc=desc, unit="step", leave=True, file=sys.stdout)
    from tqdm.notebook import tqdm as widget

    return widget(total=total, desc=desc, unit="step", leave=True)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ZMQ shell), as tqdm.auto decides."""
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    return get_ipython is not None and type(get_ipython()).__name__ == "ZMQInteractiveShell"


__all__ = [
    "COMPILED_PER_MODEL",
    "LOSSES",
    "CompiledSteps",
    "EagerSteps",
    "Steps",
    "cached_steps",
    "compiled_loss",
    "fit",
    "progress_bar",
    "steps",
]
