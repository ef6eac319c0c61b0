"""Fixtures shared across test packages: the fake API server (`fake_api`)."""

pytest_plugins = ["tests.fakeapi.fixtures"]
