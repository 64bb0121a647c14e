"""`make bench`'s PostgreSQL scenarios (issue #12 §5): each `-pg` id reruns a SQLite scenario of the
same module, and its figures are named beside that scenario's. No broker, no server: the wiring only."""
from __future__ import annotations

from bench.common import Figure
from bench.run import SUITE, base_scenario, pg_figure


def test_every_pg_scenario_reruns_a_sqlite_scenario_of_the_same_module():
    modules = dict(SUITE)
    pg = [sid for sid, _ in SUITE if sid.endswith("-pg")]
    assert {"S1-pg", "S2-pg", "S3-pg", "S3-2p-pg"} <= set(pg)
    for sid in pg:
        base = base_scenario(sid)
        assert base != sid and modules.get(base) == modules[sid], sid
    assert base_scenario("S3-2p") == "S3-2p"


def test_pg_figures_are_named_beside_their_sqlite_twins():
    renamed = [pg_figure(Figure(fid, "what", "ms", [1.0]), base).id
               for fid, base in (("S1", "S1"), ("S2-c10-p99", "S2"), ("S3-p99", "S3"), ("S3-2p-stuck", "S3-2p"))]
    assert renamed == ["S1-pg", "S2-pg-c10-p99", "S3-pg-p99", "S3-2p-pg-stuck"]
    fig = pg_figure(Figure("S3-p50", "latency", "ms", [2.0]), "S3")
    assert fig.detail["database"] == "postgresql" and fig.name.endswith("[PostgreSQL]")
