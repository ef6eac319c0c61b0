"""Globs and image globs rendered as CEL regexes mean what the core's globs mean."""

import itertools

import pytest

from tests.cel_engines import agreed
from tiergate.cel import image_exact_expression, image_prefilter_regex, literal, names_regex
from tiergate.classification import image_matches
from tiergate.globs import glob_matches

NAME_GLOBS = ["*mosquitto-exporter", "mqtt-[a-c]*", "mqtt-[!a-c]?", "x[z-a]y", "a.b*", "[-.]x*"]
NAMES = ["s1-mosquitto-exporter", "mosquitto-exporter-1", "mqtt-a1", "mqtt-d1", "mqtt-dd", "a.bc"]
NAMES += ["axbc", "-x", ".x1", "xy", "mqtt-.x"]
IMAGE_GLOBS = ["*mosquitto-exporter*", "acme/mqtt-exp?rter", "sapcc/*", "*mosquitto:*", "*@sha*"]
REGISTRIES = ["", "docker.io/", "localhost:5000/", "localhost/", "mosquitto-exporter.io/", "acme/"]
PATHS = [
    "mosquitto-exporter",
    "sapcc/mosquitto-exporter",
    "tools",
    "acme/mqtt-exporter",
    "mosquitto",
    # A glob's `*` matches a line break too; RE2's `.` does not unless told to.
    "x\nmosquitto-exporter",
]
TAGS = ["", ":0.8", ":mosquitto-exporter-x", ":"]
DIGESTS = ["", "@sha256:abc"]
IMAGES = ["".join(parts) for parts in itertools.product(REGISTRIES, PATHS, TAGS, DIGESTS)]


def _matches(value: str, regex: str) -> bool:
    return agreed(f"object.matches({literal(regex)})", activation={"request": {}, "object": value})


@pytest.mark.parametrize("glob", NAME_GLOBS)
def test_a_name_glob_as_a_regex_matches_exactly_the_names_the_glob_matches(glob: str) -> None:
    regex = names_regex([glob])
    for name in NAMES:
        assert _matches(name, regex) == glob_matches(glob, text=name), name


@pytest.mark.parametrize("glob", IMAGE_GLOBS)
def test_the_prefilter_regex_matches_every_image_the_core_matches(glob: str) -> None:
    regex = image_prefilter_regex([glob])
    missed = [i for i in IMAGES if image_matches((glob,), image=i) and not _matches(i, regex)]
    assert missed == []


@pytest.mark.parametrize("glob", IMAGE_GLOBS)
def test_the_policy_image_test_matches_only_images_the_core_matches(glob: str) -> None:
    expression = image_exact_expression("object", globs=[glob])
    plain = not any(c in glob for c in ":@[")
    for image in IMAGES:
        policy = agreed(expression, activation={"request": {}, "object": image})
        core = image_matches((glob,), image=image) is not None
        # Exact for a glob of the path alone; a tag or digest glob matches nothing here.
        assert policy == (core if plain else False), image


def test_the_prefilter_lets_a_tag_glob_match_every_image() -> None:
    assert all(_matches(i, image_prefilter_regex(["*mosquitto:*"])) for i in IMAGES)
