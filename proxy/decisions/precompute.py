"""Tables a policy set computes once per load instead of once per request: every rule of
``package precompute`` is evaluated without input and its value stored at
``data.precomputed.<rule>`` (policies/precompute.rego explains the contract)."""

from __future__ import annotations

from typing import Any

from regopy import Interpreter, RegoError

from proxy.decisions.policy_set import PolicyError, PolicySet

PACKAGE = "precompute"
DATA_KEY = "precomputed"
_CACHE_SIZE = 8
_cache: dict[str, dict[str, Any]] = {}


def policy_data(policy_set: PolicySet) -> dict[str, Any]:
    """The set's data with its precomputed tables (cached per revision)."""
    data = _cache.get(policy_set.revision)
    if data is None:
        data = _compute(policy_set)
        _store(policy_set.revision, data)
    return data


def tables(policy_set: PolicySet) -> dict[str, Any] | None:
    """The set's precomputed tables alone (None when it has no ``package precompute``)."""
    return policy_data(policy_set).get(DATA_KEY)


def adopt(policy_set: PolicySet, computed: dict[str, Any] | None) -> None:
    """Take the tables computed elsewhere (the candidate check's child) for this set: rego-cpp
    keeps the memory of an evaluation (~30 MB for the shipped tables) after it ends."""
    if computed is not None:
        _store(policy_set.revision, {**policy_set.data, DATA_KEY: computed})


def _store(revision: str, data: dict[str, Any]) -> None:
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[revision] = data


def _compute(policy_set: PolicySet) -> dict[str, Any]:
    if PACKAGE not in policy_set.packages(tests=False).values():
        return policy_set.data
    interpreter = Interpreter()
    interpreter.strict_built_in_errors = True
    try:
        for name, source in policy_set.modules.items():
            interpreter.add_module(name, source)
        interpreter.add_data(policy_set.data)
        output = interpreter.query(f"data.{PACKAGE}")
    except RegoError as exc:
        raise PolicyError(f"does not compile:\n{exc}") from None
    if not output.ok():  # never str() an error output: regopy 1.5 crashes on it
        raise PolicyError(f"package {PACKAGE} fails to evaluate")
    values = output.results[0].expressions if output.results else []
    if not values or not isinstance(values[0], dict):
        raise PolicyError(f"package {PACKAGE} is undefined")
    return {**policy_set.data, DATA_KEY: values[0]}
