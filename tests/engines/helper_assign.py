"""Buggy: every op adds to a gradient through one helper, which sets it with = where += belongs."""

import math


def _put(node, amount):
    node.grad = amount  # the slip, in one helper every op uses


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            _put(self, out.grad)
            _put(other, out.grad)

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            _put(self, other.data * out.grad)
            _put(other, self.data * out.grad)

        out._backward = _backward
        return out

    def __pow__(self, other):
        if isinstance(other, Value):
            out = Value(self.data**other.data, (self, other), "**")

            def _backward():
                _put(self, other.data * self.data ** (other.data - 1) * out.grad)
                _put(other, out.data * math.log(self.data) * out.grad)

            out._backward = _backward
            return out
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            _put(self, other * self.data ** (other - 1) * out.grad)

        out._backward = _backward
        return out

    def __rpow__(self, other):
        out = Value(other**self.data, (self,), f"{other}**")

        def _backward():
            _put(self, out.data * math.log(other) * out.grad)

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            _put(self, out.data * out.grad)

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            _put(self, (1 / self.data) * out.grad)

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            _put(self, (1 - t**2) * out.grad)

        out._backward = _backward
        return out

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            _put(self, s * (1 - s) * out.grad)

        out._backward = _backward
        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            _put(self, (out.data > 0) * out.grad)

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
