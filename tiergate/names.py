"""Kubernetes name grammars: label keys and values, DNS labels.

Config, command-line flags and reports all carry these names; each is checked
against the API's own grammar so that a typo fails where it is made.
"""

import re
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")
_DNS_LABEL_ONLY = re.compile(rf"^{_DNS_LABEL}$")
_LABEL_NAME = re.compile(f"^{_NAME}$")


# Labels repeat across a cluster's objects (`app.kubernetes.io/managed-by: Helm`): each
# distinct key and value is checked once.
@lru_cache(maxsize=65_536)
def validate_label_key(key: str) -> str:
    """A qualified name: an optional DNS-subdomain prefix and a 63-character name."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise ValueError(f"label key {key!r} has an invalid prefix {prefix!r}")
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        raise ValueError(
            f"label key {key!r} must be at most 63 characters of alphanumerics, "
            "'-', '_' or '.', starting and ending with an alphanumeric"
        )
    return key


@lru_cache(maxsize=65_536)
def validate_label_value(value: str) -> str:
    """Empty, or up to 63 characters that start and end with an alphanumeric."""
    if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
        raise ValueError(
            f"label value {value!r} must be empty or at most 63 characters of "
            "alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
        )
    return value


# Names repeat too: every update of an object carries its name and namespace again.
@lru_cache(maxsize=65_536)
def validate_dns_label(name: str) -> str:
    """A namespace or rule name: at most 63 lowercase alphanumerics and '-'."""
    if len(name) > 63 or not _DNS_LABEL_ONLY.match(name):
        raise ValueError(
            f"{name!r} must be a DNS label: at most 63 lowercase alphanumerics or '-', "
            "starting and ending with an alphanumeric"
        )
    return name


@lru_cache(maxsize=65_536)
def validate_dns_subdomain(name: str) -> str:
    """Most objects' names: at most 253 characters, DNS labels joined by dots."""
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise ValueError(
            f"{name!r} must be a DNS subdomain: at most 253 lowercase alphanumerics, "
            "'-' or '.', starting and ending with an alphanumeric"
        )
    return name


LabelKey = Annotated[str, AfterValidator(validate_label_key)]
LabelValue = Annotated[str, AfterValidator(validate_label_value)]
DnsLabel = Annotated[str, AfterValidator(validate_dns_label)]
