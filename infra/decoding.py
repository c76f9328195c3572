"""Stored events back into domain events, as the library's `Mapper.to_domain_event`
does (topic resolved, tagged values restored by the same transcodings, older class
versions upcast), from one orjson parse; and domain events into stored JSON with one
orjson call (`FastJSONTranscoder`).

The library decodes the stored JSON with `json` and an object hook per object: most
of the time a projector, a replay or a command's loading spent per event. Another
transcoder, a cipher or a compressor (none used by this project) takes the library's
own way."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    TranscodingNotRegisteredError,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic


class EventDecoder:
    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper
        names: dict[str, Transcoding] | None = getattr(mapper.transcoder, "names", None)
        self.names = names or {}
        self.plain = names is not None and not (mapper.cipher or mapper.compressor)

    def stored(self, stored: StoredEvent) -> Any:
        """The domain event of a stored event (or of a notification)."""
        if not self.plain:
            return self.mapper.to_domain_event(stored)
        return self.event(
            stored.topic,
            stored.originator_id,
            stored.originator_version,
            orjson.loads(stored.state),
        )

    def event(
        self, topic: str, originator_id: UUID | str, version: int, state: dict[str, Any]
    ) -> Any:
        """The domain event of a decoded JSON state (changed in place)."""
        if not self.plain:
            return self.mapper.to_domain_event(
                StoredEvent(originator_id, version, topic, orjson.dumps(state))
            )
        cls = resolve_topic(topic)
        for key, item in state.items():
            if type(item) is dict:
                state[key] = self._restore_tagged(item)
            elif type(item) is list:
                state[key] = self._restore(item)
        id_type = cast("Hashable", type(originator_id))
        state["originator_id"] = find_id_convertor(cls, id_type)(originator_id)
        state["originator_version"] = version
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _restore_tagged(self, value: dict[str, Any]) -> Any:
        """The common case first: a tagged scalar (a UUID, a time, a decimal)."""
        data = value.get("_data_")
        if len(value) == 2 and type(data) is str and "_type_" in value:
            transcoding = self.names.get(value["_type_"])
            if transcoding is not None:
                return transcoding.decode(data)
        return self._restore(value)

    def _restore(self, value: Any) -> Any:
        if type(value) is list:
            return [self._restore(item) for item in value]
        if type(value) is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            try:
                transcoding = self.names[value["_type_"]]
            except KeyError as error:
                raise TranscodingNotRegisteredError(value["_type_"]) from error
            return transcoding.decode(self._restore(value["_data_"]))
        return {key: self._restore(item) for key, item in value.items()}


#: What JSON holds as it is.
_PLAIN = frozenset({str, int, bool, float, type(None)})


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, encoding with one orjson call: values of
    registered types are tagged first, as the library's `default` hook tags them,
    so the library (or `EventDecoder`) decodes the same values. Anything orjson
    refuses (a dict with keys other than text, a number beyond 64 bits) takes the
    library's own way."""

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._tagged(obj))
        except (orjson.JSONEncodeError, OverflowError):
            return super().encode(obj)

    def _tagged(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is dict:  # an event's attributes: mostly text and None, kept as is
            return {
                key: item if type(item) in _PLAIN else self._tagged(item)
                for key, item in value.items()
            }
        if kind is list or kind is tuple:
            return [self._tagged(item) for item in value]
        transcoding = self.types.get(kind)
        if transcoding is not None:
            data = transcoding.encode(value)  # most often text: an id, a time
            if type(data) not in _PLAIN:
                data = self._tagged(data)
            return {"_type_": transcoding.name, "_data_": data}
        # As `json` does: subclasses (a StrEnum) encode as their base type.
        if isinstance(value, str | int | float):
            return value
        if isinstance(value, dict):
            return {key: self._tagged(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._tagged(item) for item in value]
        return self._encode_obj(value)  # raises TranscodingNotRegisteredError
