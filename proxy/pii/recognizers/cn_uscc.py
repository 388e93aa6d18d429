"""Chinese unified social credit code (统一社会信用代码), GB 32100-2015 check character."""

from __future__ import annotations

from stdnum.cn import uscc

from proxy.pii.recognizers.base import ValidatedRecognizer


class CnUsccRecognizer(ValidatedRecognizer):
    ENTITY = "CN_USCC"
    PATTERNS = (("cn_uscc", r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", 0.3),)
    TRIGGER = r"[0-9A-Z]{2}\d{6}[0-9A-Z]{10}"
    CONTEXT = ("信用代码", "统一社会", "uscc", "credit code")

    def is_valid(self, candidate: str) -> bool:
        # An 18-digit resident id can pass the USCC check too; those belong to CN_RESIDENT_ID.
        return not candidate[:17].isdigit() and uscc.is_valid(candidate)
