"""Correct: operations only as methods (a.add(b), a.mul(b), a.pow(n), ...), no operators."""

import math


class Scalar:
    def __init__(self, data, deps=()):
        self.data, self.grad, self.deps = data, 0.0, deps

    @staticmethod
    def _s(x):
        return x if isinstance(x, Scalar) else Scalar(x)

    def add(self, other):
        other = self._s(other)
        return Scalar(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def mul(self, other):
        other = self._s(other)
        return Scalar(self.data * other.data, ((self, other.data), (other, self.data)))

    def sub(self, other):
        return self.add(self._s(other).neg())

    def neg(self):
        return self.mul(-1.0)

    def div(self, other):
        return self.mul(self._s(other).pow(-1))

    def pow(self, n):
        return Scalar(self.data**n, ((self, n * self.data ** (n - 1)),))

    def exp(self):
        e = math.exp(self.data)
        return Scalar(e, ((self, e),))

    def tanh(self):
        t = math.tanh(self.data)
        return Scalar(t, ((self, 1 - t * t),))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((d, False) for d, _ in node.deps)
        self.grad = 1.0
        for node in reversed(order):
            for dep, local in node.deps:
                dep.grad += local * node.grad
