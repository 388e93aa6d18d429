"""The OpenAPI 3.1 document of the `/dsar/v1` API, with request bodies from the API's
pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# (method, path under the prefix, body name or None, summary)
OPERATIONS: list[tuple[str, str, str | None, str]] = [
    ("post", "/requests", "create", "Create a request (access, export or erasure)"),
    ("get", "/requests", None, "List requests (filters: state, type, due_soon, overdue, "
                               "limit, offset)"),
    ("get", "/requests/{case_id}", None, "Show a request with its tasks and timeline"),
    ("post", "/requests/{case_id}/send-code", "send-code",
     "Send a one-time code to the subject's e-mail or phone"),
    ("post", "/requests/{case_id}/verify", "verify",
     "Verify the subject: the code they received, or a DPO attestation with its reason"),
    ("post", "/requests/{case_id}/approve", None, "Approve: the tasks start"),
    ("post", "/requests/{case_id}/deny", "deny", "Deny, with the reason"),
    ("post", "/requests/{case_id}/extend", "extend", "Extend the deadline, with the reason"),
    ("post", "/requests/{case_id}/cancel", "cancel", "Cancel before execution"),
    ("post", "/requests/{case_id}/revoke", "revoke", "Record that the subject withdrew"),
    ("post", "/requests/{case_id}/retry", None, "Retry the failed tasks of a failed request"),
    ("post", "/requests/{case_id}/download-link", None,
     "An expiring signed link to the access report / export"),
    ("get", "/requests/{case_id}/download", None,
     "Download the report: no credentials, the signed link (query: expires, signature "
     "from download-link) is the proof"),
]
PUBLIC = {("get", "/requests/{case_id}/download")}
_ERRORS = {"403": "not allowed by the policy, or an invalid link",
           "404": "no such request", "409": "the request's state does not allow this step",
           "422": "invalid input, or a rule (deadline, code) refuses it"}


def openapi_document(prefix: str, bodies: dict[str, type[BaseModel]]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for method, path, body, summary in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": summary,
            "security": [] if (method, path) in PUBLIC else [{"bearer": []}],
            "responses": {"200": {"description": "the request (JSON)"},
                          **{code: {"description": text} for code, text in _ERRORS.items()}}}
        if "{case_id}" in path:
            operation["parameters"] = [{"name": "case_id", "in": "path", "required": True,
                                        "schema": {"type": "string"}}]
        if body is not None:
            model = bodies[body]
            schemas[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}")
            schemas.update(schemas[model.__name__].pop("$defs", {}))
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}
        paths.setdefault(prefix + path, {})[method] = operation
    return {"openapi": "3.1.0",
            "info": {"title": "Privacy gateway: data-subject requests", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}}}}
