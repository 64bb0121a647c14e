"""The chaos drills in their short form (issue #3 §2): the same drills and checker as `make chaos`,
with a handful of cases, one fault each, a 10 s blackhole. Each drill runs the whole system under
the real supervisor on its own vhost (the broker drill on a private RabbitMQ node) and data dir.

After recovery nothing is lost, duplicated, unexpected or stuck; see docs/reliability.md.
"""
from __future__ import annotations

import pytest

from chaos.drills import DRILLS, run_drill_isolated
from chaos.run import drill_table

pytestmark = [pytest.mark.system, pytest.mark.fault]


@pytest.mark.parametrize("name", [name for name, spec in DRILLS.items() if spec.in_make_test])
def test_short_drill_loses_duplicates_and_strands_nothing(name):
    result = run_drill_isolated(name, quick=True, timeout_s=600)
    table = drill_table(result)
    assert result.error is None, table
    assert result.counts["cases"] >= 4, table
    assert result.counts["completed"] == result.counts["cases"], table
    assert {k: result.counts[k] for k in ("lost", "duplicated", "unexpected", "stuck")} == \
        {"lost": 0, "duplicated": 0, "unexpected": 0, "stuck": 0}, table
    assert result.faults and all(f["name"] for f in result.faults) or name == "duplicate", table
    if name == "duplicate":
        assert result.observations["duplicates_published"] > 0, table
    if name == "poison":
        assert result.observations["poison_in_dlq_list"] and result.observations["malformed_in_dlq_list"], table
        assert result.observations["metric_residents_handler_failed"] >= 1, table
