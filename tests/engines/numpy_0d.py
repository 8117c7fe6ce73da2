"""Correct: numbers and gradients are numpy 0-d arrays."""

import numpy as np


class Value:
    def __init__(self, data, _children=(), _grads=None):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.array(0.0)
        self._children, self._grads = _children, _grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), lambda g: (g, g))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), lambda g: (g * other.data, g * self.data))

    def __rmul__(self, other):
        return self * other

    def __pow__(self, n):
        return Value(self.data**n, (self,), lambda g: (g * n * self.data ** (n - 1),))

    def exp(self):
        e = np.exp(self.data)
        return Value(e, (self,), lambda g: (g * e,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((c, False) for c in node._children)
        self.grad = np.array(1.0)
        for node in reversed(order):
            if node._grads is not None:
                for child, g in zip(node._children, node._grads(node.grad)):
                    child.grad = child.grad + g
