"""EU VAT identification numbers (country prefix + national format), validated by stdnum."""

from __future__ import annotations

from stdnum.eu import vat

from proxy.pii.recognizers.base import ValidatedRecognizer

_PREFIXES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK"


class VatRecognizer(ValidatedRecognizer):
    ENTITY = "EU_VAT_ID"
    PATTERNS = (("eu_vat", rf"(?:{_PREFIXES}) ?[0-9A-Z]{{8,12}}", 0.3),)
    TRIGGER = rf"(?:{_PREFIXES}) ?[0-9A-Z]{{2}}"
    CONTEXT = ("vat", "ust", "tva", "iva", "btw", "税号")

    def is_valid(self, candidate: str) -> bool:
        return vat.is_valid(candidate.strip())
