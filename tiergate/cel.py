"""CEL building blocks for the rendered admission config: literals, glob regexes, guards.

kube-apiserver evaluates what is rendered from these; they keep to the subset the
README documents (standard functions, `has()`/`type()` guards, RE2-safe `matches()`),
so two independent CEL implementations can check every expression in the tests.
"""

import fnmatch
import json
import re
from collections.abc import Iterable, Sequence
from functools import cache

from tiergate.selectors import LabelSelector, LabelSelectorRequirement, Operator

# The printable ASCII characters a glob's character class can be tested against.
_ASCII = [chr(code) for code in range(0x20, 0x7F)]
# A glob's `*` and `?` match any character; RE2's `.` skips a line break without this flag.
_DOT_ALL = "(?s)"
# What the webhook's pre-filter lets through when an image glob cannot be rendered
# faithfully (it names a tag or digest): every image.
MATCH_ANY = "^"


def literal(text: str) -> str:
    """A CEL string literal (double-quoted; JSON escapes are valid CEL escapes)."""
    return json.dumps(text, ensure_ascii=False)


def any_of(terms: Iterable[str]) -> str:
    """`a || b || ...`, one term a line; `false` when there are none."""
    listed = [f"({term})" for term in terms]
    return "\n|| ".join(listed) if listed else "false"


def all_of(terms: Iterable[str]) -> str:
    listed = [f"({term})" for term in terms]
    return " && ".join(listed) if listed else "true"


def field(root: str, *path: str, last: str) -> tuple[str, str]:
    """(guard, access) for `root.path...`: the guard is true, never an error, exactly when
    every step exists and the last one has CEL type `last` (map, list, string)."""
    checks = [f"type({root}) == map"]
    access = root
    for index, name in enumerate(path):
        checks.append(f"has({access}.{name})")
        access = f"{access}.{name}"
        checks.append(f"type({access}) == {last if index == len(path) - 1 else 'map'}")
    return " && ".join(checks), access


@cache
def _class_members(body: str) -> frozenset[str]:
    """The printable ASCII characters the glob class `[body]` matches (fnmatch's meaning)."""
    pattern = re.compile(fnmatch.translate(f"[{body}]"))
    return frozenset(c for c in _ASCII if pattern.match(c))


def _escaped(char: str) -> str:
    return char if char.isalnum() else f"\\x{ord(char):02X}"


def _re2_class(body: str) -> str:
    """A glob class as an RE2 class that means the same for every character.

    Glob classes use only ASCII, so a negated class is the complement of an ASCII set;
    every non-alphanumeric member is written `\\xHH`, which no engine reads as syntax.
    """
    negated = body.startswith("!")
    members = _class_members(body[1:] if negated else body)
    written = "".join(_escaped(c) for c in sorted(members))
    if not written:  # `[z-a]`: fnmatch matches nothing with it, and `[]` is no regex
        return "[\\s\\S]" if negated else "[^\\s\\S]"
    return f"[^{written}]" if negated else f"[{written}]"


def glob_regex(glob: str, *, wildcard: str = ".") -> str:
    """The regex (unanchored text, RE2 syntax) that matches what the glob matches.

    `wildcard` is what `?` matches and `*` repeats: `.` for the glob's own meaning,
    a narrower class for a regex that must match less.
    """
    parts: list[str] = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if char == "*":
            parts.append(f"{wildcard}*")
        elif char == "?":
            parts.append(wildcard)
        elif char == "[":
            end = glob.index("]", index + 2 if glob.startswith("[!", index) else index + 1)
            parts.append(_re2_class(glob[index + 1 : end]))
            index = end
        else:
            parts.append(re.escape(char) if char == "." else char)
        index += 1
    return "".join(parts)


def names_regex(globs: Sequence[str]) -> str:
    """One anchored regex for a list of name globs."""
    return _DOT_ALL + "^(?:" + "|".join(glob_regex(g) for g in globs) + ")$"


def image_prefilter_regex(globs: Sequence[str]) -> str:
    """An anchored regex that matches every image whose repository path the globs match.

    It may match more (the webhook decides): the registry host and the tag or digest
    are skipped without parsing. A glob naming a tag or digest (`:`, `@`) matches
    every image, since the core compares it with a `:latest` the image may not spell.
    """
    if any(":" in g or "@" in g for g in globs):
        return MATCH_ANY
    return _DOT_ALL + "^(?:.*/)?(?:" + "|".join(glob_regex(g) for g in globs) + ")(?:[:@].*)?$"


# The registry host: a first path component with a dot or a port, or localhost.
_REGISTRY = "(?:[^/@]*[.:][^/@]*|localhost)/"
_TAG_AND_DIGEST = "(?::[^/:@]*)?(?:@.*)?$"


def image_exact_expression(image: str, *, globs: Sequence[str]) -> str:
    """CEL that is true only when the core would match `image` (a CEL string) by the globs.

    It parses the reference as the core does (registry host, tag, digest); a glob with
    a tag, digest or character class is left out (it matches nothing here), and the
    wildcards skip `:` and `@`, so the regex can never match into a tag or digest.
    """
    usable = [g for g in globs if not any(c in g for c in ":@[")]
    if not usable:
        return "false"
    path = "(?:" + "|".join(glob_regex(g, wildcard="[^:@]") for g in usable) + ")"
    hosted = literal(f"^{_REGISTRY}")
    with_host = literal(f"^{_REGISTRY}{path}{_TAG_AND_DIGEST}")
    without = literal(f"^{path}{_TAG_AND_DIGEST}")
    return (
        f"({image}.matches({hosted}) ? {image}.matches({with_host}) : {image}.matches({without}))"
    )


def label_pairs_expression(labels: str, *, guard: str, pairs: Iterable[tuple[str, str]]) -> str:
    """True when the map `labels` (valid when `guard` holds) has one of the pairs."""
    terms = [
        f"{literal(k)} in {labels} && type({labels}[{literal(k)}]) == string "
        f"&& {labels}[{literal(k)}] == {literal(v)}"
        for k, v in pairs
    ]
    return f"{guard} && ({' || '.join(terms) or 'false'})" if terms else "false"


def _requirement(labels: str, *, present: str, requirement: LabelSelectorRequirement) -> str:
    key = literal(requirement.key)
    has_key = f"({present} && {key} in {labels} && type({labels}[{key}]) == string)"
    values = "[" + ", ".join(literal(v) for v in requirement.values) + "]"
    match requirement.operator:
        case Operator.IN:
            return f"{has_key} && {labels}[{key}] in {values}"
        case Operator.NOT_IN:
            return f"!{has_key} || !({labels}[{key}] in {values})"
        case Operator.EXISTS:
            return has_key
        case Operator.DOES_NOT_EXIST:
            return f"!{has_key}"


def selector_expression(labels: str, *, present: str, selector: LabelSelector) -> str:
    """A LabelSelector as CEL over the map `labels`; `present` says whether it exists
    (absent labels are an empty map, as for the API server)."""
    terms = [
        f"{present} && {literal(k)} in {labels} && type({labels}[{literal(k)}]) == string "
        f"&& {labels}[{literal(k)}] == {literal(v)}"
        for k, v in selector.match_labels.items()
    ]
    terms += [
        _requirement(labels, present=present, requirement=r) for r in selector.match_expressions
    ]
    return all_of(terms)
