"""Correct: an iterative topological sort (a stack, no recursion), edges stored as (parent, local)."""

import math


class Value:
    __slots__ = ("data", "edges", "grad")

    def __init__(self, data, edges=()):
        self.data, self.grad, self.edges = data, 0.0, tuple(edges)

    def _lift(self, x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = self._lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = self._lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return self * other

    def __sub__(self, other):
        other = self._lift(other)
        return Value(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __truediv__(self, other):
        other = self._lift(other)
        return Value(self.data / other.data, ((self, 1 / other.data), (other, -self.data / other.data**2)))

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),))

    def __pow__(self, n):
        return Value(self.data**n, ((self, n * self.data ** (n - 1)),))

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return Value(s, ((self, s * (1 - s)),))

    def relu(self):
        return Value(max(0.0, self.data), ((self, 1.0 if self.data > 0 else 0.0),))

    def log(self):
        return Value(math.log(self.data), ((self, 1 / self.data),))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p, _ in node.edges)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.edges:
                parent.grad += local * node.grad
