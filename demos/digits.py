"""The documents' digit recogniser on real handwriting: MLP(64, [16, 16, 10]), what each neuron looks for.

The documents' network reads 28×28 MNIST images (784 inputs). MNIST cannot
be downloaded here, so this reads scikit-learn's bundled 8×8 digits (1,797
images, pixel values 0..16 scaled to 0..1), keeps a fifth of them aside as
a test set, and trains the documents' shape with 64 inputs: two hidden
layers of 16 sigmoid neurons, a(n) = σ(W·a(n−1) + b), and 10 outputs read
through softmax. Then it draws what the documents draw: each first-layer
neuron's 64 weights as an 8×8 picture, positive green, negative red,
brighter for larger magnitude.
"""

from __future__ import annotations

from typing import Any

import engine
import nn
from demos.report import MissingExtra, Report, pyplot

SEED = 0


def load() -> tuple[list[list[float]], list[int], list[list[float]], list[int]]:
    """scikit-learn's 8×8 digits split 80/20 by class: (train images, labels, test images, labels)."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise MissingExtra(
            "this demo reads scikit-learn's bundled digits; scikit-learn is not installed: "
            "pip install scikit-learn (from a clone: pip install -e '.[demos]', or make demo)"
        ) from None
    digits = load_digits()
    images = [[pixel / 16 for pixel in image] for image in digits.data.tolist()]
    labels = [int(label) for label in digits.target]
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=0.2, stratify=labels, random_state=SEED
    )
    return train_x, train_y, test_x, test_y


def predict(model: nn.MLP, image: list[float]) -> int:
    """The digit whose output is largest (softmax keeps the order, so the logits suffice)."""
    with engine.no_grad():
        logits = model(image)
    assert isinstance(logits, list)  # ten output neurons
    return max(range(len(logits)), key=lambda k: logits[k].data)


def main(report: Report) -> None:
    train_x, train_y, test_x, test_y = load()
    epochs = 2 if report.quick else 30

    model = nn.MLP(64, [16, 16, 10], activation=["sigmoid", "sigmoid", "linear"], seed=SEED)
    documents = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=SEED).num_parameters()
    print(
        f"parameters: {documents:,} in the documents' MLP(784, [16, 16, 10]) (784·16 + 16·16 + 16·10 + 42),"
    )
    print(
        f"            {model.num_parameters():,} in this MLP(64, [16, 16, 10]) (64·16 + 16·16 + 16·10 + 42)"
    )
    print(f"{len(train_x)} training images, {len(test_x)} test images; Adam, batches of 32, {epochs} epochs")

    losses = train(model, train_x, train_y, epochs)
    predictions = [predict(model, image) for image in test_x]
    correct = sum(p == t for p, t in zip(predictions, test_y, strict=True))
    accuracy = correct / len(test_y)
    print(f"mean loss {losses[0]:.4f} in epoch 1, {losses[-1]:.4f} in epoch {epochs}")
    print(f"test accuracy: {correct} of {len(test_y)} = {accuracy:.1%}")

    confusion = confusion_matrix(predictions, test_y)
    report.results.update(
        parameters=model.num_parameters(),
        documents_parameters=documents,
        losses=losses,
        accuracy=accuracy,
        confusion=confusion,
    )
    plot_confusion(report, confusion, accuracy, "digits_confusion.png")
    plot_weights(report, model, 8, "digit_weights.png")


def train(model: nn.MLP, images: Any, labels: Any, epochs: int, compile: bool = False) -> list[float]:  # noqa: A002
    """The digit recogniser's training: softmax cross-entropy, Adam (0.01), batches of 32."""
    return nn.fit(
        model,
        images,
        labels,
        loss="cross_entropy",  # −log softmax(logits)[digit]
        optimizer=nn.Adam(model.parameters(), lr=0.01),
        epochs=epochs,
        batch_size=32,
        seed=SEED,
        compile=compile,
    )


def confusion_matrix(predictions: list[int], truth: list[int]) -> list[list[int]]:
    """How often each true digit (row) was predicted as each digit (column)."""
    confusion = [[0] * 10 for _ in range(10)]
    for p, t in zip(predictions, truth, strict=True):
        confusion[t][p] += 1
    return confusion


def plot_confusion(report: Report, confusion: list[list[int]], accuracy: float, name: str) -> None:
    """Test predictions against the truth, a 10×10 table, the correct ones on the diagonal."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5))
    ax.imshow(confusion, cmap="Greens")
    top = max(max(row) for row in confusion)
    for t, row in enumerate(confusion):
        for p, count in enumerate(row):
            if count:
                ax.text(
                    p,
                    t,
                    count,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if count > top / 2 else "black",
                )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Test set: {accuracy:.1%} correct (the diagonal)", fontsize=10)
    report.figure(fig, name)


def weight_pixels(weights: list[float]) -> list[tuple[float, float, float]]:
    """One neuron's weights as RGB: green for +, red for −, black for 0; the largest |w| fully bright."""
    largest = max(abs(w) for w in weights) or 1.0  # each neuron on its own scale
    return [(max(-w, 0.0) / largest, max(w, 0.0) / largest, 0.0) for w in weights]


def plot_weights(report: Report, model: nn.MLP, side: int, name: str) -> None:
    """Each first-layer neuron's weights as a side×side image: green +, red −, brighter = larger |w|."""
    plt = pyplot()
    neurons = model.layers[0].neurons
    fig, axes = plt.subplots(4, 4, figsize=(6.4, 7), layout="constrained")
    for k, (neuron, ax) in enumerate(zip(neurons, axes.flat, strict=True), 1):
        pixels = weight_pixels([w.data for w in neuron.w])
        ax.imshow([pixels[row * side : row * side + side] for row in range(side)])
        ax.set_title(f"L1.N{k}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        f"What each first-layer neuron looks for:\n"
        f"its {side * side} weights, green +, red −, brighter = larger",
        fontsize=10,
    )
    report.figure(fig, name)
