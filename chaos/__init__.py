"""Fault drills for the whole system with a Jepsen-style checker (`make chaos`, issue #3 §2).

- `workload`: the stream of move-out cases, driven over RPC the way the desk drives them, with a
  client that survives broker faults and retries commands safely.
- `checker`: after recovery, counts per case what was lost, duplicated, unexpected or stuck.
- `drills`: kill -9, broker restarts (on a private node), every event twice, a poison message,
  a TCP fault proxy between the services and the broker; each on its own vhost and data dir.
- `run`: `python -m chaos.run [--quick] [--only DRILL]` prints the tables, writes JSON to
  chaos/results/ and exits non-zero when any count is not zero.

Everything here runs eventlet-patched (`chaos.run` patches first; tests via the root conftest).
"""
