"""Explaining: gradients written out by the chain rule, the way the documents do it by hand.

    from engine.explaining import explain, walkthrough
    print(explain(L, w1))              # ∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1, with numbers
    for step in walkthrough(L): ...    # the forward and backward passes, a named node a step

Modules: `symbolic` (named expressions: a number with the formula that
gives it), `paths` (naming nodes and the factors between named nodes, the
walks both others share), `derivation` (`explain`), `steps` (the passes as
steps: `walkthrough`). Above the core (`engine.value`, `engine.ops`, walks and
gradients), below the pictures (`engine.viz`); standard library only.
"""

from engine.explaining.derivation import Derivation, Path, explain
from engine.explaining.paths import Factor, Writer
from engine.explaining.steps import Step, walkthrough
from engine.explaining.symbolic import Sym, number_text

__all__ = ["Derivation", "Factor", "Path", "Step", "Sym", "Writer", "explain", "number_text", "walkthrough"]
