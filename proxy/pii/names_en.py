"""Latin-script person names in free text: spaCy NER from an installed pipeline package (never
downloaded), plus cues spaCy's small model misses: titles (Mr., Frau, Mme) and self-introductions
(I'm …, this is …, mein Name ist …, je suis …) before capitalized words."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import spacy

_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿß'-]+"
_NAME = rf"({_WORD}(?:[ -](?:(?:de|van|von|der|le|la|du|di|da) )?{_WORD}){{0,2}})"
_CUES = (r"Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame|Dear|Hi|Hello|Sure"
         r"|I'm|I am|this is|it's|name is|my name is|speaking with|spoke with|request from"
         r"|Agent|Caller|Customer|Kunde|Kundin|Anrufer|Anruferin|Mitarbeiter|Mitarbeiterin"
         r"|hier ist|Name ist|bin|für|Client|Cliente|Conseiller|Conseillère|Appelant|Appelante"
         r"|je suis|ici|pour|le client|la cliente|regards|Regards|Sincerely|Thanks"
         r"|handed over to|escalated to|assigned to|agreed with|Verified|address for"
         r"|daughter|son|wife|husband|partner|mother|father|colleague|Tochter|Sohn|Frau"
         r"|Mann|fille|fils|épouse|mari|Relative|handled by|served by|signed by|approved by")
_VERBS_AFTER = (r"called|wrote|said|asked|reported|emailed|phoned|complained|rief an|schrieb"
                r"|a appelé|a écrit|女士|先生|小姐|敬上|来电|身份")
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|M)\.? "
_CUED = re.compile(rf"(?:(?<![A-Za-z])(?i:{_CUES})\.?,? (?:{_TITLES})?"
                   rf"|(?:我是|我叫|客户|家人|联系人|核验)\s?){_NAME}|{_NAME}(?=\s?(?:{_VERBS_AFTER}))")
# Words that start sentences or name roles; spaCy's small English model tags some as PERSON.
_NOT_NAMES = frozenset({
    "Agent", "Caller", "Customer", "Thanks", "Thank", "Hello", "Hi", "Team", "Support", "Sure",
    "Yes", "Please", "Guten", "Tag", "Ihre", "Wie", "Quel", "Rappeler", "Bonjour", "Hallo",
    "Kunde", "Kundin", "Anrufer", "Mitarbeiter", "Client", "Conseiller", "Appelant", "Refund",
    "Logged", "Card", "Identity", "Vorgang", "Erstattung", "Remboursement", "Merci", "Danke",
    "Dear", "Sir", "Madam", "Best", "Kind", "Regards", "Relative", "Mr", "Ms", "Mrs", "Dr",
})


def _acceptable(text: str) -> bool:
    words = re.split(r"[\s-]+", text.strip())
    return (not any(ch.isdigit() for ch in text) and not any(w in _NOT_NAMES for w in words)
            and all(w[:1].isupper() or w in ("de", "van", "von", "der", "le", "la", "du")
                    for w in words))


def _cued_spans(text: str) -> list[tuple[int, int]]:
    """Cue + capitalized words; the name stops before the first word that is not a name
    ("Best regards, Christine Schultz Please use …" -> Christine Schultz)."""
    spans = []
    for match in _CUED.finditer(text):
        group = 1 if match.group(1) else 2
        start, name = match.start(group), match.group(group)
        kept = ""
        for word in re.finditer(r"\S+", name):
            candidate = name[:word.end()]
            if not _acceptable(candidate):
                break
            kept = candidate
        if kept:
            spans.append((start, start + len(kept)))
    return spans


class EnglishNames:
    """Batched spaCy NER; ``nlp.pipe`` is not safe to share across threads, hence the lock."""

    def __init__(self, model: str) -> None:
        # NER in the small English pipeline carries its own tok2vec: the shared one only feeds
        # tagger/parser, so excluding it gives identical entities at ~2.5x the speed.
        self._nlp = spacy.load(model, exclude=["tok2vec", "parser", "lemmatizer", "tagger",
                                               "attribute_ruler", "senter"])
        self._lock = threading.Lock()

    def find_many(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """spaCy PERSON spans per text. Only sentences with a capitalized word inside them
        (where a name can be) go to the model, all in one batched ``nlp.pipe`` call."""
        pieces = [(i, start, text[start:end]) for i, text in enumerate(texts)
                  for start, end in _name_bearing_sentences(text)]
        with self._lock:
            docs = list(self._nlp.pipe((piece for _, _, piece in pieces), batch_size=64))
        spans: list[list[tuple[int, int]]] = [[] for _ in texts]
        for (i, offset, _), doc in zip(pieces, docs, strict=True):
            spans[i].extend((offset + e.start_char, offset + e.end_char) for e in doc.ents
                            if e.label_ == "PERSON" and _acceptable(e.text))
        return [sorted(found) for found in spans]


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_ABBREVIATION = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|Mme|Mlle)\.")
# A capitalized word after a lower-case word or a comma: a sentence start is not evidence.
_INNER_CAPITAL = re.compile(r"(?:[a-zà-ÿ,;)]\s+|[\u4e00-\u9fff，：]\s*)[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]")


def _name_bearing_sentences(text: str) -> list[tuple[int, int]]:
    # "Mr." does not end a sentence: split a same-length copy without those dots.
    unsplit = _ABBREVIATION.sub(lambda m: m.group(1) + " ", text)
    return [match.span() for match in _SENTENCE.finditer(unsplit)
            if _INNER_CAPITAL.search(match.group(0))]


def find_cued_names(text: str) -> list[tuple[int, int]]:
    """Latin-script names after cues; cheap, so it runs on every free text."""
    return _cued_spans(text)
