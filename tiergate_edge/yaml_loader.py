"""A YAML loader that reads what kubectl reads, and refuses what would hurt.

kubectl turns YAML into JSON, so timestamps stay strings, `=` is a string and
an unknown tag is just its node. Alias bombs and runaway nesting are refused
before they cost time or memory; duplicate keys are collected for the caller.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tiergate_edge.aliases import check_alias_expansion

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml: the same rules, only slower
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_VALUE = "tag:yaml.org,2002:value"  # YAML 1.1's `=`; the prometheus-operator CRDs list it
_MERGE = "tag:yaml.org,2002:merge"
_MAX_DIGITS = sys.get_int_max_str_digits()  # Python refuses longer integers (CVE-2020-10735)


@dataclass(frozen=True)
class DuplicateKey:
    """A key given twice in one mapping: readers disagree on which value counts."""

    key: str
    line: int
    index: int  # character offset, to place it inside one item of a List

    def __str__(self) -> str:
        return f"the key {self.key!r} appears twice in one mapping (line {self.line})"


class RefusedDocument(yaml.YAMLError):
    """A document tiergate will not construct (alias bomb); the message says why."""


class HardenedLoader(_BaseLoader):
    """libyaml's safe loader with Kubernetes' reading rules (see the module docstring)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class-level table
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in {_TIMESTAMP, _VALUE}]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, *, may_alias: bool = True) -> None:
        super().__init__(stream)
        self.may_alias = may_alias
        self.duplicates: list[DuplicateKey] = []
        self._checked: set[int] = set()

    def get_data(self) -> Any:
        """Construct the next document, after refusing an alias bomb in its node graph."""
        node = self.get_node()
        if node is None:  # check_data() said there is a document; keep mypy informed
            raise RefusedDocument("no document")
        self.duplicates = []
        self._checked = set()
        if self.may_alias:  # no `&` or `*` in the text: no alias to expand
            check_alias_expansion(node)
        self.root: Node = node
        return self.construct_document(node)

    def flatten_mapping(self, node: MappingNode) -> None:
        # Merging (`<<: *base`) rewrites node.value, so look for duplicates first.
        if id(node) not in self._checked:
            self._checked.add(id(node))
            self._collect_duplicates(node)
        super().flatten_mapping(node)

    def _collect_duplicates(self, node: MappingNode) -> None:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                mark = key_node.start_mark
                self.duplicates.append(DuplicateKey(key_node.value, mark.line + 1, mark.index))
            seen.add(key)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError as error:  # more digits than Python converts, or `!!int abc`
            shown = node.value if len(node.value) <= 20 else f"{node.value[:20]}..."
            problem = f"{shown!r} is not an integer of at most {_MAX_DIGITS:,} digits"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from error

    def construct_plain(self, node: Node) -> Iterator[Any]:
        """An unknown tag (`!Ref`, `!!python/object`) reads as its untagged node."""
        if isinstance(node, MappingNode):
            mapping: dict[Any, Any] = {}
            yield mapping
            mapping.update(self.construct_mapping(node))
        elif isinstance(node, SequenceNode):
            sequence: list[Any] = []
            yield sequence
            sequence.extend(self.construct_sequence(node))
        else:
            yield self.construct_scalar(node)  # type: ignore[arg-type]


HardenedLoader.add_constructor(_TIMESTAMP, HardenedLoader.construct_plain)
HardenedLoader.add_constructor(None, HardenedLoader.construct_plain)
HardenedLoader.add_constructor("tag:yaml.org,2002:int", HardenedLoader.construct_yaml_int)


@dataclass(frozen=True)
class YamlDocument:
    """One document of a stream: its data, where it starts, and its duplicate keys."""

    number: int
    data: Any
    root: Node
    duplicates: tuple[DuplicateKey, ...]


def yaml_error_parts(error: yaml.YAMLError) -> tuple[str, str]:
    """(` (line N)` or ``, the problem), without PyYAML's `in "<unicode string>"` lines."""
    mark = getattr(error, "problem_mark", None)
    line = f" (line {mark.line + 1})" if mark is not None else ""
    return line, getattr(error, "problem", None) or str(error)


def load_yaml_documents(text: str) -> Iterator[YamlDocument]:
    """Every document of a YAML stream; YAMLError (or RecursionError) for bad ones.

    The document number of a failure is the number of documents yielded plus one.
    """
    may_alias = "&" in text and "*" in text
    loader = HardenedLoader(text, may_alias=may_alias)
    try:
        number = 0
        while loader.check_data():  # type: ignore[no-untyped-call]
            data = loader.get_data()
            number += 1
            yield YamlDocument(number, data, loader.root, tuple(loader.duplicates))
    finally:
        loader.dispose()
