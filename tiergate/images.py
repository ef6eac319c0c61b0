"""Container image references, reduced to what rule globs are matched against.

Rules name images by repository path (`*mosquitto-exporter*`), so the registry
host (which may carry a port) must not be mistaken for part of the path or tag.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageReference:
    registry: str | None
    path: str
    tag: str | None
    digest: str | None

    def match_forms(self) -> tuple[str, ...]:
        """The strings a glob is tried on: the path, and the path with tag and/or digest."""
        forms = [self.path]
        if self.tag:
            forms.append(f"{self.path}:{self.tag}")
        if self.digest:
            forms.append(f"{forms[-1]}@{self.digest}")
        return tuple(forms)


def _is_registry_host(component: str) -> bool:
    # The Docker reference grammar: a first component is a host when it has a dot,
    # a port, or is localhost.
    return "." in component or ":" in component or component == "localhost"


def parse_image(image: str) -> ImageReference:
    """Split `[host[:port]/]path[:tag][@digest]` without ever failing."""
    rest, _, digest = image.partition("@")
    first, slash, remainder = rest.partition("/")
    registry = None
    if slash and _is_registry_host(first):
        registry, rest = first, remainder
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = None
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    return ImageReference(registry=registry, path=rest, tag=tag or None, digest=digest or None)
