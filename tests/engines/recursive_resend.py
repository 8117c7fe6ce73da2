"""Buggy: a recursive backward that passes a node's whole accumulated gradient on to its
inputs once per user, so a shared inner node sends its share more than once."""

import math


class Value:
    def __init__(self, data, inputs=()):
        self.data, self.grad, self.inputs = data, 0.0, inputs

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return self * other

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1 - t * t),))

    def backward(self, g=1.0):
        self.grad += g
        for node, local in self.inputs:
            node.backward(local * self.grad)  # the whole gradient so far, again for each user
