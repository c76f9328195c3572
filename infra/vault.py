"""The PII vault: clear personal data encrypted under a per-person key.

Each person's data key (DEK) is random, encrypts their record with AES-GCM, and is
stored wrapped (AES-GCM) by the master key. Destroying the wrapped DEK makes the
record unreadable for good while the event log and its hashes stay intact.
Blind indexes (keyed HMAC) let exact-match search and uniqueness work without
storing clear values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.identity import PersonalData, normalise_phone
from infra.db import Database
from infra.recorder import SideWrite

NONCE_BYTES = 12

SCHEMA = """
CREATE TABLE IF NOT EXISTS pii_vault (
    volunteer_id uuid PRIMARY KEY,
    key_id text NOT NULL,
    wrapped_key bytea,
    payload bytea,
    name_index bytea,
    phone_index bytea,
    id_number_index bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz
);
CREATE INDEX IF NOT EXISTS pii_vault_name_index ON pii_vault (name_index);
CREATE INDEX IF NOT EXISTS pii_vault_phone_index ON pii_vault (phone_index);
CREATE INDEX IF NOT EXISTS pii_vault_id_number_index ON pii_vault (id_number_index);
CREATE TABLE IF NOT EXISTS contact_vault (
    owner_id uuid PRIMARY KEY,
    key_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    payload bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


class VaultKeyMismatch(RuntimeError):
    """The vault row was written under another master key."""


@dataclass(frozen=True)
class SealedRecord:
    key_id: str
    wrapped_key: bytes
    payload: bytes


class Vault:
    def __init__(self, master_key: bytes) -> None:
        self._master = AESGCM(master_key)
        self._index_key = hmac.new(
            master_key, b"vledger/blind-index", "sha256"
        ).digest()
        self.key_id = hashlib.sha256(b"vledger/key-id" + master_key).hexdigest()[:16]

    # -- crypto ------------------------------------------------------------------

    def seal(self, volunteer_id: UUID, person: PersonalData) -> SealedRecord:
        dek = AESGCM.generate_key(bit_length=256)
        plain = json.dumps(
            {
                "name": person.name,
                "id_number": person.id_number,
                "phone": person.phone,
                "birth_date": person.birth_date.isoformat(),
            },
            ensure_ascii=False,
        ).encode()
        return SealedRecord(
            key_id=self.key_id,
            wrapped_key=_encrypt(self._master, dek, b"dek:" + volunteer_id.bytes),
            payload=_encrypt(AESGCM(dek), plain, volunteer_id.bytes),
        )

    def open(self, volunteer_id: UUID, record: SealedRecord) -> PersonalData:
        if record.key_id != self.key_id:
            raise VaultKeyMismatch(f"vault row {volunteer_id} uses key {record.key_id}")
        dek = _decrypt(self._master, record.wrapped_key, b"dek:" + volunteer_id.bytes)
        data = json.loads(_decrypt(AESGCM(dek), record.payload, volunteer_id.bytes))
        return PersonalData(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            birth_date=date.fromisoformat(data["birth_date"]),
        )

    def seal_text(self, owner_id: UUID, text: str) -> SealedRecord:
        """A contact number of a team or unit, under a key of its own."""
        dek = AESGCM.generate_key(bit_length=256)
        return SealedRecord(
            key_id=self.key_id,
            wrapped_key=_encrypt(self._master, dek, b"dek:" + owner_id.bytes),
            payload=_encrypt(AESGCM(dek), text.encode(), owner_id.bytes),
        )

    def open_text(self, owner_id: UUID, record: SealedRecord) -> str:
        if record.key_id != self.key_id:
            raise VaultKeyMismatch(f"vault row {owner_id} uses key {record.key_id}")
        dek = _decrypt(self._master, record.wrapped_key, b"dek:" + owner_id.bytes)
        return _decrypt(AESGCM(dek), record.payload, owner_id.bytes).decode()

    def blind_index(self, kind: str, value: str) -> bytes:
        normalised = "".join(value.split()).upper()
        return hmac.new(
            self._index_key, f"{kind}:{normalised}".encode(), "sha256"
        ).digest()

    # -- storage -----------------------------------------------------------------

    def store(self, volunteer_id: UUID, person: PersonalData) -> SideWrite:
        sealed = self.seal(volunteer_id, person)
        return SideWrite(
            "INSERT INTO pii_vault (volunteer_id, key_id, wrapped_key, payload, "
            "name_index, phone_index, id_number_index) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                volunteer_id,
                sealed.key_id,
                sealed.wrapped_key,
                sealed.payload,
                self.blind_index("name", person.name),
                self.blind_index("phone", person.phone),
                self.blind_index("id_number", person.id_number),
            ),
        )

    def store_contact(self, owner_id: UUID, phone: str) -> SideWrite:
        return self.store_text(owner_id, normalise_phone(phone))

    def store_resident(self, resident_id: UUID, name: str, phone: str) -> SideWrite:
        """A resident's clear name and phone, under a key of its own."""
        text = json.dumps({"name": name, "phone": phone}, ensure_ascii=False)
        return self.store_text(resident_id, text)

    def store_text(self, owner_id: UUID, text: str) -> SideWrite:
        sealed = self.seal_text(owner_id, text)
        return SideWrite(
            "INSERT INTO contact_vault (owner_id, key_id, wrapped_key, payload) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (owner_id) DO UPDATE SET "
            "key_id = excluded.key_id, wrapped_key = excluded.wrapped_key, "
            "payload = excluded.payload, updated_at = now()",
            (owner_id, sealed.key_id, sealed.wrapped_key, sealed.payload),
        )

    @staticmethod
    def shred(volunteer_id: UUID) -> SideWrite:
        """Crypto-shredding: without its wrapped key the record cannot be read,
        and the record and the blind indexes go as well."""
        return SideWrite(
            "UPDATE pii_vault SET wrapped_key = NULL, payload = NULL, "
            "name_index = NULL, phone_index = NULL, id_number_index = NULL, "
            "erased_at = now() WHERE volunteer_id = %s",
            (volunteer_id,),
        )


