"""`webhook`: the command line entry point.

Today it validates the rule configuration the admission server will use
(`--check-config`), so a bad config file is caught before a rollout.
"""

import os
import sys
from collections.abc import Mapping, Sequence

from tiergate_edge.arguments import ArgumentParser, config_path
from tiergate_edge.config_file import load_config
from tiergate_edge.failures import EXIT_FAILED, UsageError, run_program, standard_output

PROG = "webhook"
EXIT_OK = 0
EXIT_USAGE = EXIT_FAILED


def _check_config(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog=PROG, description="tiergate admission webhook")
    parser.add_argument(
        "--config", type=config_path, metavar="FILE", help="rule configuration (YAML)"
    )
    parser.add_argument(
        "--check-config", action="store_true", help="validate the configuration and exit"
    )
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if not args.check_config:
        raise UsageError("serving admission reviews is not supported yet; use --check-config")
    stdout = standard_output()
    for rule in config.rules:
        stdout.write(
            f"rule {rule.name}: enforcement {rule.enforcement}, allowed in "
            f"{rule.allowed_in.describe()}\n"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] = os.environ) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    return run_program(
        lambda: _check_config(arguments), prog=PROG, stderr=sys.stderr, environ=environ
    )


if __name__ == "__main__":
    sys.exit(main())
