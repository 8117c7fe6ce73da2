"""Buggy twice over: a recursive backward with no visited set that walks `_prev`, a set
(a shared node is stepped once per path, in an order that follows memory addresses), and
`__truediv__` with the wrong sign for b. Its own one-node a / b must still be blamed,
though the walk is at fault too."""


class Value:
    def __init__(self, data, children=(), op=""):
        self.data = data
        self.grad = 0
        self._prev = set(children)
        self._op = op
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += out.grad / other.data
            other.grad += self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    def backward(self):
        def go(v):
            v._backward()
            for c in v._prev:
                go(c)

        self.grad = 1
        go(self)
