"""The embedded engine: regopy (rego-cpp) compiles the policy set once into a bundle;
worker threads, each with its own interpreter, query it off the event loop."""

from __future__ import annotations

import asyncio
import ctypes
import json
import math
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from regopy import Bundle, Input, Interpreter, RegoError
from regopy import rego_shared as _shared

from proxy.decisions.engine import EngineError
from proxy.decisions.policy_set import PolicyError, PolicySet
from proxy.decisions.precompute import policy_data

_RESULT = "result"
_RULE_PATH = re.compile(r"data(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


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


def entrypoint_of(query: str | None) -> str | None:
    """The bundle entrypoint of a rule query: `gateway/decision` for
    `data.gateway.decision`; None for a query that is not a plain rule path."""
    if query and _RULE_PATH.fullmatch(query):
        return query.removeprefix("data.").replace(".", "/")
    return None


def compile_bundle(policy_set: PolicySet, query: str | None,
                   entrypoints: Sequence[str] = (), *, tests: bool = False) -> Bundle:
    """A bundle answering ``query`` (bound to a variable, so a `false` value is a value, not
    a failed query) and/or the given entrypoints (``package/path/rule``). A query that is a
    rule path is an entrypoint too: asked that way it costs ~15% less (no binding)."""
    interpreter = load_interpreter(policy_set, tests=tests)
    entry = entrypoint_of(query)
    if entry and entry not in entrypoints:
        entrypoints = [*entrypoints, entry]
    try:
        bundle = interpreter.build(f"{_RESULT} := {query}" if query else None, entrypoints)
    except RegoError as exc:
        raise PolicyError(f"does not compile:\n{exc}") from None
    if not bundle.ok():
        raise PolicyError("does not compile")
    return bundle


class _NotPlain(Exception):
    """A value the direct input builder does not take as it is (see ``to_input``)."""


_INT64 = (-(2**63), 2**63 - 1)


class _InputBuilder:
    """Builds a regopy Input straight from a Python value through rego-cpp's C input API,
    as regopy's ``Input(value)`` does but ~3x faster: one call per value, no per-value
    buffers. The library is opened a second time as a PyDLL, so these tiny calls keep the
    GIL (regopy's CDLL releases and re-takes it on every call, ~60 times per input, which
    stalls the event loop whenever another thread holds the GIL). The frequent calls go
    without ctypes argument conversion (a third faster): they take the handle as a c_void_p,
    bytes, a bool or a size, which ctypes passes as they are; int64 and double are declared."""

    def __init__(self, library_path: str) -> None:
        lib = ctypes.PyDLL(library_path)

        def fn(name: str, *args: Any) -> Callable[..., int]:
            function = getattr(lib, name)
            if args:
                function.argtypes = [ctypes.c_void_p, *args]
            function.restype = ctypes.c_uint32
            return function  # type: ignore[no-any-return]

        self._new = lib.regoNewInput
        self._new.argtypes, self._new.restype = [], ctypes.c_void_p
        self._free = lib.regoFreeInput
        self._free.argtypes, self._free.restype = [ctypes.c_void_p], None
        self._string = fn("regoInputString")  # (handle, const char*)
        self._int = fn("regoInputInt", ctypes.c_int64)
        self._float = fn("regoInputFloat", ctypes.c_double)
        self._bool = fn("regoInputBoolean")  # (handle, bool)
        self._null = fn("regoInputNull")  # (handle)
        self._item = fn("regoInputObjectItem")  # (handle)
        self._object = fn("regoInputObject")  # (handle, uint32 size)
        self._array = fn("regoInputArray")  # (handle, uint32 size)

    def build(self, value: Any) -> Input:
        address = self._new()
        if not address:
            raise MemoryError("regoNewInput")
        try:
            status = self._push(ctypes.c_void_p(address), value)
        except BaseException:
            self._free(address)
            raise
        if status:
            self._free(address)
            raise EngineError("input is not JSON")
        document = Input.__new__(Input)  # regopy's own type, so set_input takes it
        document._impl = address  # freed by Input.__del__
        return document

    def _push(self, handle: ctypes.c_void_p, value: Any) -> int:
        """Push ``value``; the OR of the status codes (0: all went well)."""
        kind = type(value)
        if kind is str:
            return self._string(handle, _c_string(value))
        if kind is dict:
            status = 0
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotPlain
                status |= (self._string(handle, _c_string(key)) | self._push(handle, item)
                           | self._item(handle))
            return status | self._object(handle, len(value))
        if kind is bool:
            return self._bool(handle, value)
        if value is None:
            return self._null(handle)
        if kind is int:
            if not _INT64[0] <= value <= _INT64[1]:
                raise EngineError("input is not representable")  # ctypes would wrap it
            return self._int(handle, value)
        if kind is list or kind is tuple:
            status = 0
            for item in value:
                status |= self._push(handle, item)
            return status | self._array(handle, len(value))
        if kind is float:
            if not math.isfinite(value):
                raise _NotPlain  # JSON refuses it; the normalising path reports it
            return self._float(handle, value)
        raise _NotPlain


def _c_string(value: str) -> bytes:
    encoded = value.encode("utf-8")  # lone surrogates: UnicodeEncodeError, a ValueError
    if b"\0" in encoded:
        # C strings end at NUL: regopy would silently see "cn" for "cn\0x".
        raise EngineError("input is not representable")
    return encoded


def _normalised_input(document: Any) -> Input:
    return Input(json.loads(json.dumps(document, allow_nan=False)))


_OUTPUT_API = ("rego_bundle_query", "rego_bundle_query_entrypoint", "rego_output_ok",
               "rego_output_string", "rego_free_output")


def _direct_api() -> tuple[Callable[[Any], Input], bool]:
    """The direct input builder and output reader, when this regopy has the internals they
    use (1.5.x does); otherwise regopy's public API (slower, same values)."""
    try:
        build = _InputBuilder(_shared.path).build
    except (AttributeError, OSError):
        return _normalised_input, False
    return build, all(hasattr(_shared, name) for name in _OUTPUT_API)


_build_input, _DIRECT_OUTPUT = _direct_api()


def to_input(document: Any) -> Input:
    """The document as a regopy Input, as both engines see it: what JSON keeps of it (keys
    become strings, tuples arrays; NaN, Infinity and non-JSON types are refused). Documents
    of plain JSON types (the gateway's) are built directly, others go through a JSON round
    trip first; strings with NUL and integers beyond 64 bits, which rego-cpp cannot hold
    as they are, are refused rather than truncated."""
    try:
        try:
            return _build_input(document)
        except _NotPlain:
            return _build_input(json.loads(json.dumps(document, allow_nan=False)))
    except (TypeError, ValueError, RecursionError, _NotPlain):
        raise EngineError("input is not JSON") from None


def _output_json(interpreter: Interpreter, bundle: Bundle, entrypoint: str | None) -> str:
    """Run the query; its output as JSON text. (regopy's Output would fetch the text twice
    and wrap each result; this reads it once.)"""
    if not _DIRECT_OUTPUT:
        output = (interpreter.query_bundle_entrypoint(bundle, entrypoint) if entrypoint
                  else interpreter.query_bundle(bundle))
        if not output.ok():
            raise EngineError("evaluation error")
        return json.dumps([{"expressions": r.expressions, "bindings": r.bindings}
                           for r in output.results]) if output.results else "undefined"
    handle = (_shared.rego_bundle_query_entrypoint(interpreter._impl, bundle._impl, entrypoint)
              if entrypoint else _shared.rego_bundle_query(interpreter._impl, bundle._impl))
    try:
        if not _shared.rego_output_ok(handle):  # never print an error output: it may crash
            raise EngineError("evaluation error")
        return _shared.rego_output_string(handle)
    finally:
        _shared.rego_free_output(handle)


def query_value(interpreter: Interpreter, bundle: Bundle, document: Input,
                entrypoint: str | None = None) -> Any:
    """Evaluate one query of a bundle: its value, or None when undefined."""
    try:
        interpreter.set_input(document)
        text = _output_json(interpreter, bundle, entrypoint)
    except RegoError:
        raise EngineError("evaluation error") from None
    if text == "undefined":
        return None
    try:
        output = json.loads(text)
    except ValueError:
        raise EngineError("unreadable result") from None
    first = output[0] if isinstance(output, list) else output
    if not isinstance(first, dict):
        return None
    if entrypoint:
        expressions = first.get("expressions") or []
        return expressions[0] if expressions else None
    return (first.get("bindings") or {}).get(_RESULT)


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, query: str, workers: int = 2) -> None:
        self._query = query
        self._entrypoint = entrypoint_of(query)
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
        if self._entrypoint is not None:
            value = query_value(interpreter, bundle, document, self._entrypoint)
            if value is not None:
                return value
            # Undefined: ask the bound query too (regopy 1.5 leaves some rules, `default`
            # ones, undefined when asked as an entrypoint); both undefined is undefined.
        return query_value(interpreter, bundle, document)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
