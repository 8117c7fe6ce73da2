"""Correct, in PyTorch's style: float32 numbers, leaves need requires_grad=True, and only
leaves keep their gradients (an inner node's is None after backward)."""

import numpy as np


class Tensor:
    def __init__(self, data, requires_grad=False, _parents=(), _locals=()):
        self.data = np.float32(data)
        self.requires_grad = requires_grad or any(p.requires_grad for p in _parents)
        self.grad = None
        self.is_leaf = not _parents
        self._parents, self._locals = _parents, _locals

    def _t(self, x):
        return x if isinstance(x, Tensor) else Tensor(x)

    def __add__(self, other):
        other = self._t(other)
        return Tensor(self.data + other.data, _parents=(self, other), _locals=(1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = self._t(other)
        return Tensor(self.data * other.data, _parents=(self, other), _locals=(other.data, self.data))

    __rmul__ = __mul__

    def __sub__(self, other):
        other = self._t(other)
        return Tensor(self.data - other.data, _parents=(self, other), _locals=(1.0, -1.0))

    def __rsub__(self, other):
        return self._t(other) - self

    def __neg__(self):
        return self * -1.0

    def __truediv__(self, other):
        other = self._t(other)
        return Tensor(
            self.data / other.data,
            _parents=(self, other),
            _locals=(1 / other.data, -self.data / other.data**2),
        )

    def __pow__(self, n):
        return Tensor(self.data**n, _parents=(self,), _locals=(n * self.data ** (n - 1),))

    def exp(self):
        e = np.exp(self.data)
        return Tensor(e, _parents=(self,), _locals=(e,))

    def tanh(self):
        t = np.tanh(self.data)
        return Tensor(t, _parents=(self,), _locals=(1 - t * t,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._parents)
        grads = {id(self): np.float32(1.0)}
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node.is_leaf:
                if node.requires_grad:
                    node.grad = g if node.grad is None else node.grad + g
                continue
            for parent, local in zip(node._parents, node._locals):
                if parent.requires_grad:
                    grads[id(parent)] = grads.get(id(parent), np.float32(0.0)) + np.float32(local) * g
