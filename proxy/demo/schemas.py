"""What the sample upstream accepts on writes: pydantic models, JSON merge patch and the
field-error map returned with 422."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_COUNTRY = r"^[A-Z]{2}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(_In):
    street: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = Field(default=None, pattern=_COUNTRY)


class NationalIdIn(_In):
    type: str = Field(min_length=1)
    value: str = Field(min_length=1)


class ContactIn(_In):
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: str = Field(pattern=_EMAIL)
    phone: str | None = None
    address: AddressIn | None = None
    country: str | None = Field(default=None, pattern=_COUNTRY)
    birth_date: date | None = None
    national_id: NationalIdIn | None = None
    bank: dict[str, str] | None = None
    notes: str = ""
    custom_fields: dict[str, str] | None = None


class TicketIn(_In):
    contact_id: int
    customer_email: str = Field(pattern=_EMAIL)
    subject: str = Field(min_length=1)
    description: str = ""
    status: Literal["open", "pending", "solved", "closed"] = "open"
    assignee: str | None = None


class CommentIn(_In):
    author: str = Field(min_length=1)
    author_type: Literal["agent", "customer"] = "agent"
    body: str = Field(min_length=1)


class CallIn(_In):
    contact_id: int
    caller_number: str = Field(min_length=1)
    agent: str
    started_at: str
    duration_seconds: int = Field(ge=0)
    language: Literal["en", "zh"]
    transcript: str
    summary: str = ""


# Server-assigned fields: accepted on input (clients echo whole records back) and ignored.
READ_ONLY = frozenset({"id", "customer_id", "name", "created_at", "updated_at", "ticket_id",
                       "comments"})


class InvalidInput(Exception):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("invalid input")
        self.fields = fields


def validate(model: type[BaseModel], payload: Any) -> dict[str, Any]:
    """The payload's writable fields, validated and in JSON form; ``InvalidInput`` lists
    problems by dotted field path (never echoing the submitted values)."""
    if not isinstance(payload, dict):
        raise InvalidInput({"": "expected a JSON object"})
    writable = {k: v for k, v in payload.items() if k not in READ_ONLY}
    try:
        parsed = model.model_validate(writable)
    except ValidationError as error:
        raise InvalidInput({".".join(map(str, e["loc"])): e["msg"]
                            for e in error.errors(include_input=False)}) from None
    return parsed.model_dump(mode="json")


def merge_patch(target: dict[str, Any], patch: Any) -> dict[str, Any]:
    """RFC 7396 JSON merge patch: objects merge recursively, ``null`` removes a member."""
    if not isinstance(patch, dict):
        raise InvalidInput({"": "expected a JSON object"})
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged
