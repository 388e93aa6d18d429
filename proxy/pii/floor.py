"""The masking floor: the least any masker that parses a JSON body in Python must do.

It parses the body as the gateway does, copies every object and list and looks each value's
field up once in a dict, then writes the copy out; it detects and masks nothing. Whatever
masks more cannot be faster, so a proxy doing only this bounds how much throughput masking
can keep (``privacy-gateway bench``, through ``proxy.demo.bare_proxy``).
"""

from __future__ import annotations

from typing import Any

from proxy import jsonio

_FIELDS: dict[str, int] = {}  # no field is masked, but each value's lookup is paid


def floor_body(body: bytes) -> bytes:
    """``body`` parsed, looked at and written again: the same document."""
    return jsonio.dumps(_looked_at(jsonio.loads(body)))


def _looked_at(node: Any) -> Any:
    """A copy of ``node``, each value's field looked up in ``_FIELDS`` as a masker would."""
    if type(node) is dict:
        copy = dict(node)
        for name, value in node.items():
            if type(value) is dict or type(value) is list:
                copy[name] = _looked_at(value)
            else:
                _FIELDS.get(name)
        return copy
    if type(node) is list:
        return [_looked_at(item) for item in node]
    return node
