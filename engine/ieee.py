"""Python's floats raise where IEEE 754 arithmetic gives ±inf or nan: the few
local-derivative rules that divide by zero (``1/x`` at 0) or overflow (``x ** n``)
are run again here on numbers that never raise, so the backward sweep gives
what numpy, PyTorch and `engine.compile` give.

Only the step that raised is rerun (`local_grads`): the sweep's usual path
stays on plain floats.
"""

from __future__ import annotations

import math
from typing import Any

import engine.ops as ops


def local_grads(node: Any) -> list[float]:
    """`node`'s local derivatives (its op's `local_grads` on its numbers), computed
    as IEEE 754 does: ±inf or nan where Python's floats raise."""
    op, arg = node.op, node.arg
    assert op is not None
    xs = [_IEEE(p.data) for p in node.parents]
    out = _IEEE(node.data)
    local = op.local_grads(out, *xs) if arg is None else op.local_grads(out, *xs, arg)
    return [_number_of(d) for d in local]


class _IEEE:
    """A float whose / and ** never raise: they give what IEEE 754 gives."""

    __slots__ = ("x",)

    def __init__(self, x: float) -> None:
        self.x = x

    def __add__(self, o: Any) -> _IEEE:
        return _IEEE(self.x + _number_of(o))

    def __radd__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) + self.x)

    def __sub__(self, o: Any) -> _IEEE:
        return _IEEE(self.x - _number_of(o))

    def __rsub__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) - self.x)

    def __mul__(self, o: Any) -> _IEEE:
        return _IEEE(self.x * _number_of(o))

    def __rmul__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) * self.x)

    def __truediv__(self, o: Any) -> _IEEE:
        return _IEEE(_divide(self.x, _number_of(o)))

    def __rtruediv__(self, o: Any) -> _IEEE:
        return _IEEE(_divide(_number_of(o), self.x))

    def __pow__(self, o: Any) -> _IEEE:
        return _IEEE(_power(self.x, _number_of(o)))

    def __rpow__(self, o: Any) -> _IEEE:
        return _IEEE(_power(_number_of(o), self.x))

    def __neg__(self) -> _IEEE:
        return _IEEE(-self.x)

    def __abs__(self) -> _IEEE:
        return _IEEE(abs(self.x))

    def __lt__(self, o: Any) -> bool:
        return self.x < _number_of(o)

    def __le__(self, o: Any) -> bool:
        return self.x <= _number_of(o)

    def __gt__(self, o: Any) -> bool:
        return self.x > _number_of(o)

    def __ge__(self, o: Any) -> bool:
        return self.x >= _number_of(o)

    def __eq__(self, o: object) -> bool:
        return self.x == _number_of(o)

    def __ne__(self, o: object) -> bool:
        return self.x != _number_of(o)

    __hash__ = None  # type: ignore[assignment]


def _number_of(x: Any) -> float:
    return x.x if type(x) is _IEEE else x


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # ±inf with the signs' product, or nan for 0/0
        return math.nan if a == 0.0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)


def _power(a: float, b: float) -> float:
    odd = float(b).is_integer() and b % 2 == 1
    try:
        result = a**b
    except ZeroDivisionError:  # 0 to a negative power: +inf, or ±inf (0's sign) for an odd one
        return math.copysign(math.inf, a) if odd else math.inf
    except OverflowError:
        return math.copysign(math.inf, a) if odd else math.inf
    return math.nan if isinstance(result, complex) else result


class _OnIEEE:
    """Ops called inside a rule run again on IEEE numbers: their forward on the floats."""

    def run(self, op: ops.Op, inputs: tuple[Any, ...], arg: Any) -> Any:
        xs = [_number_of(x) for x in inputs]
        return _IEEE(op.forward(*xs) if arg is None else op.forward(*xs, arg))

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        return x if condition else y


ops.interpret(_IEEE, _OnIEEE())


__all__ = ["local_grads"]
