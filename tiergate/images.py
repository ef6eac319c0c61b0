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

    def form_for(self, glob: str) -> str:
        """What a glob is matched against: the path, plus the tag or digest if it names one.

        `*mosquitto-exporter*` must not match `tools:mosquitto-exporter-debug` by its
        tag, while `*mosquitto:*` is written to match a tag.
        """
        name_part, at, _ = glob.partition("@")
        # Without tag or digest the runtime pulls `:latest`.
        tag = self.tag or ("" if self.digest else "latest")
        form = f"{self.path}:{tag}" if ":" in name_part else self.path
        return f"{form}@{self.digest or ''}" if at else form


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
