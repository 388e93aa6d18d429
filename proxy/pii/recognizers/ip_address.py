"""IPv4 and IPv6 addresses, confirmed by the ``ipaddress`` module."""

from __future__ import annotations

import ipaddress

from proxy.pii.recognizers.base import ValidatedRecognizer


class IpAddressRecognizer(ValidatedRecognizer):
    ENTITY = "IP_ADDRESS"
    PATTERNS = (
        ("ipv4", r"(?<!\d|\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)", 0.5),
        ("ipv6", r"(?<![:0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![:0-9A-Fa-f])",
         0.3),
    )
    TRIGGER = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:"

    def is_valid(self, candidate: str) -> bool:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            return False
        return not (address.version == 6 and candidate.count(":") < 3 and "::" not in candidate)
