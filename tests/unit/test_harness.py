"""The test harness delivers events the way the broker routes them (topic patterns)."""
from propdesk.testing.fake import topic_matches


def test_topic_patterns_match_like_rabbitmq():
    assert topic_matches("#", "move_out.requested") and topic_matches("#", "a")
    assert topic_matches("move_out.*", "move_out.requested")
    assert not topic_matches("move_out.*", "move_out.requested.v2")
    assert topic_matches("move_out.#", "move_out") and topic_matches("move_out.#", "move_out.a.b")
    assert not topic_matches("move_out.requested", "move_out.withdrawn")
