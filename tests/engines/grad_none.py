"""Correct: gradients start as None (as PyTorch's do) and are created on first use."""

import math


class Value:
    def __init__(self, data, _prev=(), _back=None):
        self.data, self.grad = data, None
        self._prev, self._back = _prev, _back

    def _add_grad(self, g):
        self.grad = g if self.grad is None else self.grad + g

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        out._back = lambda g: (self._add_grad(g), other._add_grad(g))
        return out

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        out._back = lambda g: (self._add_grad(g * other.data), other._add_grad(g * self.data))
        return out

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __pow__(self, n):
        out = Value(self.data**n, (self,))
        out._back = lambda g: self._add_grad(g * n * self.data ** (n - 1))
        return out

    def __truediv__(self, other):
        return self * other**-1

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))
        out._back = lambda g: self._add_grad(g * (1 - t * t))
        return out

    def backward(self):
        topo, seen = [], set()
        stack = [(self, iter(self._prev))]
        seen.add(id(self))
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                topo.append(node)
                stack.pop()
            elif id(child) not in seen:
                seen.add(id(child))
                stack.append((child, iter(child._prev)))
        self.grad = 1.0
        for node in reversed(topo):
            if node._back is not None and node.grad is not None:
                node._back(node.grad)
