"""Our Presidio recognizers, in priority order (checksummed types win overlaps)."""

from __future__ import annotations

from proxy.pii.recognizers.base import ValidatedRecognizer
from proxy.pii.recognizers.cn_address import CnAddressRecognizer
from proxy.pii.recognizers.cn_passport import CnPassportRecognizer
from proxy.pii.recognizers.cn_resident_id import CnResidentIdRecognizer
from proxy.pii.recognizers.cn_uscc import CnUsccRecognizer
from proxy.pii.recognizers.date_of_birth import DateOfBirthRecognizer
from proxy.pii.recognizers.email import EmailAddressRecognizer
from proxy.pii.recognizers.iban import IbanCodeRecognizer
from proxy.pii.recognizers.ip_address import IpAddressRecognizer
from proxy.pii.recognizers.national_id import national_id_recognizers
from proxy.pii.recognizers.payment_card import PaymentCardRecognizer
from proxy.pii.recognizers.phone import PhoneNumberRecognizer
from proxy.pii.recognizers.street_address import StreetAddressRecognizer
from proxy.pii.recognizers.us_ssn import UsSocialSecurityRecognizer
from proxy.pii.recognizers.vat import VatRecognizer


def default_recognizers() -> list[ValidatedRecognizer]:
    return [
        EmailAddressRecognizer(),
        CnResidentIdRecognizer(),
        CnUsccRecognizer(),
        IbanCodeRecognizer(),
        PaymentCardRecognizer(),
        *national_id_recognizers(),
        VatRecognizer(),
        UsSocialSecurityRecognizer(),
        CnPassportRecognizer(),
        IpAddressRecognizer(),
        DateOfBirthRecognizer(),
        PhoneNumberRecognizer(),
        CnAddressRecognizer(),
        StreetAddressRecognizer(),
    ]


__all__ = ["ValidatedRecognizer", "default_recognizers"]
