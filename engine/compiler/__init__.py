"""Batching: `engine.compile` traces a scalar function once and runs its graph
over a whole batch with numpy (the only layer that imports numpy).

Modules: `compiled` (tracing, the plan of array groups, running them forward
and backward: `Compiled`), `groups` (the plan's pieces: columns of blocks, a
group, how nodes are grouped), `program` (the plan written out as one numpy
function), `kernels` (each op's array form, keyed by op; an op without one
runs per example, with eager's numbers), `training` (the training block,
`Compiled.training`). Above the core, beside `engine.explaining` and
`engine.viz`, which it does not need.
"""

try:
    import numpy  # noqa: F401 - the message names what to install
except ImportError as error:  # pragma: no cover - the suite runs with numpy
    raise ImportError(
        "engine.compile needs numpy: pip install numpy (from a clone: pip install -e '.[compile]')"
    ) from error

from engine.compiler.compiled import Compiled, SlowOpWarning, compile
from engine.compiler.kernels import KERNELS, Kernel, register
from engine.compiler.training import Training

__all__ = ["KERNELS", "Compiled", "Kernel", "SlowOpWarning", "Training", "compile", "register"]