def _sealed(row: Any) -> SealedRecord:
    return SealedRecord(row["key_id"], bytes(row["wrapped_key"]), bytes(row["payload"]))


def _encrypt(aead: AESGCM, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plain, aad)


def _decrypt(aead: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


class VaultReader:
    """Reads the vault: one person's clear data, or ids found by blind index."""

    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def personal_data(self, volunteer_id: UUID) -> PersonalData | None:
        return self.people([volunteer_id]).get(volunteer_id)

    def people(self, volunteer_ids: list[UUID]) -> dict[UUID, PersonalData]:
        """Clear data of several people in one query; erased people are absent."""
        rows = self.db.fetch_all(
            "SELECT volunteer_id, key_id, wrapped_key, payload FROM pii_vault "
            "WHERE volunteer_id = ANY(%s) AND wrapped_key IS NOT NULL",
            (volunteer_ids,),
        )
        return {
            row["volunteer_id"]: self.vault.open(row["volunteer_id"], _sealed(row))
            for row in rows
        }

    def contact(self, owner_id: UUID) -> str | None:
        """A team's clear contact phone, or None when it has none."""
        return self.contacts([owner_id]).get(owner_id)

    def contacts(self, owner_ids: list[UUID]) -> dict[UUID, str]:
        """Clear contact texts of several owners in one query."""
        rows = self.db.fetch_all(
            "SELECT owner_id, key_id, wrapped_key, payload FROM contact_vault "
            "WHERE owner_id = ANY(%s)",
            (owner_ids,),
        )
        return {
            row["owner_id"]: self.vault.open_text(row["owner_id"], _sealed(row))
            for row in rows
        }

    def resident(self, resident_id: UUID) -> dict[str, str] | None:
        """A resident's clear name and phone."""
        return self.residents([resident_id]).get(resident_id)

    def residents(self, resident_ids: list[UUID]) -> dict[UUID, dict[str, str]]:
        """Clear names and phones of several residents in one query."""
        return {
            owner: dict(json.loads(text))
            for owner, text in self.contacts(resident_ids).items()
        }

    def find(self, text: str) -> list[UUID]:
        """Volunteers whose name, phone or ID number is exactly `text`."""
        rows = self.db.fetch_all(
            "SELECT volunteer_id FROM pii_vault "
            "WHERE name_index = %s OR phone_index = %s OR id_number_index = %s",
            (
                self.vault.blind_index("name", text),
                self.vault.blind_index("phone", normalise_phone(text)),
                self.vault.blind_index("id_number", text),
            ),
        )
        return [r["volunteer_id"] for r in rows]
