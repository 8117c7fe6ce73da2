"""The documents' 2-2-1 sigmoid network, forward and backward, with the engine alone.

    python -m demos

Every weight is [0, 1] and every bias 0, fed x = [2, 3]: the documents'
forward value is 0.7216325609518421. Then L = (1 − y_pred)² is
backpropagated and each parameter's gradient printed.
"""

from engine import Value, dot


def main() -> None:
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    w1, w2, w3, w4, w5, w6 = (Value(v, label=f"w{i}") for i, v in enumerate([0, 1, 0, 1, 0, 1], 1))
    b1, b2, b3 = (Value(0.0, label=f"b{i}") for i in (1, 2, 3))

    h1 = (dot([w1, w2], x) + b1).sigmoid()
    h2 = (dot([w3, w4], x) + b2).sigmoid()
    y_pred = (dot([w5, w6], [h1, h2]) + b3).sigmoid()
    print(f"forward: y_pred = {y_pred.data!r}   (the documents: 0.7216325609518421)")

    loss = (1 - y_pred) ** 2
    loss.backward()
    print(f"loss L = (1 − y_pred)² = {loss.data:.6f}")
    for p in (w1, w2, w3, w4, w5, w6, b1, b2, b3):
        print(f"  ∂L/∂{p.label} = {p.grad:+.6f}")


if __name__ == "__main__":
    main()
