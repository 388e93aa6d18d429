"""The embedded engine: regopy (rego-cpp) compiles the policy set once into a bundle;
worker threads, each with its own interpreter, query it off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from regopy import Bundle, Input, Interpreter, RegoError

from proxy.decisions.engine import EngineError
from proxy.decisions.policy_set import PolicyError, PolicySet
from proxy.decisions.precompute import policy_data

_RESULT = "result"


@dataclass(frozen=True)
class CompiledPolicy:
    revision: str
    bundle: Bundle


def new_interpreter() -> Interpreter:
    interpreter = Interpreter()
    # Otherwise a failing built-in is silently undefined, which can fail open under `not`.
    interpreter.strict_built_in_errors = True
    return interpreter


def load_interpreter(policy_set: PolicySet, *, tests: bool = False) -> Interpreter:
    """An interpreter holding the set's modules (and tests) and data."""
    interpreter = new_interpreter()
    modules = {**policy_set.modules, **(policy_set.tests if tests else {})}
    data = policy_data(policy_set)
    try:
        for name, source in modules.items():
            interpreter.add_module(name, source)
        interpreter.add_data(data)
    except RegoError as exc:
        raise PolicyError(f"does not compile:\n{exc}") from None
    return interpreter


def compile_bundle(policy_set: PolicySet, query: str | None,
                   entrypoints: Sequence[str] = (), *, tests: bool = False) -> Bundle:
    """A bundle answering ``query`` (bound to a variable, so a `false` value is a value, not
    a failed query) and/or the given entrypoints (``package/path/rule``)."""
    interpreter = load_interpreter(policy_set, tests=tests)
    try:
        bundle = interpreter.build(f"{_RESULT} := {query}" if query else None, entrypoints)
    except RegoError as exc:
        raise PolicyError(f"does not compile:\n{exc}") from None
    if not bundle.ok():
        raise PolicyError("does not compile")
    return bundle


def to_input(document: Any) -> Input:
    """The document as a regopy Input (built in memory: 3-4x faster than parsing JSON text).
    It goes through JSON first so both engines see the same value (keys become strings,
    tuples arrays; NaN and non-JSON types are refused)."""
    try:
        return Input(json.loads(json.dumps(document, allow_nan=False)))
    except (TypeError, ValueError):
        raise EngineError("input is not JSON") from None


def query_value(interpreter: Interpreter, bundle: Bundle, document: Input,
                entrypoint: str | None = None) -> Any:
    """Evaluate one query of a bundle: its value, or None when undefined."""
    try:
        interpreter.set_input(document)
        output = (interpreter.query_bundle_entrypoint(bundle, entrypoint) if entrypoint
                  else interpreter.query_bundle(bundle))
    except RegoError:
        raise EngineError("evaluation error") from None
    except ValueError:  # the output was not valid JSON
        raise EngineError("unreadable result") from None
    if not output.ok():
        raise EngineError("evaluation error")
    if not output.results:
        return None
    if entrypoint:
        expressions = output.results[0].expressions
        return expressions[0] if expressions else None
    return output.results[0].bindings.get(_RESULT)


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, query: str, workers: int = 2) -> None:
        self._query = query
        self._workers = workers
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="rego")

    async def prepare(self, policy_set: PolicySet) -> CompiledPolicy:
        bundle = await asyncio.to_thread(compile_bundle, policy_set, self._query)
        return CompiledPolicy(policy_set.revision, bundle)

    async def evaluate(self, prepared: object, document: dict[str, Any]) -> Any:
        if self._pool is None:
            raise EngineError("engine not started")
        assert isinstance(prepared, CompiledPolicy)
        document_input = to_input(document)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._evaluate_here,
                                          prepared.bundle, document_input)

    def evaluate_now(self, prepared: CompiledPolicy, document: dict[str, Any]) -> Any:
        """Synchronous evaluation on the calling thread (CLI, benchmarks)."""
        return self._evaluate_here(prepared.bundle, to_input(document))

    def _evaluate_here(self, bundle: Bundle, document: Input) -> Any:
        interpreter = getattr(self._local, "interpreter", None)
        if interpreter is None:
            interpreter = self._local.interpreter = new_interpreter()
        return query_value(interpreter, bundle, document)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
