"""Tests of the fake API server against the real kubectl and kubernetes_asyncio."""
