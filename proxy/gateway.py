"""The request path, as plain ASGI:

identity → route → subject region → policy decision → forward → mask → respond → audit.

Fails closed at every step: no identity is 401, a policy failure is a deny, a body that
cannot be masked is blocked (502), never passed through raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from starlette.types import Receive, Scope, Send

from proxy import decoding, forms, jsonio, metrics
from proxy.answer import Answer, masked_answer
from proxy.audit.entry import RawValueError, decision_entry
from proxy.body import Body, BodyStream, read_body
from proxy.caller import Caller
from proxy.decisions.model import Decision
from proxy.errors import GatewayError
from proxy.fanout import RegionAnswer, merge
from proxy.forward import UpstreamPool, iter_body
from proxy.headers import caller_response_headers, upstream_request_headers
from proxy.identity import Authenticator, AuthError
from proxy.ids import new_id
from proxy.links import Links, gateway_base, textual
from proxy.logs import event
from proxy.method import effective_method
from proxy.path_template import PathTemplates
from proxy.pii.masker import MaskingDeferred, MaskingError
from proxy.pii.profiles import Profile
from proxy.residency import Identifier, body_identifiers, query_identifiers, record_country
from proxy.respond import Headers, send_error, send_whole
from proxy.routing import Route, Router
from proxy.runtime import Runtime
from proxy.settings import Settings
from proxy.write_document import write_document

log = logging.getLogger("proxy.gateway")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_UNROUTED = PathTemplates()  # paths outside every system: the built-in vocabulary only
# Also as servers read them: a backslash separates segments on IIS, and Tomcat drops a ";..."
# path parameter (``/..;/`` is ``/../`` there).
_DOT_SEGMENT = re.compile(r"(?:^|[/\\])\.\.?(?:[/\\;]|$)")
_FORMS = (forms.URLENCODED, forms.MULTIPART)
# Masked on the event loop up to this size (a 50-record page, ~20 KB, takes ~0.8 ms): a
# bigger body would hold the loop too long.
_QUICK_BYTES = 64 * 1024
_ACTIONS = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "write", "PUT": "write",
            "PATCH": "write", "DELETE": "delete"}


@dataclass(slots=True)
class Exchange:
    """What the gateway knows about one request as it goes down the path."""

    scope: Scope
    headers: dict[str, str]
    request_id: str
    method: str  # as the upstream will act on it (an override header can change it)
    started: float = field(default_factory=time.perf_counter)
    caller: Caller | None = None
    route: Route | None = None
    subject_region: str | None = None
    region: str | None = None
    decision: Decision | None = None
    subject_hash: str | None = None  # keyed hash of whom the request is about, for audit
    consent: bool = False  # the subject's separate consent to transfers, per the directory
    masked: dict[str, int] = field(default_factory=dict)
    status: int = 500
    _query: dict[str, str] | None = None
    _template: str | None = None

    @property
    def system(self) -> str:
        return self.route.system_name if self.route else "-"

    @property
    def query(self) -> dict[str, str]:
        if self._query is None:
            self._query = dict(parse_qsl(self.scope["query_string"].decode("latin-1")))
        return self._query

    @property
    def template(self) -> str:
        """The path after the system prefix with identifiers replaced (/contacts/{id})."""
        if self._template is None:
            self._template = self.route.template if self.route else _UNROUTED.template(
                self.scope["path"])
        return self._template

    @property
    def logged_path(self) -> str:
        """The whole path as logs may show it (/crm/contacts/{id})."""
        if self.route is None:
            return self.template
        return self.route.system.prefix + self.template.rstrip("/")

    @property
    def action(self) -> str:
        return _ACTIONS.get(self.method, "write")


class Gateway:
    def __init__(self, settings: Settings, authenticator: Authenticator, pool: UpstreamPool):
        self._settings = settings
        self._auth = authenticator
        self._pool = pool
        self._router = Router(settings)
        self._strip = frozenset(h.lower() for h in settings.strip_request_headers) | {
            authenticator.api_key_header.lower()}
        # A masking role gets whole bodies: ranges could cut a value where no detector sees
        # it and hand over the rest in the next one.
        self._strip_masking = self._strip | {"range", "if-range"}
        self.runtime: Runtime | None = None  # set by the app lifespan
        # Masking is CPU-bound under the GIL: one thread does it in turn, rather than many
        # threads thrashing the GIL against the event loop (scale out with workers).
        self._masking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="masking")

    def close(self) -> None:
        self._masking.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        exchange = Exchange(scope, headers, given if _REQUEST_ID.match(given) else new_id(),
                            scope["method"])
        try:
            await self._handle(exchange, receive, send)
        except GatewayError as error:
            exchange.status = error.status
            await send_error(send, error, self._own_headers(exchange))
        except _Aborted:
            pass  # the server closes the half-sent response
        except Exception as error:  # noqa: BLE001 - never a traceback (or data) to the caller
            event(log, "request_failed", logging.ERROR, request_id=exchange.request_id,
                  system=exchange.system, error=type(error).__name__)
            exchange.status = 500
            await send_error(send, GatewayError(500, "internal_error",
                                                "the gateway could not complete the request"),
                             self._own_headers(exchange))
        finally:
            self._record(exchange)

    async def _handle(self, exchange: Exchange, receive: Receive, send: Send) -> None:
        runtime = self.runtime
        if runtime is None:
            raise GatewayError(503, "not_ready", "the gateway is starting")
        exchange.caller = await self._identify(exchange.headers)
        exchange.route = self._route(exchange.scope["path"])
        declared = self._declared_region(exchange)
        scope = exchange.scope
        # Judged first by headers and query (a GET overridden to POST is a scanned write),
        # then by a form body's _method field.
        exchange.method = effective_method(scope["method"], scope["headers"],
                                           scope["query_string"])
        media = _media(exchange.headers)
        body, document = await self._request_body(exchange, receive, media)
        if media in _FORMS and document is not None:
            exchange.method = effective_method(scope["method"], scope["headers"],
                                               scope["query_string"], document)
        identifiers = await self._identifiers(runtime, exchange, document)
        exchange.subject_hash = _subject_hash(runtime, identifiers)
        home, source, consent = await self._home_region(runtime, exchange, identifiers,
                                                        document, declared)
        exchange.subject_region = home
        exchange.consent = consent
        target = declared if exchange.action != "read" else None
        decision = await self._decide(runtime, exchange, home, source, target)
        region = decision.route_region or declared or self._settings.default_region
        if decision.fanout_regions and exchange.action == "read":
            targets = [r for r in decision.fanout_regions
                       if exchange.route.upstream(r) is not None]
            if len(targets) != 1:
                await self._fan_out(runtime, exchange, targets, send)
                return
            region = targets[0]  # one candidate region: no merge needed, stream as usual
            decision = await self._decide(runtime, exchange, region, "fan_out", None)
        exchange.region = region
        self._check_upstream(exchange, region)
        response = await self._forward(exchange, region, body, decision.profile)
        try:
            await self._respond(runtime, exchange, response, decision,
                                self._links(exchange, region), send)
        finally:
            response.release()
        if exchange.action == "write" and 200 <= exchange.status < 300 and identifiers:
            await runtime.residency.record(identifiers, region, source="write")

    async def _request_body(self, exchange: Exchange, receive: Receive,
                            media: str) -> tuple[Body, Any]:
        """The body, and for a write what it carries as a document (scanned for whose data
        it is; ``write_document``)."""
        limit = self._settings.limits.max_request_body_bytes
        if exchange.action != "write":
            return await read_body(exchange.headers, receive, limit), None
        body = await read_body(exchange.headers, receive, limit, whole=True)
        if not body:
            return body, None
        assert isinstance(body, bytes)
        # Scanned as the upstream will read it: decoded (it is forwarded as it came).
        encoding = exchange.headers.get("content-encoding", "").strip().lower()
        if not decoding.supported(encoding):
            raise GatewayError(415, "unsupported_media_type",
                               f"content-encoding {encoding} cannot be inspected")
        try:
            plain = decoding.decoded(body, encoding, limit)
        except ValueError as error:
            raise GatewayError(400, "bad_request", f"request body: {error}") from None
        try:
            return body, write_document(media, exchange.headers.get("content-type", ""), plain)
        except ValueError:  # UnicodeDecodeError too
            raise GatewayError(400, "bad_request",
                               f"request body is not valid {media}") from None

    async def _identifiers(self, runtime: Runtime, exchange: Exchange,
                           document: Any) -> list[Identifier]:
        found = query_identifiers(exchange.query, self._settings.residency.query_keys)
        if document is not None:
            try:
                found += await asyncio.to_thread(body_identifiers, runtime.masker, document,
                                                 exchange.system)
            except Exception:  # noqa: BLE001 - a detector failure must not let a write pass
                raise GatewayError(503, "scan_failed",
                                   "the request body could not be checked for personal data"
                                   ) from None
        return found

    async def _home_region(self, runtime: Runtime, exchange: Exchange,
                           identifiers: list[Identifier], document: Any,
                           declared: str | None) -> tuple[str | None, str | None, bool]:
        """The subject's home region, where it came from, and the subject's transfer consent
        (from the directory). A write is judged by whose data it carries (directory, then
        the record's country); a read by its routing key, else the directory."""
        home = await runtime.residency.home(identifiers)
        consent = home.transfer_consent if home else False
        if exchange.action == "read" and declared:
            return declared, "routing_key", consent
        if home:
            return home.region, "directory", consent
        residency = self._settings.residency
        country = record_country(document, residency.country_fields)
        if country and country in residency.country_regions:
            return residency.country_regions[country], "record", consent
        return (declared, "routing_key", consent) if declared else (None, None, consent)

    async def _identify(self, headers: dict[str, str]) -> Caller:
        try:
            return await self._auth.authenticate(headers)
        except AuthError as error:
            challenge = f'Bearer realm="privacy-gateway", error="invalid_token", ' \
                        f'error_description="{error}"'
            raise GatewayError(401, "unauthorized", str(error),
                               {"www-authenticate": challenge}) from None

    def _route(self, path: str) -> Route:
        # The upstream would resolve them (``/crm/%2e%2e/internal``): out of the system's base
        # path, or onto a path other than the one routed and decided here.
        if _DOT_SEGMENT.search(path):
            raise GatewayError(400, "bad_request", "path: dot segments (. or ..) are not allowed")
        route = self._router.match(path)
        if route is None:
            raise GatewayError(404, "not_found", "no system is configured for this path")
        return route

    def _declared_region(self, exchange: Exchange) -> str | None:
        assert exchange.route is not None
        region = self._router.declared_region(exchange.route, exchange.headers, exchange.query)
        if region is not None:
            self._check_upstream(exchange, region)
        return region

    def _check_upstream(self, exchange: Exchange, region: str) -> None:
        assert exchange.route is not None
        if exchange.route.upstream(region) is None:
            raise GatewayError(400, "unknown_region",
                               f"system {exchange.route.system_name!r} has no upstream for "
                               f"region {region!r}")

    async def _decide(self, runtime: Runtime, exchange: Exchange, subject_region: str | None,
                      source: str | None, target: str | None) -> Decision:
        assert exchange.caller is not None and exchange.route is not None
        decision = await runtime.decisions.decide({
            "caller": exchange.caller.as_input(),
            "request": {"method": exchange.method, "system": exchange.system,
                        "path": exchange.template, "action": exchange.action},
            "subject": {"region": subject_region, "source": source},
            "upstream": {"region": target},
            "transfer": {"consent": exchange.consent},
        })
        exchange.decision = exchange.decision or decision
        if not decision.allow:
            raise GatewayError(403, "forbidden", "; ".join(decision.reasons) or "denied by policy")
        return decision

    async def _forward(self, exchange: Exchange, region: str, body: Body,
                       profile: Profile) -> aiohttp.ClientResponse:
        route, scope = exchange.route, exchange.scope
        assert route is not None
        upstream = route.system.upstreams[region]
        client = scope.get("client")
        strip = self._strip if profile.keeps_everything else self._strip_masking
        headers = upstream_request_headers(
            scope["headers"], strip=strip, auth=upstream.auth or route.system.auth,
            client_ip=client[0] if client else None, scheme=scope.get("scheme", "http"),
            request_id=exchange.request_id)
        started = time.perf_counter()
        try:
            response = await self._pool.send(
                route.system_name, region, upstream, method=scope["method"],
                path=_raw_rest(scope, route), query=scope["query_string"].decode("latin-1"),
                headers=headers, body=body)
        except GatewayError:
            if isinstance(body, BodyStream) and body.error is not None:
                raise body.error from None
            raise
        metrics.upstream_latency(route.system_name, region).observe(
            time.perf_counter() - started)
        return response

    def _links(self, exchange: Exchange, region: str) -> Links:
        assert exchange.route is not None
        system, public = exchange.route.system, self._settings.public_url
        return Links(system.upstreams[region].url, public + system.prefix if public else
                     gateway_base(exchange.scope, system.prefix))

    async def _respond(self, runtime: Runtime, exchange: Exchange,
                       response: aiohttp.ClientResponse, decision: Decision, links: Links,
                       send: Send) -> None:
        profile = decision.profile
        if profile.keeps_everything:
            await self._pass_through(exchange, response, links, send)
            return
        answer = await self._masked(runtime, exchange, response, profile, links)
        exchange.status = answer.status
        await send_whole(send, answer.status, [*answer.headers, *self._own_headers(exchange)],
                         answer.body)

    async def _masked(self, runtime: Runtime, exchange: Exchange,
                      response: aiohttp.ClientResponse, profile: Profile,
                      links: Links) -> Answer:
        if response.status == 206:
            raise GatewayError(502, "response_blocked",
                               "a partial response (206) cannot be inspected for personal data")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        raw = await decoding.read_decoded(iter_body(response), encoding,
                                          self._settings.limits.max_decoded_body_bytes)
        args = (runtime.masker, response.status,
                caller_response_headers(response.headers.items()), raw, profile, links,
                exchange.system)
        try:
            answer, counts = await self._masked_answer(args, quick=len(raw) <= _QUICK_BYTES)
        except MaskingError as error:
            raise GatewayError(502, "response_blocked", str(error)) from None
        for entity, count in counts.items():
            exchange.masked[entity] = exchange.masked.get(entity, 0) + count
        return answer

    async def _masked_answer(self, args: tuple[Any, ...],
                             quick: bool) -> tuple[Answer, dict[str, int]]:
        """On the event loop when that is quick (a small body with nothing for NER or the
        key store): the hop to the masking thread, and the two threads contending for the
        GIL, cost more than masking it. Else on the masking thread."""
        if quick:
            with contextlib.suppress(MaskingDeferred):
                return masked_answer(*args, quick=True)
        return await asyncio.get_running_loop().run_in_executor(self._masking, masked_answer,
                                                                *args)

    async def _pass_through(self, exchange: Exchange, response: aiohttp.ClientResponse,
                            links: Links, send: Send) -> None:
        headers = [*links.headers(caller_response_headers(response.headers.items())),
                   *self._own_headers(exchange)]
        encoding = response.headers.get("content-encoding", "").strip().lower()
        length = response.content_length
        exchange.status = response.status
        if encoding not in ("", "identity") or (length is not None and length <= 1 << 20):
            body = await decoding.read_decoded(iter_body(response), encoding,
                                               self._settings.limits.max_decoded_body_bytes)
            if textual(response.headers.get("content-type")):
                body = links.rewrite(body)
            await send_whole(send, response.status, headers, body)
            return
        await send({"type": "http.response.start", "status": response.status,
                    "headers": headers})
        try:
            async for chunk in iter_body(response):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except GatewayError as error:
            # Headers are gone already: all we can do is cut the response short.
            event(log, "upstream_body_failed", logging.WARNING, request_id=exchange.request_id,
                  system=exchange.system, error=error.error)
            raise _Aborted() from None
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _fan_out(self, runtime: Runtime, exchange: Exchange, targets: list[str],
                       send: Send) -> None:
        """A read whose subject region is unknown: ask every region the policy allows, each
        answer masked by that region's own decision, and merge."""
        if not targets:
            raise GatewayError(403, "forbidden", "no configured region may serve this read")
        answers = await asyncio.gather(*(self._ask_region(runtime, exchange, r)
                                         for r in targets))
        failed = [a.region for a in answers if a.status in (502, 504)]
        status, document, used = merge(list(answers))
        if not used and all(a.status == 403 for a in answers):
            raise GatewayError(403, "forbidden", "no region may serve this read")
        if not used and len(failed) == len(answers):
            raise GatewayError(502, "bad_gateway", "no region's upstream could be reached")
        exchange.status = status
        exchange.region = ",".join(used) or None
        body = jsonio.dumps(document)
        headers = [(b"content-type", b"application/json"),
                   (b"x-gateway-regions", ",".join(used).encode()),
                   (b"x-gateway-regions-failed", ",".join(failed).encode()),
                   *self._own_headers(exchange)]
        await send_whole(send, status, headers, body)

    async def _ask_region(self, runtime: Runtime, exchange: Exchange,
                          region: str) -> RegionAnswer:
        try:
            decision = await self._decide(runtime, exchange, region, "fan_out", None)
        except GatewayError:
            return RegionAnswer(region, 403, None)  # this region may not be read: skip it
        try:
            response = await self._forward(exchange, region, None, decision.profile)
        except GatewayError as error:  # an unreachable region is reported, not fatal
            return RegionAnswer(region, error.status, None)
        try:
            answer = await self._masked(runtime, exchange, response, decision.profile,
                                        self._links(exchange, region))
        finally:
            response.release()
        try:
            document = jsonio.loads(answer.body) if answer.body else None
        except ValueError:
            raise GatewayError(502, "response_blocked",
                               "a region answered a fanned-out read with non-JSON") from None
        return RegionAnswer(region, answer.status, document)

    def _own_headers(self, exchange: Exchange) -> Headers:
        headers = [(b"x-request-id", exchange.request_id.encode())]
        if exchange.decision is not None:
            headers.append((b"x-decision-id", exchange.decision.id.encode()))
        return headers

    def _record(self, exchange: Exchange) -> None:
        metrics.requests(exchange.system, exchange.status).inc()
        if log.isEnabledFor(logging.INFO):
            event(log, "request", request_id=exchange.request_id, system=exchange.system,
                  region=exchange.region, method=exchange.method,
                  path=exchange.logged_path, status=exchange.status,
                  role=exchange.caller.role if exchange.caller else None,
                  decision_id=exchange.decision.id if exchange.decision else None,
                  duration_ms=round((time.perf_counter() - exchange.started) * 1000, 2))
        self._audit(exchange)

    def _audit(self, exchange: Exchange) -> None:
        decision, runtime = exchange.decision, self.runtime
        if decision is None or exchange.caller is None or runtime is None:
            return  # nothing was decided: unauthenticated or unroutable requests
        assert exchange.route is not None
        outcome = "allow" if decision.allow and exchange.status < 500 else (
            "deny" if not decision.allow else "error")
        fields: dict[str, Any] = decision_entry(
            decision.id, exchange.caller, exchange.system, exchange.method,
            exchange.template, exchange.subject_region, exchange.region,
            decision.policy_revision, outcome, exchange.masked, exchange.subject_hash)
        fields["status"] = exchange.status
        try:
            runtime.audit.append("decision", fields)
        except (RawValueError, RuntimeError) as error:
            event(log, "audit_append_failed", logging.ERROR, request_id=exchange.request_id,
                  error=type(error).__name__)


class _Aborted(Exception):
    """The response was cut short after its headers were sent."""


def _subject_hash(runtime: Runtime, identifiers: list[Identifier]) -> str | None:
    """The audit hash of the request's subject (email first, as DSAR cases key on it), so a
    case's evidence pack finds the decisions about that person."""
    for kind in ("email", "phone", "national_id", "subject_id"):
        for identifier in identifiers:
            if identifier.kind == kind:
                return runtime.audit.hash_identifier(identifier.normalized())
    return None


def _media(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _raw_rest(scope: Scope, route: Route) -> str:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    prefix = route.system.prefix.encode()
    rest = raw[len(prefix):] if raw.startswith(prefix) else route.path.encode()
    return rest.decode("latin-1") or "/"
