"""The district's signature on checkpoints: Ed25519 over a checkpoint's position and
link, so that a head hash a third party kept (an office, a certificate) can be shown
to come from the district. The key is derived from the master key unless
`VLEDGER_SIGNING_KEY` gives one of its own; its public half is printed by `vledger
audit public-key` and may be published."""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: What a signature covers, before the position and the link: a signature made for
#: anything else never passes for a checkpoint's.
PURPOSE = b"vledger checkpoint v1\x00"


def signed_bytes(notification_id: int, link: bytes) -> bytes:
    return PURPOSE + struct.pack(">q", notification_id) + link


def seed_from_master_key(master_key: bytes) -> bytes:
    """A signing seed of its own, derived one way: the signature reveals nothing
    of the master key, which wraps the people's keys."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"vledger signing v1"
    )
    return hkdf.derive(master_key)


class CheckpointSigner:
    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    def sign(self, notification_id: int, link: bytes) -> bytes:
        return self._key.sign(signed_bytes(notification_id, link))

    @property
    def public_key(self) -> bytes:
        """The raw 32 bytes (RFC 8032)."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            .decode()
        )


def holds(
    public_key: bytes, notification_id: int, link: bytes, signature: bytes
) -> bool:
    """Whether `signature` is the district's on that checkpoint."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, signed_bytes(notification_id, link)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
