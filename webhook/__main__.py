"""`webhook`: the command line entry point.

Today it validates the rule configuration the admission server will use
(`--check-config`), so a bad config file is caught before a rollout.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tiergate.config import ConfigError, TiergateConfig, default_config, parse_config_text

EXIT_OK = 0
EXIT_USAGE = 2


def load_config(path: Path | None) -> TiergateConfig:
    if path is None:
        return default_config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    return parse_config_text(text, source=str(path))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webhook", description="tiergate admission webhook")
    parser.add_argument("--config", type=Path, metavar="FILE", help="rule configuration (YAML)")
    parser.add_argument(
        "--check-config", action="store_true", help="validate the configuration and exit"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        sys.stderr.write(f"webhook: {error}\n")
        return EXIT_USAGE
    if not args.check_config:
        sys.stderr.write(
            "webhook: serving admission reviews is not supported yet; use --check-config\n"
        )
        return EXIT_USAGE
    for rule in config.rules:
        sys.stdout.write(
            f"rule {rule.name}: enforcement {rule.enforcement}, allowed in "
            f"{rule.allowed_in.describe()}\n"
        )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
