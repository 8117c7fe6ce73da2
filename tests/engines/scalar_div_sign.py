"""Buggy, in another style: recursive walk, gradients start as None, .val and .g; the sign of ∂(a / b)/∂b."""

import math


class Scalar:
    def __init__(self, val, kids=(), rule=None):
        self.val = val
        self.g = None
        self.kids = kids
        self.rule = rule

    def _acc(self, amount):
        self.g = amount if self.g is None else self.g + amount

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.val + other.val, (self, other), lambda g: (g, g))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.val * other.val, (self, other), lambda g: (g * other.val, g * self.val))

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(
            self.val / other.val,
            (self, other),
            lambda g: (g / other.val, g * self.val / other.val**2),  # sign of the second term
        )

    def exp(self):
        e = math.exp(self.val)
        return Scalar(e, (self,), lambda g: (g * e,))

    def backward(self):
        seen = set()
        order = []

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for k in n.kids:
                visit(k)
            order.append(n)

        visit(self)
        self._acc(1.0)
        for n in reversed(order):
            if n.rule is not None and n.g is not None:
                for k, share in zip(n.kids, n.rule(n.g)):
                    k._acc(share)
