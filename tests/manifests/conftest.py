"""Each variant rendered at most once per session, when a test first asks for it."""

from pathlib import Path

import pytest

from tests.manifests.rendered import Object, Variant, prepare, render


class Renders:
    def __init__(self, manifests: Path) -> None:
        self.manifests = manifests
        self._done: dict[Variant, list[Object]] = {}

    def __getitem__(self, variant: Variant) -> list[Object]:
        if variant not in self._done:
            self._done[variant] = render(self.manifests, variant)
        return self._done[variant]


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Renders:
    return Renders(prepare(tmp_path_factory.mktemp("install")))
