"""One service in one process: `python -m propdesk.worker SERVICE` (the runner starts these).

SIGTERM or Ctrl-C stops the container gracefully: running workers finish, unacked messages go
back to the broker.
"""
from __future__ import annotations

import propdesk  # noqa: F401  (first: quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (must precede every other import)

import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from propdesk import plugins  # noqa: E402
from propdesk.chassis import logs  # noqa: E402
from propdesk.config import Settings  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m propdesk.worker SERVICE", file=sys.stderr)
        return 2
    name = argv[0]
    cls = plugins.service_classes([name])[name]
    logs.configure(name, os.environ.get("PROPDESK_LOG_LEVEL", "INFO"))
    settings = Settings.from_env()
    runner = ServiceRunner(settings.nameko_config(name, cls.http_port))
    runner.add_service(cls)

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    logging.getLogger("propdesk.worker").info("%s started (pid %d)", name, os.getpid())
    runner.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
