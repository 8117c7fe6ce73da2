# Your turn: the documents' ∂L/∂w1 for Alice, one gradient at a time, in the
# order backward reaches them. Type each gradient as its box would show it; a
# wrong answer gets the chain rule in these names, then with the numbers, then
# the answer ("Show me" skips to it).
from engine import Value

x1, x2, y_true = Value(-2.0, label="x1"), Value(-1.0, label="x2"), 1.0
w1, w2, w3, w4, w5, w6 = (Value(1.0, label=f"w{i}") for i in range(1, 7))
b1, b2, b3 = (Value(0.0, label=f"b{i}") for i in range(1, 4))
h1 = (w1 * x1 + w2 * x2 + b1).sigmoid(); h1.label = "h1"
h2 = (w3 * x1 + w4 * x2 + b2).sigmoid(); h2.label = "h2"
y_pred = (w5 * h1 + w6 * h2 + b3).sigmoid(); y_pred.label = "y_pred"
L = (y_true - y_pred) ** 2; L.label = "L"

your_turn(L, w1)  # the gradients from L down to w1
