"""The alias budget: how much a YAML document may grow through its aliases.

PyYAML shares an aliased node, so a 465-byte "billion laughs" document composes
into a hundred nodes that expand to a billion once any consumer walks them.
The expansion is counted on the shared graph (cheap) before anything is built.
"""

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

# Aliases may add at most this many nodes beyond those written in the document.
# Real manifests reuse a few small anchors (a label set, a resources block);
# kubectl's go-yaml v3 refuses far less than this only once a ratio is exceeded.
ALIAS_EXPANSION_BUDGET = 100_000


class AliasBombError(yaml.YAMLError):
    """A document whose aliases expand past the budget, or refer to themselves."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def expanded_size(root: Node) -> tuple[int, int]:
    """(nodes written, nodes after expanding every alias), without recursion.

    Sizes are memoized by node identity; a node reached from itself is a cycle.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise AliasBombError("an alias refers to a node that contains it")
            if id(child) not in sizes:
                stack.append((child, False))
    return len(sizes), sizes[id(root)]


def check_alias_expansion(root: Node) -> None:
    """Refuse a document whose aliases expand it by more than the budget."""
    written, expanded = expanded_size(root)
    if expanded - written > ALIAS_EXPANSION_BUDGET:
        raise AliasBombError(
            f"its aliases expand {written} nodes to {expanded}, more than "
            f"{ALIAS_EXPANSION_BUDGET:,} beyond what is written (an alias bomb?); refused"
        )
