"""The projector's fast envelope decoder gives the very events the library's mapper
gives, for every event type the demo district records."""

from __future__ import annotations

from eventsourcing.persistence import JSONTranscoder

from application.services import Container
from infra.decoding import EventDecoder, FastJSONTranscoder
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


def test_events_are_stored_as_the_library_would_store_them(demo: Container) -> None:
    """The fast encoder's JSON decodes, by the library's own transcoder, to what
    the library's encoder gives, for every demo event."""
    fast = demo.store.mapper.transcoder
    assert isinstance(fast, FastJSONTranscoder)
    library = JSONTranscoder()
    for transcoding in fast.names.values():
        library.register(transcoding)
    decoder = EventDecoder(demo.store.mapper)
    for notification in demo.store.notifications(0, 100_000):
        state = dict(vars(decoder.stored(notification)))
        del state["originator_id"], state["originator_version"]
        ours = library.decode(fast.encode(state))
        assert ours == library.decode(library.encode(state)), notification.topic


def test_what_orjson_refuses_is_stored_the_library_s_way() -> None:
    fast = FastJSONTranscoder()
    assert fast.decode(fast.encode({"n": 2**70, 1: "a"})) == {"n": 2**70, "1": "a"}
