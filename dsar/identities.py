"""Who a data-subject request is about: one or more identities, and what is asked."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from proxy.residency import normalize_phone

IdentityKind = Literal["email", "phone", "national_id", "customer_id", "name"]
IDENTITY_KINDS: tuple[IdentityKind, ...] = get_args(IdentityKind)
RequestType = Literal["access", "export", "erasure"]
REQUEST_TYPES: tuple[RequestType, ...] = get_args(RequestType)


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str

    def normalized(self) -> str:
        """The canonical form two spellings of one identity share (for matching and
        duplicate detection): lower-cased email, E.164 phone, ID without separators, name
        with collapsed whitespace and case folded."""
        value = unicodedata.normalize("NFKC", self.value).strip()
        if self.kind == "email":
            return value.lower()
        if self.kind == "phone":
            return normalize_phone(value)
        if self.kind == "national_id":
            return re.sub(r"[\s.\-]", "", value).upper()
        if self.kind == "name":
            return " ".join(value.split()).casefold()
        return value
