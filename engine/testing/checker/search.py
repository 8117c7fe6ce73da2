"""The random search: what the checks of each op and the experiments miss.

Random expressions over the ops that passed alone are compared in both
engines; hypothesis shrinks the first failure, the steps that do not reach the
output are dropped, and the expression is replayed to see whether the engine
gives the same numbers every run. Then the same isolation as before anything
is blamed: each line's op alone at the inputs it had there (an op wrong only
at these points is that op's fault), and only when every op is right alone,
backward's bookkeeping; a shared-node fault only where a node has two users.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from engine.testing.checker.alone import Use, check_alone
from engine.testing.checker.bookkeeping import Experiments
from engine.testing.checker.recipes import (
    Line,
    Outcome,
    Recipe,
    Skip,
    build_reference,
    compare,
    inconsistent,
    never_arrived,
    picture,
    shares,
    shares_text,
)
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Engine, Timeout

REPLAYS = 6


class OutOfTime(BaseException):
    """The search's time is spent: what it found so far stands."""


class Search:
    def __init__(
        self,
        engine: Engine,
        uses: Sequence[Use],
        experiments: Experiments,
        max_examples: int,
        seed: int | None,
        deadline: float,
    ) -> None:
        self.engine, self.uses, self.experiments = engine, list(uses), experiments
        self.max_examples, self.seed, self.deadline = max_examples, seed, deadline
        self.examples = 0

    def run(self) -> list[Finding]:
        found: list[Finding] = []
        blamed = {form for form, _ in self.experiments.blamed}  # = where += belongs, found by an experiment
        blocked = {i for i, use in enumerate(self.uses) if use.form.text in blamed}
        for _ in range(3):  # a finding at a time; a blamed op is left out of the next round
            pool = [i for i in range(len(self.uses)) if i not in blocked]
            if not pool or time.perf_counter() > self.deadline or self.max_examples <= 0:
                break
            recipe = self.find(pool, trees=self.experiments.sharing_broken)
            if recipe is None:
                break
            finding, blame = self.isolate(recipe)
            if blame is None and self.experiments.walk_broken:
                break  # the walk's fault, already reported by an experiment, shows on any graph
            found.append(finding)
            if blame is not None:
                blocked.add(blame)
            elif not self.experiments.sharing_broken and _shared(recipe):
                self.experiments.sharing_broken = True  # go on with what can still be trusted: trees
            else:
                break
        return found

    # -- finding a failing recipe

    def fails(self, recipe: Recipe) -> bool:
        if time.perf_counter() > self.deadline:
            raise OutOfTime
        self.examples += 1
        try:
            return compare(self.engine, recipe, self.uses).kind != ""
        except Skip:
            return False

    def find(self, pool: list[int], trees: bool) -> Recipe | None:
        from hypothesis import HealthCheck, Phase, Verbosity, find, settings
        from hypothesis import strategies as st

        smallest: list[Recipe] = []

        def condition(recipe: Recipe) -> bool:
            failed = self.fails(recipe)
            if failed and (not smallest or recipe.size() < smallest[0].size()):
                smallest[:] = [recipe]
            return failed

        try:
            return find(
                self.recipes(st, pool, trees),
                condition,
                settings=settings(  # every field that matters set here: no profile of the caller's (CI's
                    max_examples=self.max_examples,  # derandomize) changes a run
                    database=None,
                    deadline=None,
                    derandomize=False,
                    phases=tuple(Phase),
                    verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck),
                ),
                random=random.Random(self.seed) if self.seed is not None else None,
            )
        except (Exception, OutOfTime):  # no example, a flaky engine, the time spent: keep the smallest seen
            return smallest[0] if smallest else None

    def recipes(self, st: Any, pool: list[int], trees: bool) -> Any:
        leaf = (
            st.floats(-2.0, 2.0, allow_nan=False).map(lambda x: round(x, 3)).filter(lambda x: abs(x) > 0.05)
        )
        numbers = {
            i: sorted({p[-1] for p in self.uses[i].form.points if p not in self.uses[i].refused})
            for i in pool
        }

        @st.composite
        def recipes(draw: Any) -> Recipe:
            leaves = tuple(draw(st.lists(leaf, min_size=2 if trees else 1, max_size=3)))
            lines: list[Line] = []
            unused = list(range(len(leaves)))
            for _ in range(draw(st.integers(1, 5))):
                i = draw(st.sampled_from(pool))
                use = self.uses[i]
                available = len(leaves) + len(lines)
                if trees:
                    if len(unused) < use.form.nodes:
                        continue
                    args = tuple(draw(st.permutations(unused))[: use.form.nodes])
                    unused = [u for u in unused if u not in args]
                else:
                    args = tuple(draw(st.integers(0, available - 1)) for _ in range(use.form.nodes))
                number = draw(st.sampled_from(numbers[i])) if use.form.number and numbers[i] else None
                if use.form.number and number is None:
                    continue
                lines.append(Line(i, args, number))
                unused.append(available)
            if not lines:
                use = self.uses[pool[0]]
                args = (0, 1)[: use.form.nodes] if trees else (0,) * use.form.nodes
                lines.append(Line(pool[0], args, _first_number(use)))
            return Recipe(leaves, tuple(lines))

        return recipes()

    # -- isolating the fault

    def isolate(self, recipe: Recipe) -> tuple[Finding, int | None]:
        """The finding for a failing recipe, and the op blamed (its index in uses), if one is."""
        reaching = recipe.reaching()
        if reaching != recipe and self._outcome(reaching).kind != "":
            recipe = reaching
        outcomes = [self._outcome(recipe) for _ in range(REPLAYS)]
        if len({o.signature for o in outcomes}) > 1:
            return self.inconsistent(recipe, outcomes), None
        outcome = outcomes[0]
        if outcome.kind == "":  # it failed in the search, and not in any replay since
            finding = self.inconsistent(recipe, outcomes)
            finding.cause = (
                f"results change from run to run: this expression failed once in the search and gave the "
                f"right numbers in {REPLAYS} runs since. Something in backward depends on more than the "
                "graph (an order that follows memory addresses, or state kept between calls)"
            )
            return finding, None
        # each op alone at the inputs it had here
        suspects = range(len(recipe.lines)) if outcome.line < 0 else [outcome.line]
        nodes, _ = build_reference(recipe, self.uses)
        for k in suspects:
            line = recipe.lines[k]
            point = tuple(nodes[a].data for a in line.args) + (
                (line.number,) if line.number is not None else ()
            )
            failures, _ = check_alone(self.engine, self.uses[line.use], [point])
            if failures:
                finding = failures[0]
                finding.detail = (finding.detail + "\n" if finding.detail else "") + (
                    f"found in: {recipe.text(self.uses)}  (with "
                    + ", ".join(f"{recipe.name(i)} = {x}" for i, x in enumerate(recipe.leaves))
                    + ")"
                )
                return finding, line.use
        return self.bookkeeping(recipe, outcome), None

    def _outcome(self, recipe: Recipe) -> Outcome:
        try:
            return compare(self.engine, recipe, self.uses)
        except Skip:
            return Outcome("")
        except Timeout:
            return Outcome("error", what="did not return")

    def inconsistent(self, recipe: Recipe, outcomes: list[Outcome]) -> Finding:
        return inconsistent(recipe, self.uses, outcomes)

    def bookkeeping(self, recipe: Recipe, outcome: Outcome) -> Finding:
        """Every op is right alone: the fault is in how backward walks and adds up."""
        inputs = {recipe.name(i): x for i, x in enumerate(recipe.leaves)}
        text = recipe.text(self.uses)
        if outcome.kind in ("error", "forward"):
            cause = outcome.what or (
                f"{recipe.name(outcome.node)} has another value here than its op gives alone at the same "
                "inputs: something changed a number between the ops (an op that writes to its inputs?)"
            )
            finding = Finding(outcome.kind, None, text, inputs, outcome.expected, outcome.got, cause)
            if outcome.where is not None:
                finding.location = f"{outcome.where}: {outcome.where.text}"
            return finding
        k = outcome.node
        nodes, grads = build_reference(recipe, self.uses)
        users = recipe.users().get(k, [])
        parts = shares(recipe, self.uses, nodes, grads, k)
        got, expected = outcome.got, outcome.expected
        name = recipe.name(k)
        if got == 0.0 and expected != 0.0:
            cause = never_arrived(name)
        elif not _shared(recipe):
            cause = (
                f"every op here is right on its own and no node is used twice, yet ∂out/∂{name} is wrong: "
                "look at how backward walks the graph and passes gradients on"
            )
        elif (
            len(users) >= 2
            and any(self.engine.close(s, got) for _, _, s in parts)
            and not self.engine.close(expected, got)
        ):
            cause = (
                f"{name} is used {len(users)} times and keeps only one share: a gradient set with = where "
                "+= belongs"
            )
        elif (
            len(users) >= 2
            and expected
            and got / expected > 1.5
            and abs(got / expected - round(got / expected)) < 1e-6
        ):
            times = round(got / expected)
            cause = f"{name} is used {len(users)} times and got {times} times the sum of their shares"
        elif len(users) >= 2 and expected and 0 <= got / expected < 1:
            cause = (
                f"{name} is used {len(users)} times and got less than the sum of their shares: a share was "
                f"lost, or came after {name}'s own step had run"
            )
        else:
            cause = f"every op here is right on its own, yet ∂out/∂{name} is wrong"
        finding = Finding("gradient", None, text, inputs, expected, got, cause)
        finding.detail = shares_text(self.engine, recipe, self.uses, k, got)
        finding.graph = picture(self.engine, recipe, self.uses)
        return finding


def _shared(recipe: Recipe) -> bool:
    return any(len(u) > 1 for u in recipe.users().values())


def _first_number(use: Use) -> float | None:
    return use.form.points[0][-1] if use.form.number else None


__all__ = ["Search"]
