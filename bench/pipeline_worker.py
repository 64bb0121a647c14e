"""One bench service in one process, the way `propdesk.worker` runs a real one:
`python -m bench.pipeline_worker bench_producer|bench_consumer` (eventlet-patched, JSON logs on
stderr, SIGTERM stops the container gracefully)."""
from __future__ import annotations

import propdesk  # noqa: F401  (first: quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (must precede every other import)

import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from bench.pipeline_services import SERVICES  # noqa: E402
from propdesk.chassis import logs  # noqa: E402
from propdesk.config import Settings  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m bench.pipeline_worker {'|'.join(SERVICES)}", file=sys.stderr)
        return 2
    name = argv[0]
    logs.configure(name, os.environ.get("PROPDESK_LOG_LEVEL", "INFO"))
    settings = Settings.from_env()
    runner = ServiceRunner(settings.nameko_config(name, 0))
    runner.add_service(SERVICES[name])

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    runner.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
