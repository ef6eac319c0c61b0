"""`webhook`: the command line entry point.

`webhook --tls-cert FILE --tls-key FILE` serves admission reviews until SIGTERM;
`webhook --check-config` validates the rule configuration and exits, so a bad
config file is caught before a rollout; `webhook --render-admission-config DIR`
writes the admission configuration for the rules (see webhook.rendering).
"""

import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence

from tiergate_edge.config_file import load_config
from tiergate_edge.failures import EXIT_FAILED, exit_process, run_program, standard_output
from tiergate_edge.json_logs import log_json
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy
from webhook.namespace_cache import LiveNamespaces
from webhook.rendering import write_admission_files
from webhook.server import WebhookServer
from webhook.settings import Settings, own_namespace, parser, settings_from

PROG = "webhook"
EXIT_OK = 0
EXIT_USAGE = EXIT_FAILED


async def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then drain (see webhook.server)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    api = await KubeApi.connect(retry=RetryPolicy(), kubeconfig=settings.kubeconfig)
    async with LiveNamespaces(api) as namespaces:
        server = WebhookServer(
            settings, namespaces=namespaces, background=[namespaces.run], api=api
        )
        await server.start()
        try:
            await stop.wait()
        finally:
            await server.stop(delay=settings.shutdown_delay if stop.is_set() else 0)


def _run(argv: Sequence[str], *, environ: Mapping[str, str]) -> int:
    args = parser(PROG).parse_args(argv)
    config = load_config(args.config)
    if args.render_admission_config is not None:
        stdout = standard_output()
        namespace = own_namespace(args, environ=environ)
        directory = args.render_admission_config
        for path in write_admission_files(directory, config=config, own_namespace=namespace):
            stdout.write(f"wrote {path}\n")
        return EXIT_OK
    if args.check_config:
        stdout = standard_output()
        for rule in config.rules:
            stdout.write(
                f"rule {rule.name}: enforcement {rule.enforcement}, allowed in "
                f"{rule.allowed_in.describe()}\n"
            )
        return EXIT_OK
    settings = settings_from(args, config=config, environ=environ)
    log_json(sys.stderr)
    asyncio.run(serve(settings))
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] = os.environ) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    return run_program(
        lambda: _run(arguments, environ=environ), prog=PROG, stderr=sys.stderr, environ=environ
    )


def command() -> None:
    """The `webhook` command: main(), then the process ends."""
    exit_process(main())


if __name__ == "__main__":
    command()
