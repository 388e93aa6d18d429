"""Precision and recall per entity type on the generated corpus, for our detector and for
Presidio's default analyzer in the same run; plus false positives on random digit strings.

A gold span counts as found when a prediction of the same type overlaps it; a prediction of an
evaluated type that overlaps no gold span of its type is a false positive.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from proxy.pii.corpus import Sample

Spans = list[tuple[str, int, int]]
# Baseline types that stand for one of ours (Presidio has no date-of-birth type).
BASELINE_ALIASES = {"DATE_TIME": "DATE_OF_BIRTH"}
CHECKSUM_TYPES = frozenset({"CN_RESIDENT_ID", "CREDIT_CARD", "IBAN_CODE", "DE_TAX_ID",
                            "FR_NIR", "CN_USCC", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "NL_BSN",
                            "PL_PESEL", "SE_PERSONNUMMER", "FI_PERSONAL_IDENTITY_CODE",
                            "BE_NATIONAL_NUMBER", "EU_VAT_ID", "UK_NHS"})


@dataclass
class Counts:
    tp: int = 0
    fn: int = 0
    fp: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0


@dataclass
class Report:
    name: str
    by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    seconds: float = 0.0


def _overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(name: str, corpus: Sequence[Sample], predicted: Sequence[Spans],
          aliases: dict[str, str] | None = None) -> Report:
    report = Report(name)
    gold_types = {span[0] for sample in corpus for span in sample.spans}
    for sample, spans in zip(corpus, predicted, strict=True):
        mapped = [((aliases or {}).get(t, t), s, e) for t, s, e in spans]
        mapped = [p for p in mapped if p[0] in gold_types]
        for gold in sample.spans:
            key = gold[0] if gold[0] != "PERSON" else f"PERSON ({sample.locale[:2]})"
            hit = any(_overlaps(gold, p) for p in mapped)
            report.by_type[key].tp += hit
            report.by_type[key].fn += not hit
        for p in mapped:
            if not any(_overlaps(gold, p) for gold in sample.spans):
                key = p[0] if p[0] != "PERSON" else f"PERSON ({sample.locale[:2]})"
                report.by_type[key].fp += 1
    return report


def timed(name: str, corpus: Sequence[Sample], detect: Callable[[list[str]], list[Spans]],
          aliases: dict[str, str] | None = None) -> Report:
    started = time.perf_counter()
    predicted = detect([s.text for s in corpus])
    report = score(name, corpus, predicted, aliases)
    report.seconds = time.perf_counter() - started
    return report


def digit_false_positives(strings: Sequence[str], detect: Callable[[list[str]], list[Spans]],
                          aliases: dict[str, str] | None = None) -> tuple[float, float]:
    """Share of random digit strings flagged as a checksum type, and as anything at all."""
    flagged = detect(list(strings))
    checksum = anything = 0
    for spans in flagged:
        types = {(aliases or {}).get(t, t) for t, _, _ in spans}
        checksum += bool(types & CHECKSUM_TYPES)
        anything += bool(types)
    return checksum / len(strings), anything / len(strings)


def format_reports(ours: Report, baseline: Report | None) -> str:
    keys = sorted(set(ours.by_type) | set(baseline.by_type if baseline else ()))
    header = f"{'entity type':<28}{'gold':>6}  {'ours P':>7} {'ours R':>7}"
    if baseline:
        header += f"  {'base P':>7} {'base R':>7}"
    lines = [header, "-" * len(header)]
    for key in keys:
        mine = ours.by_type.get(key, Counts())
        line = (f"{key:<28}{mine.tp + mine.fn:>6}  {mine.precision:>7.3f} "
                f"{mine.recall:>7.3f}")
        if baseline:
            base = baseline.by_type.get(key, Counts())
            line += f"  {base.precision:>7.3f} {base.recall:>7.3f}"
        lines.append(line)
    return "\n".join(lines)


def demo_corpus(seed: int = 7, contacts_per_region: int = 50) -> tuple[list[Sample], list[list[
        tuple[int, int]]]]:
    """The demo CRM's annotated free texts (written by a different generator than ours) as
    samples, with the spans of their non-personal look-alikes (order numbers, timestamps …)."""
    from proxy.demo.dataset import build_dataset

    dataset = build_dataset(seed, contacts_per_region, annotate=True)
    samples, decoys = [], []
    for (region, kind, record, field_name), text in dataset.annotations.items():
        spans = tuple((entity, i, i + len(value)) for entity, value in text.pii
                      for i in _occurrences(text.value, value))
        language = "zh_CN" if any("\u4e00" <= ch <= "\u9fff" for ch in text.value) else "en_US"
        samples.append(Sample(f"{region}-{kind}-{record}-{field_name}", language, kind,
                              text.value, spans))
        decoys.append([(i, i + len(value)) for _, value in text.decoys
                       for i in _occurrences(text.value, value)])
    return samples, decoys


def _occurrences(text: str, value: str) -> list[int]:
    found, start = [], text.find(value)
    while value and start >= 0:
        found.append(start)
        start = text.find(value, start + 1)
    return found


def decoy_rate(predicted: Sequence[Spans], decoys: Sequence[list[tuple[int, int]]]) -> float:
    """Share of look-alikes (order numbers, timestamps, amounts …) reported as personal data."""
    total = hit = 0
    for spans, sample_decoys in zip(predicted, decoys, strict=True):
        for start, end in sample_decoys:
            total += 1
            hit += any(s < end and start < e for _, s, e in spans)
    return hit / total if total else 0.0
