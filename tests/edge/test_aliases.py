"""The alias budget, counted on PyYAML's shared node graph before anything is built."""

import pytest
import yaml

from tiergate_edge.aliases import ALIAS_EXPANSION_BUDGET, AliasBombError, expanded_size
from tiergate_edge.yaml_loader import load_yaml_documents


def _root(text: str) -> yaml.Node:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    return node


@pytest.mark.parametrize(
    ("text", "written", "expanded"),
    [
        pytest.param("a", 1, 1, id="a scalar"),
        pytest.param("{a: 1}", 3, 3, id="a mapping counts keys and values"),
        pytest.param("[&x [1, 2], *x, *x]", 4, 10, id="an alias counts its whole node again"),
    ],
)
def test_expansion_is_counted_once_per_shared_node(text: str, written: int, expanded: int) -> None:
    assert expanded_size(_root(text)) == (written, expanded)


def test_a_node_that_contains_its_own_alias_is_refused() -> None:
    with pytest.raises(AliasBombError, match="refers to a node that contains it"):
        expanded_size(_root("&a [1, *a]"))


def test_the_budget_allows_real_reuse_and_refuses_what_lies_beyond() -> None:
    # One anchored list of n scalars (n + 1 nodes), aliased k times: k * (n + 1) added.
    within = "a: &a [" + ", ".join(["x"] * 999) + "]\nb: [" + ", ".join(["*a"] * 100) + "]\n"
    assert len(list(load_yaml_documents(within))) == 1
    beyond = within.replace("*a]", "*a, *a]")
    assert ALIAS_EXPANSION_BUDGET < 101 * 1000
    with pytest.raises(AliasBombError, match="more than 100,000 beyond what is written"):
        list(load_yaml_documents(beyond))
