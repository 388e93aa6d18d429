"""The prefilter may only skip a recognizer on text where it cannot find anything: each
trigger must be looser than its recognizer's patterns and validation together."""

from __future__ import annotations

import random

import pytest

from proxy.pii.corpus import generate_corpus
from proxy.pii.prefilter import Prefilter
from proxy.pii.recognizers import ValidatedRecognizer, default_recognizers
from tests.pii.test_recognizers import NEGATIVES, POSITIVES

RECOGNIZERS = default_recognizers()
PREFILTER = Prefilter(RECOGNIZERS)


def _texts() -> list[str]:
    rng = random.Random(3)
    corpus = [sample.text for sample in generate_corpus(400, seed=11)]
    # Values as CRM fields hold them, and digit runs with the separators phones use.
    fields = [text[start:end] for sample in generate_corpus(400, seed=12)
              for _, start, end in sample.spans for text in [sample.text]]
    digits = ["".join(rng.choice("0123456789 .-()+") for _ in range(rng.randrange(6, 20)))
              for _ in range(2000)]
    examples = [text for text, *_ in POSITIVES + NEGATIVES]
    return examples + corpus + fields + digits


TEXTS = _texts()


@pytest.mark.parametrize("recognizer", RECOGNIZERS, ids=lambda r: type(r).__name__)
def test_no_recognizer_is_skipped_where_it_finds_something(
        recognizer: ValidatedRecognizer) -> None:
    found = [text for text in TEXTS if recognizer.analyze(text, recognizer.supported_entities)]
    assert found, "the texts exercise every recognizer"
    skipped = [text for text in found if recognizer not in PREFILTER.candidates(text)]
    assert skipped == []


def test_ids_and_timestamps_no_phone_or_birth_date_can_match_are_skipped() -> None:
    for text in ("C-EU-000051", "ORD-123456", "v2.3.14", "12:30:45"):
        names = {type(r).__name__ for r in PREFILTER.candidates(text)}
        assert not names & {"PhoneNumberRecognizer", "DateOfBirthRecognizer"}, text
