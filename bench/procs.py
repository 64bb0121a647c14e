"""Process helpers the benchmark scenarios share: CPU accounting, and making sure
nothing a scenario started outlives it."""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """user+system CPU seconds a process has used so far (0 if unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def broker_pid() -> int | None:
    """The local RabbitMQ (beam.smp) process, to report its CPU (shared by every vhost on it);
    None if not visible."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if (proc / "comm").read_text().strip() == "beam.smp":
                    return int(proc.name)
    return None


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (even by SIGKILL), so a
    scenario killed from outside leaves no process behind. Usable as a Popen ``preexec_fn``."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))  # PR_SET_PDEATHSIG


def kill_with_parent() -> None:
    """`die_with_parent` with SIGKILL, for the service processes a scenario starts: when the
    scenario is killed, bench.run deletes the vhost, and a service told to stop gracefully would
    keep trying to reconnect to it. Their data is throwaway."""
    die_with_parent(signal.SIGKILL)
