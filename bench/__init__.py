"""`make bench`: propdesk's performance figures, measured against raw RabbitMQ in the same run.

See docs/benchmarks.md. Each scenario runs in its own child process (`python -m bench.<module> ID`)
so a scenario can monkey-patch eventlet or not, and one scenario's leftovers cannot skew the next.
"""
