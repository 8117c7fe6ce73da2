"""Correct: backward is a free function of the module, backward(root), not a method."""

import math


class Var:
    def __init__(self, data, parents=()):
        self.data, self.grad, self.parents = data, 0.0, parents  # parents: ((node, local), ...)

    def __add__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.data * other.data, ((self, other.data), (other, self.data)))

    __radd__, __rmul__ = __add__, __mul__

    def tanh(self):
        t = math.tanh(self.data)
        return Var(t, ((self, 1 - t * t),))


def backward(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents)
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += local * node.grad
