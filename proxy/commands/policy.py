"""`privacy-gateway policy test|eval|diff|bench`: work with the Rego policies offline;
`policy reload`: ask a running gateway to reload them."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine, compile_bundle
from proxy.decisions.engine import EngineError
from proxy.decisions.model import Decision, MalformedResult, decision_from_result
from proxy.decisions.policy_set import PolicyError, PolicySet
from proxy.decisions.policy_tests import run_tests
from proxy.decisions.settings import DEFAULT_POLICIES_DIR

QUERY = "data.gateway.decision"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("policy", help="test, evaluate and compare Rego policies")
    commands = parser.add_subparsers(dest="policy_command", required=True)

    test = commands.add_parser("test", help="run every *_test.rego and show rule coverage")
    _dir(test)
    test.set_defaults(handler=_test)

    evaluate = commands.add_parser("eval", help="print the decision for one input")
    _dir(evaluate)
    evaluate.add_argument("--input", type=Path, required=True, help="JSON input document")
    evaluate.set_defaults(handler=_eval)

    diff = commands.add_parser("diff", help="decisions that change between live and candidate")
    _dir(diff)
    diff.add_argument("--candidate", type=Path, required=True, help="candidate policy dir")
    diff.add_argument("--inputs", type=Path, required=True,
                      help="JSON array of inputs, or JSON lines")
    diff.set_defaults(handler=_diff)

    bench = commands.add_parser("bench", help="decision latency: cold, compiled, cached, OPA")
    _dir(bench)
    bench.add_argument("--n", type=int, default=2000, help="decisions per measurement")
    bench.set_defaults(handler=_bench)

    reload = commands.add_parser("reload", help="reload the policies of a running gateway")
    reload.add_argument("--url", required=True, help="gateway base URL, e.g. http://gw:8080")
    reload.add_argument("--token", required=True, help="bearer token of an admin caller")
    reload.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    reload.set_defaults(handler=_reload)


def _dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=DEFAULT_POLICIES_DIR,
                        help="policy directory (default: the bundled policies/)")


def _fail(message: str) -> int:
    print(f"privacy-gateway policy: {message}", file=sys.stderr)
    return 2


def _test(args: argparse.Namespace) -> int:
    try:
        report = run_tests(PolicySet.load(args.dir))
    except PolicyError as exc:
        return _fail(str(exc))
    for result in report.results:
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.name}")
        if result.detail:
            print("      " + result.detail.replace("\n", "\n      "))
    total = len(report.covered) + len(report.uncovered)
    print(f"\ncoverage: {len(report.covered)}/{total} rules hit by at least one test case")
    for rule in report.uncovered:
        print(f"  not hit: {rule}")
    print(f"\n{len(report.results) - len(report.failures)} passed, "
          f"{len(report.failures)} failed")
    return 0 if report.passed else 1


def _compile(directory: Path) -> CompiledPolicy:
    policy_set = PolicySet.load(directory)
    return CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY))


def _decide(engine: EmbeddedEngine, policy: CompiledPolicy, document: Any) -> dict[str, Any]:
    """The decision as a dict; a policy that fails gives the fail-closed deny."""
    try:
        decision = decision_from_result(engine.evaluate_now(policy, document),
                                        policy.revision, engine.name)
    except (EngineError, MalformedResult, TypeError, ValueError) as exc:
        decision = Decision.deny(str(exc) or type(exc).__name__, policy.revision, engine.name)
    result = decision.as_dict()
    for volatile in ("id", "cached"):
        result.pop(volatile)
    return result


def _eval(args: argparse.Namespace) -> int:
    try:
        document = json.loads(args.input.read_text(encoding="utf-8"))
        policy = _compile(args.dir)
    except (OSError, ValueError) as exc:
        return _fail(f"{args.input}: {exc}")
    except PolicyError as exc:
        return _fail(str(exc))
    print(json.dumps(_decide(EmbeddedEngine(QUERY), policy, document), indent=2))
    return 0


def _inputs(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _diff(args: argparse.Namespace) -> int:
    try:
        documents = _inputs(args.inputs)
        live, candidate = _compile(args.dir), _compile(args.candidate)
    except (OSError, ValueError) as exc:
        return _fail(f"{args.inputs}: {exc}")
    except PolicyError as exc:
        return _fail(str(exc))
    engine = EmbeddedEngine(QUERY)
    changed = 0
    for index, document in enumerate(documents):
        before, after = _decide(engine, live, document), _decide(engine, candidate, document)
        before.pop("policy_revision"), after.pop("policy_revision")
        if before != after:
            changed += 1
            fields = sorted(k for k in before if before[k] != after[k])
            print(json.dumps({"input": index, "changed": fields,
                              "live": {k: before[k] for k in fields},
                              "candidate": {k: after[k] for k in fields}}))
    print(f"{changed} of {len(documents)} decisions change "
          f"(live {live.revision}, candidate {candidate.revision})", file=sys.stderr)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from proxy.decisions.benchmark import run_benchmark
    return run_benchmark(args.dir, args.n)


def _reload(args: argparse.Namespace) -> int:
    """POST /admin/policy/reload; exit 0 when the new set is live, 1 when it was rejected."""
    request = urllib.request.Request(args.url.rstrip("/") + "/admin/policy/reload",
                                     method="POST",
                                     headers={"Authorization": f"Bearer {args.token}"})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 422:  # 422 carries the rejected reload's result
            return _fail(f"reload refused: HTTP {exc.code}")
        body = exc.read()
    except (urllib.error.URLError, TimeoutError) as exc:
        return _fail(f"cannot reach {args.url}: {exc}")
    try:
        result = json.loads(body)
    except ValueError:
        return _fail("the gateway's answer is not JSON")
    print(json.dumps(result, indent=2))
    return 0 if result.get("ok") else 1
