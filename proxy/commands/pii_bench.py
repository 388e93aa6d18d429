"""`privacy-gateway pii-bench`: masking throughput and recall, ours vs the naive baseline.

    privacy-gateway pii-bench [--role analyst] [--purpose support] [--policies DIR] [--pages 3]
                              [--transcripts 10] [--seconds 3]

The masking profile is the one the policy gives the role for the purpose (the shipped
``policies/`` unless --policies names another set), as the gateway would apply it.

In one run: (a) 50-record contact pages (name, email, phone, address, birth date, national
id, bank card, IBAN, short notes) and (b) ~2 KB call transcripts are masked by our masker and by
Presidio's default analyzer + anonymizer on every string value. Prints items/s, the ratio,
the share of raw values each hides, a page without free text, and the process RSS with our
models loaded (before the baseline is loaded).
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

import psutil


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pii-bench", help="masking throughput vs Presidio baseline")
    parser.add_argument("--role", default="analyst",
                        help="the policy role whose profile masks (default analyst)")
    parser.add_argument("--purpose", default="support",
                        help="the caller's purpose, which can select the profile (default support)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help="policy set to take the profile from (default: the shipped one)")
    parser.add_argument("--pages", type=int, default=3, help="distinct contact pages")
    parser.add_argument("--transcripts", type=int, default=10, help="distinct transcripts")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="minimum time per measurement of our masker")
    parser.set_defaults(handler=run)


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _line(label: str, ours: object, base: object, unit: str) -> str:
    ratio = ours.per_second / base.per_second if base.per_second else float("inf")  # type: ignore[attr-defined]
    return (f"{label:<34} ours {ours.per_second:>9.1f} {unit}/s   "  # type: ignore[attr-defined]
            f"baseline {base.per_second:>8.2f} {unit}/s   ratio {ratio:>6.1f}x")  # type: ignore[attr-defined]


def run(args: argparse.Namespace) -> int:
    from proxy.decisions.policy_set import PolicyError
    from proxy.decisions.role_profile import PolicyRefused, policy_profile
    from proxy.pii import bench
    from proxy.pii.masker import Masker
    from proxy.pii.settings import PiiSettings
    from proxy.pii.tokens import InMemoryKeyStore

    try:
        profile = policy_profile(args.role, args.purpose, policies_dir=args.policies)
    except (PolicyRefused, PolicyError) as error:
        print(f"privacy-gateway pii-bench: role {args.role}: {error}", file=sys.stderr)
        return 1
    rss_before = _rss_mb()  # the policy engine loaded, not yet the masker's models
    masker = Masker.from_settings(PiiSettings(), InMemoryKeyStore())
    demo = bench.demo_pages(args.pages)
    source = "demo CRM (proxy.demo)" if demo else "Faker fallback (proxy.demo unavailable)"
    labeled = demo or [(p, bench.page_values(p)) for p in map(bench.contact_page,
                                                               range(args.pages))]
    pages = [page for page, _ in labeled]
    plain_pages = [_without_free_text(page) for page in pages]
    texts = bench.demo_transcripts(args.transcripts) or bench.transcripts(args.transcripts, 3)
    masker.mask_json(pages[0], profile)  # warm caches and lazy model parts
    rss_ours = _rss_mb()
    # As the gateway does after start-up: collections stop walking the loaded models.
    gc.collect()
    gc.freeze()

    def ours_page(page: dict) -> object:
        return masker.mask_json(page, profile, system="crm")

    def ours_text(item: tuple[str, list[str]]) -> object:
        return masker.mask_text(item[0], profile)

    ours_a = bench.measure(ours_page, pages, args.seconds)
    ours_plain = bench.measure(ours_page, plain_pages, args.seconds)
    ours_b = bench.measure(ours_text, texts, args.seconds)

    from proxy.pii.baseline import NaiveMasker

    naive = NaiveMasker()
    base_a = bench.measure(naive.mask_json, pages)
    base_plain = bench.measure(naive.mask_json, plain_pages)
    base_b = bench.measure(lambda item: naive.mask_text(item[0]), texts)

    hidden = {
        "a ours": sum(bench.hidden_share(bench.dumps(ours_page(p).document), values)  # type: ignore[attr-defined]
                      for p, values in labeled) / len(labeled),
        "a base": sum(bench.hidden_share(bench.dumps(naive.mask_json(p)), values)
                      for p, values in labeled) / len(labeled),
        "b ours": sum(bench.hidden_share(ours_text(t).document, t[1])  # type: ignore[attr-defined]
                      for t in texts) / len(texts),
        "b base": sum(bench.hidden_share(naive.mask_text(t[0]), t[1]) for t in texts)
        / len(texts),
    }
    chars = sum(len(t[0]) for t in texts) / len(texts)
    print(f"data: {source}; profile: the policy's for {args.role}/{args.purpose}; "
          f"{len(pages)} pages x {len(pages[0]['results'])} contacts; {len(texts)} transcripts "
          f"of ~{chars:.0f} chars")
    print(_line("(a) contact page, 50 records", ours_a, base_a, "pages"))
    print(_line("    page without free-text fields", ours_plain, base_plain, "pages"))
    print(_line("(b) call transcript ~2 KB", ours_b, base_b, "texts"))
    print(f"raw values hidden  (a) ours {hidden['a ours']:.3f}  baseline {hidden['a base']:.3f}"
          f"   (b) ours {hidden['b ours']:.3f}  baseline {hidden['b base']:.3f}")
    print(f"masking cost per page without free text: {1000 / ours_plain.per_second:.2f} ms")
    print(f"RSS: {rss_before:.0f} MB at start (policy loaded), {rss_ours:.0f} MB with our "
          "models loaded, "
          f"{_rss_mb():.0f} MB with the baseline loaded too")
    return 0


def _without_free_text(page: dict) -> dict:
    return {**page, "results": [{k: v for k, v in contact.items() if k != "notes"}
                                for contact in page["results"]]}
