"""Email addresses, also glued to Chinese text (邮箱zhangwei@example.com谢谢)."""

from __future__ import annotations

from proxy.pii.recognizers.base import ValidatedRecognizer


class EmailAddressRecognizer(ValidatedRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    PATTERNS = (("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
                          r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}",
                 0.9),)
    TRIGGER = r"@[A-Za-z0-9-]+\.[A-Za-z]"
