"""The projector's fast envelope decoder gives the very events the library's mapper
gives, for every event type the demo district records."""

from __future__ import annotations

from application.services import Container
from infra.decoding import EventDecoder
from infra.envelope import decode, encode, fast_decode, to_envelope


def test_the_fast_decoder_rebuilds_each_demo_event_as_the_library_does(
    demo: Container,
) -> None:
    mapper = demo.store.mapper
    fast = EventDecoder(mapper)
    assert fast.plain
    notifications = demo.store.notifications(0, 100_000)
    topics = set()
    for notification in notifications:
        value = encode(to_envelope(notification))
        ours, theirs = fast_decode(value, fast), decode(value, mapper)
        assert ours.position == theirs.position == notification.id
        assert type(ours.event) is type(theirs.event)
        assert ours.event.__dict__ == theirs.event.__dict__, notification.topic
        stored = fast.stored(notification)
        assert type(stored) is type(theirs.event)
        assert stored.__dict__ == theirs.event.__dict__
        topics.add(notification.topic)
    assert len(topics) >= 40  # the demo records most kinds of fact
