"""European national identity numbers (EU and the UK NHS number), one recognizer instance per
country, validated by stdnum.

Formats that are only digits with a weak check (DE tax id, NL BSN, PL PESEL, BE number, SE
personnummer without separator) count only after a context word; the others stand alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stdnum.be import nn as be_nn
from stdnum.de import idnr as de_idnr
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nir as fr_nir
from stdnum.gb import nhs as gb_nhs
from stdnum.it import codicefiscale as it_cf
from stdnum.nl import bsn as nl_bsn
from stdnum.pl import pesel as pl_pesel
from stdnum.se import personnummer as se_pnr

from proxy.pii.recognizers.base import ValidatedRecognizer

_GENERIC_CONTEXT = ("national id", "id number", "identity", "ausweis", "identité", "身份")


@dataclass(frozen=True)
class NationalIdFormat:
    entity: str
    pattern: str
    trigger: str
    is_valid: Callable[[str], bool]
    context: Sequence[str]
    require_context: bool


FORMATS = (
    NationalIdFormat("DE_TAX_ID", r"\d{2} ?\d{3} ?\d{3} ?\d{3}", r"\d{2} ?\d{3} ?\d{3} ?\d{3}",
                     de_idnr.is_valid, ("steuer", "idnr", "identifikationsnummer", "tax id",
                                        "tin"), True),
    NationalIdFormat("FR_NIR", r"[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3}"
                     r" ?\d{3} ?\d{2}", r"[12] ?\d{2} ?\d{2} ?[0-9AB]{2} ?\d{3} ?\d{3} ?\d{2}",
                     fr_nir.is_valid, ("sécurité sociale", "securite sociale", "nir", "insee",
                                       "social security"), False),
    NationalIdFormat("ES_NIF", r"\d{8}-?[A-HJ-NP-TV-Z]", r"\d{8}-?[A-Z]", es_dni.is_valid,
                     ("dni", "nif", "documento"), False),
    NationalIdFormat("ES_NIE", r"[XYZ]-?\d{7}-?[A-HJ-NP-TV-Z]", r"[XYZ]-?\d{7}-?[A-Z]",
                     es_nie.is_valid, ("nie", "extranjero"), False),
    NationalIdFormat("IT_FISCAL_CODE", r"[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}"
                     r"[A-Z][0-9LMNP-V]{3}[A-Z]", r"[A-Z]{6}[0-9A-Z]{10}", it_cf.is_valid,
                     ("codice fiscale", "fiscal code"), False),
    NationalIdFormat("NL_BSN", r"\d{4}\.?\d{2}\.?\d{3}", r"\d{4}\.?\d{2}\.?\d{3}",
                     nl_bsn.is_valid, ("bsn", "burgerservicenummer", "sofinummer"), True),
    NationalIdFormat("PL_PESEL", r"\d{11}", r"\d{11}", pl_pesel.is_valid, ("pesel",), True),
    NationalIdFormat("SE_PERSONNUMMER", r"(?:19|20)?\d{6}[-+]?\d{4}", r"\d{6}[-+]?\d{4}",
                     se_pnr.is_valid, ("personnummer", "personnr"), True),
    NationalIdFormat("FI_PERSONAL_IDENTITY_CODE", r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]",
                     r"\d{6}[-+A-Z]\d{3}[0-9A-Z]", fi_hetu.is_valid,
                     ("henkilötunnus", "hetu", "personal identity code"), False),
    NationalIdFormat("UK_NHS", r"\d{3} ?\d{3} ?\d{4}", r"\d{3} ?\d{3} ?\d{4}", gb_nhs.is_valid,
                     ("nhs",), True),
    NationalIdFormat("BE_NATIONAL_NUMBER", r"\d{2}\.?\d{2}\.?\d{2}[-.]?\d{3}\.?\d{2}",
                     r"\d{2}\.?\d{2}\.?\d{2}[-.]?\d{3}\.?\d{2}", be_nn.is_valid,
                     ("rijksregister", "registre national", "national number", "nn"), True),
)


class NationalIdRecognizer(ValidatedRecognizer):
    def __init__(self, spec: NationalIdFormat) -> None:
        self.ENTITY = spec.entity
        self.PATTERNS = ((spec.entity.lower(), spec.pattern, 0.3),)
        self.TRIGGER = spec.trigger
        self.CONTEXT = tuple(spec.context) + _GENERIC_CONTEXT
        self.REQUIRE_CONTEXT = spec.require_context
        self._validator = spec.is_valid
        super().__init__()
        self.name = f"NationalIdRecognizer_{spec.entity}"

    def is_valid(self, candidate: str) -> bool:
        return self._validator(candidate)


def national_id_recognizers() -> list[NationalIdRecognizer]:
    return [NationalIdRecognizer(spec) for spec in FORMATS]
