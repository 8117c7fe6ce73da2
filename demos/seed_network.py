"""The documents' 2-2-1 sigmoid network: forward value, the hand derivation of ∂L/∂w1, training, prediction.

The whole story of SEEDS.md §4 in one run:

1. forward: every neuron with weights [0, 1] and bias 0, fed x = [2, 3],
   outputs 0.7216325609518421;
2. the derivation the documents work by hand, ∂L/∂w1 = ∂L/∂y_pred ·
   ∂y_pred/∂h1 · ∂h1/∂w1 for sample Alice, printed and drawn, and the
   forward and backward passes step by step (a page and a GIF);
3. stochastic gradient descent on the four people (w ← w − η·∂L/∂w, one
   sample at a time), the loss falling epoch by epoch;
4. predictions for two people the network has not seen, and the trained
   network's computation graph.

Training takes a fraction of a second, so --quick changes nothing here.
"""

from __future__ import annotations

import textwrap

import nn
from demos.networks import SeedNetwork, seed_network
from demos.report import GREEN, Report, pyplot, viz
from engine import explain

# Weight minus 135 lb, height minus 66 in; label 1 for female (the original tutorial's data).
PEOPLE = {"Alice": (-2.0, -1.0), "Bob": (25.0, 6.0), "Charlie": (17.0, 4.0), "Diana": (-15.0, -6.0)}
LABELS = {"Alice": 1, "Bob": 0, "Charlie": 0, "Diana": 1}
NEW_PEOPLE = {"Emily": (-7.0, -3.0), "Frank": (20.0, 2.0)}  # the tutorial's two unseen people
LEARNING_RATE, EPOCHS, SEED = 0.1, 1000, 0


def main(report: Report) -> None:
    draw_derivation, draw_dot = viz().draw_derivation, viz().draw_dot
    print("1. Forward: every neuron has weights [0, 1] and bias 0; x = [2, 3]")
    y_pred = SeedNetwork(weights=[0, 1] * 3)([2, 3]).data
    print(f"   y_pred = {y_pred!r}   (the documents: 0.7216325609518421)")
    mse = nn.mse_loss([1, 0, 0, 1], [0, 0, 0, 0]).data
    print(f"   mean squared error mse([1, 0, 0, 1], [0, 0, 0, 0]) = {mse!r}   (the documents: 0.5)")
    report.results.update(forward=y_pred, mse=mse)

    print("\n2. By hand: ∂L/∂w1 for Alice (x = (−2, −1), y_true = 1), every weight 1, every bias 0\n")
    alice = seed_network()
    alice.L.backward()
    derivation = explain(alice.L, alice.w1)
    print(textwrap.indent(str(derivation), "   "))
    report.results.update(dL_dw1=derivation.value, derivation_agrees=derivation.agrees)
    report.drawing(draw_derivation(alice.L, alice.w1, derivation=derivation), "alice_dL_dw1")
    steps = viz().animate(alice.L, parameters=[alice.w1], rankdir="TB")
    report.animation(steps, "alice_backward")
    print(
        f"\n   Step by step ({len(steps)} steps, forward then backward, ending on ∂L/∂w1): "
        "alice_backward.html (open it in a browser; ← → step) and alice_backward.gif"
    )
    report.results.update(steps=[step.text for step in steps.steps])

    print(f"\n3. Training: SGD, η = {LEARNING_RATE}, {EPOCHS} epochs over the four people, one at a time")
    model = SeedNetwork(seed=SEED)  # normally distributed weights, as the tutorial starts
    losses = nn.fit(
        model,
        list(PEOPLE.values()),
        list(LABELS.values()),
        loss="mse",  # per sample (y_true − y_pred)²; the epoch's mean is the documents' L
        optimizer=nn.SGD(model.parameters(), lr=LEARNING_RATE),
        epochs=EPOCHS,
        seed=SEED,
    )
    print(f"   mean loss: {losses[0]:.4f} in epoch 1, {losses[-1]:.4f} in epoch {EPOCHS}")
    print(f"   trained: {model!r}")
    report.results.update(losses=losses)
    _plot_loss(report, losses)

    print("\n4. Predictions (1 = female, 0 = male)")
    for name, x in {**PEOPLE, **NEW_PEOPLE}.items():
        p = model(x).data
        seen = f"truth {LABELS[name]}" if name in LABELS else "not seen in training"
        print(f"   {name:<8} {x!s:<13} y_pred = {p:.3f}  → {'female' if p > 0.5 else 'male':<6}  ({seen})")
        report.results[name] = p

    trained = model.loss(PEOPLE["Alice"], LABELS["Alice"])  # drawn with its gradients
    model.zero_grad()
    trained.L.backward()
    report.drawing(draw_dot(trained.L, parameters=model.parameters()), "trained_graph")


def _plot_loss(report: Report, losses: list[float]) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(range(1, len(losses) + 1), losses, color=GREEN)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss L = (y_true − y_pred)²")
    ax.set_title(f"The 2-2-1 network learns Alice, Bob, Charlie and Diana (SGD, η = {LEARNING_RATE})")
    ax.grid(True, which="both", alpha=0.3)
    report.figure(fig, "loss_curve.png")
