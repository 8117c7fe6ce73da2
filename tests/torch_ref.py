"""The same graph, run again in PyTorch (float64): the reference for `.data` and `.grad`.

Test-only: one PyTorch function per op table entry, keyed by the op's name.
"""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import engine  # noqa: E402


def _dot(*xs):
    n = len(xs) // 2
    return torch.dot(torch.stack(xs[:n]), torch.stack(xs[n:]))


TORCH_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "add_const": lambda x, c: x + c,
    "mul_const": lambda x, c: x * c,
    "pow": lambda a, n: a**n,
    "vpow": lambda a, b: a**b,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    # PyTorch's softplus is x itself above its threshold (20): no second derivative there
    "softplus": lambda x: F.softplus(x, threshold=100.0),
    "relu": torch.relu,
    "leaky_relu": lambda x, slope: F.leaky_relu(x, slope),
    "abs": torch.abs,
    # PyTorch has no differentiable step; (x > 0) times a zero-derivative 1 is the same function.
    "step": lambda x: (x > 0).to(x.dtype) + 0 * x,
    "sign": torch.sign,
    "max": torch.maximum,
    "stop_gradient": lambda x: x.detach() + 0 * x,  # detached, yet an output with a (zero) gradient
    "check": lambda x, allowed: x,
    "sum": lambda *xs: torch.stack(xs).sum(),
    "dot": _dot,
    "dot_const": lambda *ws_and_cs: torch.dot(
        torch.stack(ws_and_cs[:-1]), torch.tensor(ws_and_cs[-1], dtype=torch.float64)
    ),
}


def run_in_torch(output, leaves):
    """Replay `output`'s graph in PyTorch; return (torch output, leaf tensors)."""
    tensors = {leaf: torch.tensor(leaf.data, dtype=torch.float64, requires_grad=True) for leaf in leaves}
    for node in engine.topological_order(output):
        if node in tensors:
            continue
        if node.op is None:
            tensors[node] = torch.tensor(node.data, dtype=torch.float64)
            continue
        args = [tensors[p] for p in node.parents]
        if node.op.param is not None:
            args.append(node.arg)
        tensors[node] = TORCH_OPS[node.op.name](*args)
    return tensors[output], [tensors[leaf] for leaf in leaves]


def torch_grads(output, leaves, order=1):
    """∂output/∂leaf (order 1) or Σⱼ ∂²output/∂leaf∂xⱼ (order 2) from PyTorch."""
    out, xs = run_in_torch(output, leaves)
    grads = torch.autograd.grad(out, xs, create_graph=order > 1, allow_unused=True)
    grads = [g if g is not None else torch.zeros((), dtype=torch.float64) for g in grads]
    if order == 1:
        return out.item(), [g.item() for g in grads]
    total = sum(grads)
    if not total.requires_grad:
        return out.item(), [0.0 for _ in xs]
    second = torch.autograd.grad(total, xs, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in second]
