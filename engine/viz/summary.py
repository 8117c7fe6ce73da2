"""Summaries of big computation graphs: nodes grouped into boxes by their labels.

A graph of 13,000 Values cannot be drawn node by node. `summarise` groups
nodes by the dotted prefix of their labels (`L1.N3.w12` and the neuron's
own nodes go to box `L1.N3`), as finely as fits in `max_nodes` boxes:
neurons, else layers. An unlabelled node joins the box that all its uses
are in; unlabelled inputs used alike (a first layer's 784 pixels) share
one box. If even the coarsest grouping is too big, the boxes nearest the
output are kept. `engine.viz.draw_dot` draws the result; nothing here
needs graphviz.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from engine.value import Value


@dataclass(frozen=True)
class Summary:
    """A graph grouped into boxes.

    Attributes:
        members: each box's nodes, boxes in the order their first node comes.
        shown: the boxes to draw, in natural label order (L1.N2 before L1.N10).
        edges: (from box, to box, how many edges) between shown boxes, in the
            order of the boxes they end at, as Graphviz's ordering=in wants.
        note: what was summarised and how to draw any part in full.
    """

    members: dict[str, list[Value]]
    shown: list[str]
    edges: list[tuple[str, str, int]]
    note: str

    @staticmethod
    def is_inputs(box: str) -> bool:
        """Whether `box` holds unlabelled inputs used alike, not a label's group."""
        return box.startswith("leaves:")

    @staticmethod
    def title(box: str) -> str:
        """A label group's name (``L1.N3``); '' for other boxes."""
        return box[2:] if box.startswith("g:") else ""


def summarise(order: list[Value], root: Value, max_nodes: int) -> Summary:
    """Group `order` (a topological order ending at `root`) into at most `max_nodes` boxes."""
    uses: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for parent in node.parents:
            uses[parent].append(node)
    # The finest grouping that fits: the deepest label depth whose boxes are at most
    # max_nodes (else depth 1). Finer depths never give fewer boxes, so a binary
    # search finds it in log(depth) groupings: a label with 5,000 dots is no slower.
    low, high = 1, max((len(_label_parts(n)) for n in order), default=1)
    while low < high:
        middle = (low + high + 1) // 2
        if len(set(_boxes(order, uses, middle).values())) <= max_nodes:
            low = middle
        else:
            high = middle - 1
    boxes = _boxes(order, uses, low)
    members: dict[str, list[Value]] = {}
    for node in order:
        members.setdefault(boxes[node], []).append(node)
    # The boxes nearest the output, if even the coarsest grouping is too many.
    keep = _nearest(boxes[root], members, boxes, max_nodes)
    edges: Counter[tuple[str, str]] = Counter()
    for node in order:
        for parent in node.parents:
            a, b = boxes[parent], boxes[node]
            if a != b and a in keep and b in keep:
                edges[a, b] += 1
    by_ends = sorted(edges.items(), key=lambda e: (_natural(e[0][1]), _natural(e[0][0])))
    groups = sum(len(nodes) > 1 for nodes in members.values())
    note = (
        f"{len(order):,} Values, more than max_nodes={max_nodes:,}: drawn as {len(keep):,} boxes, "
        f"{groups:,} of them groups of nodes whose labels share a prefix"
    )
    if len(keep) < len(members):
        note += f"; the {len(members) - len(keep):,} boxes furthest from the output are left out"
    note += ". Draw a part in full with draw_dot(v) for a Value v inside it, or all with max_nodes=None."
    return Summary(
        members=members,
        shown=[box for box in sorted(members, key=_natural) if box in keep],
        edges=[(a, b, n) for (a, b), n in by_ends],
        note=note,
    )


def _natural(text: str) -> list[Any]:
    # isdecimal, not isdigit: "²" is a digit to isdigit but no number to int()
    return [int(t) if t.isdecimal() else t for t in re.split(r"(\d+)", text)]


def _label_parts(node: Value) -> list[str]:
    """The groups a node belongs to, by its label: a leaf `L1.N3.w12` and a value `L1.N3` are in `L1.N3`."""
    if not node.label:
        return []
    parts = node.label.split(".")
    return parts[:-1] if node.op is None else parts


def _boxes(order: list[Value], uses: dict[Value, list[Value]], depth: int) -> dict[Value, str]:
    """Each node's box: its label's group at `depth`, else the group every use of it is in, else its own."""
    box: dict[Value, str] = {}
    for i in range(len(order) - 1, -1, -1):  # a node's uses come before it
        node = order[i]
        parts = _label_parts(node)
        if parts:
            box[node] = "g:" + ".".join(parts[:depth])
            continue
        used_in = sorted({box[u] for u in uses[node]})
        if len(used_in) == 1 and used_in[0].startswith("g:"):
            box[node] = used_in[0]
        elif node.op is None and used_in:  # unlabelled inputs used alike: one box "784 leaves"
            box[node] = "leaves:" + ",".join(used_in)
        else:
            box[node] = f"n:{i}"
    return box


def _nearest(start: str, members: dict[str, list[Value]], boxes: dict[Value, str], most: int) -> set[str]:
    keep = {start}
    frontier = [start]
    while frontier and len(keep) < most:
        following = []
        for box in frontier:
            for node in members[box]:
                for parent in node.parents:
                    b = boxes[parent]
                    if b not in keep and len(keep) < most:
                        keep.add(b)
                        following.append(b)
        frontier = following
    return keep


__all__ = ["Summary", "summarise"]
