"""`privacy-gateway pii-eval`: precision/recall of our detector vs Presidio's default analyzer.

    privacy-gateway pii-eval [--samples 2000] [--seed 7] [--digits 2000] [--no-baseline]

Generates the labeled Faker corpus (proxy.pii.corpus: en_US, de_DE, fr_FR, zh_CN tickets,
chats and call transcripts), runs both detectors on it in this one run, prints a table per
entity type, checks the targets (PERSON recall >= 0.85 en and zh; checksum types recall
>= 0.99; <= 1 % of random digit strings flagged as a checksum type) and exits 1 if one is
missed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

_TARGET_PERSON = 0.85
_TARGET_CHECKSUM = 0.99
_TARGET_DIGITS = 0.01


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pii-eval", help="detector precision/recall vs Presidio")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--digits", type=int, default=2000,
                        help="random digit strings for the false-positive check")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--demo", action="store_true",
                        help="also score the demo CRM's annotated texts (another generator)")
    parser.set_defaults(handler=run)


def _targets(report: object, digit_rate: float) -> list[str]:
    from proxy.pii.evaluation import CHECKSUM_TYPES

    missed = []
    for key, counts in report.by_type.items():  # type: ignore[attr-defined]
        target = (_TARGET_PERSON if key.startswith("PERSON (en") or key.startswith("PERSON (zh")
                  else _TARGET_CHECKSUM if key in CHECKSUM_TYPES else None)
        if target is not None and counts.recall < target:
            missed.append(f"{key} recall {counts.recall:.3f} < {target}")
    if digit_rate > _TARGET_DIGITS:
        missed.append(f"random digit strings flagged {digit_rate:.2%} > {_TARGET_DIGITS:.0%}")
    return missed


def run(args: argparse.Namespace) -> int:
    from proxy.pii.analyzer import Detector
    from proxy.pii.corpus import generate_corpus, random_digit_strings
    from proxy.pii.evaluation import (
        BASELINE_ALIASES,
        digit_false_positives,
        format_reports,
        timed,
    )

    corpus = generate_corpus(args.samples, args.seed)
    digits = random_digit_strings(args.digits, args.seed + 1)
    detector = Detector.default()

    def ours(texts: list[str]) -> list[list[tuple[str, int, int]]]:
        return [[(f.entity_type, f.start, f.end) for f in found]
                for found in detector.analyze_many(texts)]

    mine = timed("ours", corpus, ours)
    mine_digits = digit_false_positives(digits, ours)
    base = base_digits = naive = None
    if not args.no_baseline:
        from proxy.pii.baseline import NaiveMasker

        naive = NaiveMasker()
        base = timed("presidio", corpus, naive.spans, BASELINE_ALIASES)
        base_digits = digit_false_positives(digits, naive.spans, BASELINE_ALIASES)
    print(f"corpus: {len(corpus)} samples (en_US, de_DE, fr_FR, zh_CN; tickets, chats, "
          f"transcripts), seed {args.seed}")
    print(format_reports(mine, base))
    print(f"\nours: {mine.seconds:.1f} s; random digit strings ({len(digits)}) flagged as a "
          f"checksum type {mine_digits[0]:.2%}, as anything {mine_digits[1]:.2%}")
    if base and base_digits:
        print(f"presidio default: {base.seconds:.1f} s; random digit strings flagged as a "
              f"checksum type {base_digits[0]:.2%}, as anything {base_digits[1]:.2%}")
    if args.demo:
        _demo(ours, None if args.no_baseline else naive.spans)
    missed = _targets(mine, mine_digits[0])
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


def _demo(ours: Callable[[list[str]], list], baseline: Callable[[list[str]], list] | None) -> None:
    from proxy.pii.evaluation import (
        BASELINE_ALIASES,
        decoy_rate,
        demo_corpus,
        format_reports,
        score,
    )

    samples, decoys = demo_corpus()
    texts = [s.text for s in samples]
    mine = ours(texts)
    base = baseline(texts) if baseline else None
    print(f"\ndemo CRM free texts: {len(samples)} (proxy.demo generator, English and Chinese)")
    print(format_reports(score("ours", samples, mine),
                         score("presidio", samples, base, BASELINE_ALIASES) if base else None))
    line = f"look-alikes (order/tracking numbers, amounts, timestamps) flagged: ours " \
           f"{decoy_rate(mine, decoys):.2%}"
    if base:
        line += f", presidio {decoy_rate(base, decoys):.2%}"
    print(line)
