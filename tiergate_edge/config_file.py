"""Reading the rule configuration file, the same way in both programs.

The core validates a parsed document (`tiergate.config.parse_config`); reading
the file, decoding it and parsing its YAML are I/O and belong here.
"""

from pathlib import Path

import yaml

from tiergate.config import ConfigError, TiergateConfig, default_config, parse_config
from tiergate_edge.aliases import AliasBombError
from tiergate_edge.failures import InputError
from tiergate_edge.inputs import DEFAULT_MAX_INPUT_BYTES, UnreadableError, read_file
from tiergate_edge.yaml_loader import load_yaml_documents, yaml_error_parts


def parse_config_text(text: str, *, source: str) -> TiergateConfig:
    """Validate YAML (or JSON) config text: one document, each key given once."""
    try:
        documents = list(load_yaml_documents(text))
    except AliasBombError as error:
        raise ConfigError(f"{source}: {error}") from error
    except yaml.YAMLError as error:
        line, problem = yaml_error_parts(error)
        raise ConfigError(f"{source}: not valid YAML{line}: {problem}") from error
    except RecursionError as error:
        raise ConfigError(f"{source}: nested too deeply to read") from error
    if len(documents) > 1:
        raise ConfigError(f"{source}: holds {len(documents)} YAML documents; give one")
    if documents and documents[0].duplicates:
        raise ConfigError(f"{source}: {documents[0].duplicates[0]}")
    return parse_config(documents[0].data if documents else None, source=source)


def load_config(path: Path | None, *, max_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> TiergateConfig:
    """The configuration in `path`, or the built-in one when no file is given."""
    if path is None:
        return default_config()
    try:
        text = read_file(path, max_bytes=max_bytes)
    except UnreadableError as error:
        raise ConfigError(f"{path}: cannot read: {error.reason}") from error
    except InputError as error:  # not UTF-8, or too large
        raise ConfigError(str(error)) from error
    return parse_config_text(text, source=str(path))
