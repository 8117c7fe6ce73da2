"""Correct: other attribute names (.value, .gradient), children kept as `inputs`."""

import math


class Node:
    def __init__(self, value, inputs=(), rule=None):
        self.value, self.gradient = value, 0.0
        self.inputs, self.rule = inputs, rule

    def __add__(self, other):
        other = other if isinstance(other, Node) else Node(other)
        return Node(self.value + other.value, (self, other), lambda g: (g, g))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Node) else Node(other)
        return Node(self.value * other.value, (self, other), lambda g: (g * other.value, g * self.value))

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def exp(self):
        e = math.exp(self.value)
        return Node(e, (self,), lambda g: (g * e,))

    def backward(self):
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((i, False) for i in node.inputs)
        self.gradient = 1.0
        for node in reversed(order):
            if node.rule:
                for i, g in zip(node.inputs, node.rule(node.gradient)):
                    i.gradient += g
