"""Checkpoint signatures: the district's Ed25519 key over a position and a link."""

from __future__ import annotations

import secrets

from infra.signing import CheckpointSigner, holds, seed_from_master_key

LINK = bytes(range(32))


def test_a_signature_holds_for_its_checkpoint_only() -> None:
    signer = CheckpointSigner(secrets.token_bytes(32))
    signature = signer.sign(1204, LINK)
    assert holds(signer.public_key, 1204, LINK, signature)
    assert not holds(signer.public_key, 1205, LINK, signature)
    assert not holds(signer.public_key, 1204, bytes(32), signature)
    other = CheckpointSigner(secrets.token_bytes(32))
    assert not holds(other.public_key, 1204, LINK, signature)


def test_a_malformed_key_or_signature_does_not_hold() -> None:
    signer = CheckpointSigner(secrets.token_bytes(32))
    assert not holds(b"short", 1, LINK, signer.sign(1, LINK))
    assert not holds(signer.public_key, 1, LINK, b"\x00" * 10)


def test_the_derived_seed_is_stable_and_is_not_the_master_key() -> None:
    master = secrets.token_bytes(32)
    seed = seed_from_master_key(master)
    assert seed == seed_from_master_key(master)
    assert seed != master
    assert len(seed) == 32
    assert seed != seed_from_master_key(secrets.token_bytes(32))


def test_the_public_key_is_raw_32_bytes_and_pem() -> None:
    signer = CheckpointSigner(secrets.token_bytes(32))
    assert len(signer.public_key) == 32
    assert signer.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
