"""Correct: gradients are objects (a tiny 0-d tensor class with .item()), not floats."""


class Scalar0d:
    def __init__(self, x):
        self.x = float(x)

    def __add__(self, other):
        return Scalar0d(self.x + (other.x if isinstance(other, Scalar0d) else other))

    __radd__ = __add__

    def __mul__(self, other):
        return Scalar0d(self.x * (other.x if isinstance(other, Scalar0d) else other))

    __rmul__ = __mul__

    def item(self):
        return self.x

    def __repr__(self):
        return f"tensor({self.x})"


class Value:
    def __init__(self, data, parents=()):
        self.data, self.grad, self.parents = data, Scalar0d(0.0), parents

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    __radd__, __rmul__ = __add__, __mul__

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p, _ in node.parents)
        self.grad = Scalar0d(1.0)
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad = parent.grad + node.grad * local
