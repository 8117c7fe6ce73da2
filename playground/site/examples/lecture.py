# micrograd's lecture neuron: o = tanh(x1·w1 + x2·w2 + b). Its gradients stepped by
# hand as the lecture does (o.grad = 1, then _backward() node by node, last first),
# then the forward and backward passes animated, one step at a time.
from engine import Value, topological_order
from engine.viz import animate

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b; n.label = "n"
o = n.tanh(); o.label = "o"

o.grad = 1.0
for node in reversed(topological_order(o)):
    node._backward()
print("∂o/∂w1 =", round(w1.grad, 4), " ∂o/∂x1 =", round(x1.grad, 4))
animate(o)  # press next (or →) to step
