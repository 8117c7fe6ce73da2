"""Learners' engines for the checker's tests: one-line mutants of lecture.py (each a bug
learners write) and engines written in other styles (files beside this one).

`write(name, folder)` puts engine `name` in `folder` as a file of its own and returns
its path, so the checker meets it as it meets a learner's: source, lines and all."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

# name -> [(text in lecture.py, its replacement), ...]; each text must be there once
MUTANTS: dict[str, list[tuple[str, str]]] = {
    "add_assign_self": [
        (
            "            self.grad += out.grad\n            other.grad += out.grad",
            "            self.grad = out.grad\n            other.grad += out.grad",
        ),
    ],
    "add_assign_other": [
        (
            "            self.grad += out.grad\n            other.grad += out.grad",
            "            self.grad += out.grad\n            other.grad = out.grad",
        ),
    ],
    "mul_assign_both": [
        (
            "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
            "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
        ),
    ],
    "rpow_wrong": [
        ("self.grad += out.data * math.log(other) * out.grad", "self.grad += out.data * out.grad"),
    ],
    "pow_wrong": [
        (
            "self.grad += other * self.data ** (other - 1) * out.grad",
            "self.grad += other * self.data**other * out.grad",
        ),
    ],
    "log_wrong": [("self.grad += (1 / self.data) * out.grad", "self.grad += self.data * out.grad")],
    "mul_wrong": [("self.grad += other.data * out.grad", "self.grad += self.data * out.grad")],
    "mul_reads_grad": [("self.grad += other.data * out.grad", "self.grad += other.data * self.grad")],
    "tanh_wrong": [("self.grad += (1 - t**2) * out.grad", "self.grad += (1 - t) * out.grad")],
    "tanh_no_math": [("t = math.tanh(self.data)", "t = mth.tanh(self.data)")],
    "visited_never_cleared": [
        (
            "            if v not in visited:\n                visited.add(v)",
            "            if not getattr(v, 'seen', False):\n                v.seen = True",
        ),
    ],
    "twice": [
        ("self._prev = set(_children)", "self._prev = list(_children)"),
        ("            if v not in visited:\n                visited.add(v)\n", "            if True:\n"),
    ],
    "order": [("for v in reversed(topo):", "for v in topo:")],
    "set_walk": [("for v in reversed(topo):", "for v in set(reversed(topo)):")],
    "stale": [
        (
            "            v._backward()\n",
            "            v._backward()\n        for v in topo:  # a running total that zeroing .grad does not clear\n"
            "            v.total = getattr(v, 'total', 0.0) + v.grad\n            v.grad = v.total\n",
        ),
    ],
    "seed_two": [("        self.grad = 1.0\n", "        self.grad = 2.0\n")],
    "seed_by_hand": [("        self.grad = 1.0\n", "")],
    # the seed left to the caller, and a * b wrong too: the seed experiment (run on a * b first)
    # must still see that setting it by hand is what backward lacked, and blame mul
    "seed_by_hand_mul_wrong": [
        ("        self.grad = 1.0\n", ""),
        ("            self.grad += other.data * out.grad\n", "            self.grad += out.grad\n"),
    ],
    "seed_by_hand_mul_silent": [  # ... or a * b passing nothing on at all
        ("        self.grad = 1.0\n", ""),
        (
            "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n",
            "            pass\n",
        ),
    ],
    "rsub_forward_and_add_assign": [
        ("return other + (-self)", "return self + (-other)"),
        (
            "            self.grad += out.grad\n            other.grad += out.grad",
            "            self.grad = out.grad\n            other.grad += out.grad",
        ),
    ],
    "sub_missing_return": [("        return self + (-other)\n", "        self + (-other)\n")],
    "truediv_node_raises": [
        (
            "        return self * other**-1\n",
            "        if isinstance(other, Value):\n            return self * other.reciprocal()\n"
            "        return self * other**-1\n",
        ),
    ],
    "sub_wrong_no_rsub": [
        (
            "        return self + (-other)\n",
            "        other = other if isinstance(other, Value) else Value(other)\n"
            "        out = Value(self.data - other.data, (self, other), '-')\n\n"
            "        def _backward():\n            self.grad += out.grad\n            other.grad += out.grad\n\n"
            "        out._backward = _backward\n        return out\n",
        ),
        ("    def __rsub__(self, other):\n        return other + (-self)\n\n", ""),
    ],
    "pow_backward_crashes": [
        (
            "self.grad += other * self.data ** (other - 1) * out.grad",
            "self.grad += other * self.data ** (other - 1) * out.grad * scale",
        ),
    ],
    "pow_endless_loop": [
        (
            '        out = Value(self.data**other, (self,), f"**{other}")\n',
            "        result, n = Value(1.0), other\n        while n != 0:  # repeated multiplication\n"
            "            result, n = result * self, n - 1\n        return result\n"
            '        out = Value(self.data**other, (self,), f"**{other}")\n',
        ),
    ],
    "backward_swallows_timeout": [
        (
            "        build_topo(self)\n",
            "        build_topo(self)\n        import time\n        while True:\n            try:\n"
            "                time.sleep(0.01)\n            except Exception:\n                pass\n",
        ),
    ],
    "backward_recurses_forever": [("        build_topo(self)\n", "        self.backward()\n")],
    "pow_ignores_upstream": [
        (
            "self.grad += other * self.data ** (other - 1) * out.grad",
            "self.grad += other * self.data ** (other - 1)",
        ),
    ],
    "tanh_changes_input": [
        ("        t = math.tanh(self.data)\n", "        t = math.tanh(self.data)\n        self.data = t\n")
    ],
    "backward_resets": [
        (
            "        self.grad = 1.0\n",
            "        for v in topo:\n            v.grad = 0.0\n        self.grad = 1.0\n",
        )
    ],
    "prints_and_logs": [
        (
            '        out = Value(self.data + other.data, (self, other), "+")\n',
            '        out = Value(self.data + other.data, (self, other), "+")\n'
            "        import logging\n        logging.warning('add %s', out.data)\n        print('added', out.data)\n",
        ),
    ],
}

# The verdicts the suite expects: (ok, kind, op, operand, words in the cause) of the first
# defect; for an engine that passes (ok), words a finding or a note of its report must hold
EXPECTED: dict[str, tuple[bool, str | None, str | None, str | None, str]] = {
    "add_assign_self": (False, "gradient", "add", "a", "= where += belongs"),
    "add_assign_other": (False, "gradient", "add", "b", "= where += belongs"),
    "mul_assign_both": (False, "gradient", "mul", "a", "= where += belongs"),
    "rpow_wrong": (False, "gradient", "rpow", "a", "cᵃ·ln c"),
    "pow_wrong": (False, "gradient", "pow", "a", "n·aⁿ⁻¹"),
    "log_wrong": (False, "gradient", "log", "a", "1/a"),
    "mul_wrong": (False, "gradient", "mul", "a", "∂(a·b)/∂a = b"),
    "mul_reads_grad": (False, "gradient", "mul", "a", "∂(a·b)/∂a = b"),
    "tanh_wrong": (False, "gradient", "tanh", "a", "1 − tanh(a)²"),
    "tanh_no_math": (False, "error", "tanh", None, "NameError"),
    "visited_never_cleared": (False, "gradient", None, None, "skipped"),
    "twice": (False, "gradient", None, None, "more than once"),
    "order": (False, "gradient", None, None, "reverse topological order"),
    "set_walk": (False, "gradient", None, None, "from run to run: the same expression, built afresh"),
    "stale": (False, "gradient", None, None, "stale"),
    "seed_two": (False, "gradient", None, None, "out.grad = 2"),
    "seed_by_hand": (True, None, None, None, "does not set out.grad = 1"),  # ok: a finding, no defect
    "seed_by_hand_mul_wrong": (False, "gradient", "mul", "a", "∂(a·b)/∂a = b"),
    "seed_by_hand_mul_silent": (False, "gradient", "mul", "a", "∂(a·b)/∂a = b; ∂(a·b)/∂b = a"),
    "rsub_forward_and_add_assign": (False, "forward", "rsub", None, "c − a"),
    "sub_missing_return": (False, "error", "sub", None, "returned None"),
    "truediv_node_raises": (False, "error", "truediv", None, "AttributeError"),
    "sub_wrong_no_rsub": (False, "gradient", "sub", "b", "∂(a − b)/∂b = −1"),
    "pow_backward_crashes": (False, "error", "pow", None, "NameError"),
    "pow_endless_loop": (False, "error", "pow", None, "did not return"),
    "backward_swallows_timeout": (False, "error", None, None, "did not return"),
    "backward_recurses_forever": (False, "error", None, None, "recursed without end"),
    "pow_ignores_upstream": (False, "gradient", "pow", "a", "ignores the gradient from above"),
    "tanh_changes_input": (False, "forward", "tanh", "a", "changes its input"),
    "backward_resets": (False, "gradient", None, None, "resets"),
    "prints_and_logs": (True, None, None, None, "printed"),  # ok: a note
    # engines in other styles, with their bugs
    "recursive_resend": (False, "gradient", None, None, "more than once"),
    "halfway_tanh_wrong": (False, "gradient", "tanh", "a", "1 − tanh(a)²"),
    "none_data": (False, "forward", "add", None, "computes nan"),
    "helper_assign": (False, "gradient", None, None, "a helper every op"),
    "set_order": (False, "gradient", None, None, "from run to run: the same expression, built afresh"),
    "scalar_div_sign": (False, "gradient", "truediv", "b", "−a/b²"),
    "recursive_set_div": (False, "gradient", "truediv", "b", "−a/b²"),  # and the walk (run to run)
}

# Engines with a second fault of their own, besides the first: the other op it is blamed on
ALSO = {"none_data": "mul", "rsub_forward_and_add_assign": "add"}

# Correct engines in other styles (a file each here), and micrograd itself in the suite
CORRECT = [
    "recursive_visited",
    "iterative",
    "grad_none",
    "requires_grad_f32",
    "value_gradient",
    "free_backward",
    "numpy_0d",
    "methods_only",
    "int_grads",
    "grad_objects",
    "lecture",
]
HALFWAY = "halfway"


# Engines that misbehave beyond wrong numbers, for the grader's sandbox: each must be an
# `error` finding that says what happened and when, and the next engine still checked.
SANDBOX: dict[str, tuple[list[tuple[str, str]], str]] = {
    "exits_0": (
        [
            (
                "        build_topo(self)\n",
                "        build_topo(self)\n        import os\n\n        os._exit(0)\n",
            )
        ],
        "exit status 0",
    ),
    "sys_exit": (
        [
            (
                "        build_topo(self)\n",
                "        build_topo(self)\n        import sys\n\n        sys.exit(3)\n",
            )
        ],
        "sys.exit(3)",
    ),
    "segfault": (
        [
            (
                "        build_topo(self)\n",
                "        build_topo(self)\n        import ctypes\n\n        ctypes.string_at(0)\n",
            )
        ],
        "SIGSEGV",
    ),
    "loops_at_import": ([("import math\n", "import math\n\nwhile True:\n    pass\n")], "did not finish"),
    "loops_in_backward": (
        [("        build_topo(self)\n", "        build_topo(self)\n        while True:\n            pass\n")],
        "did not return",
    ),
    "allocates_forever": (
        [
            (
                "        build_topo(self)\n",
                "        build_topo(self)\n        hoard = []\n        while True:\n"
                "            hoard.append(bytearray(10**7))\n",
            )
        ],
        "out of memory",
    ),
    "fails_to_import": (
        [("import math\n", "import math\nimport no_such_module_here\n")],
        "could not be imported",
    ),
}
NOT_AN_ENGINE = "class Value:\n    def __init__(self, x):\n        pass\n"
PRINTS = [("import math\n", "import math\n\nprint('x' * 5_000_000)\n")]  # megabytes printed at import


# The class to check in each file, where it is not `Value`
CLASS = {
    "value_gradient": "Node",
    "requires_grad_f32": "Tensor",
    "free_backward": "Var",
    "methods_only": "Scalar",
    "scalar_div_sign": "Scalar",
}


def source(name: str) -> str:
    """The source of engine `name`: a mutant of lecture.py, or a file here."""
    if name == "not_an_engine":
        return NOT_AN_ENGINE
    changes = MUTANTS.get(name) or (SANDBOX[name][0] if name in SANDBOX else None)
    if name == "prints_megabytes":
        changes = PRINTS
    if changes is not None:
        text = (HERE / "lecture.py").read_text(encoding="utf-8")
        for old, new in changes:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        return text
    return (HERE / f"{name}.py").read_text(encoding="utf-8")


def write(name: str, folder: Path) -> Path:
    path = folder / f"{name}.py"
    path.write_text(source(name), encoding="utf-8")
    return path
