"""Which system a request is for, and which regional upstream it goes to."""

from __future__ import annotations

from dataclasses import dataclass

from proxy.path_template import PathTemplates
from proxy.settings import Settings, System, Upstream


@dataclass(frozen=True, slots=True)
class Route:
    system_name: str
    system: System
    path: str  # the part after the system prefix, always starting with "/"
    templates: PathTemplates

    @property
    def template(self) -> str:
        """The path with identifiers replaced (/contacts/{id}): safe to log and to audit."""
        return self.templates.template(self.path)

    def upstream(self, region: str) -> Upstream | None:
        return self.system.upstreams.get(region)


class Router:
    def __init__(self, settings: Settings) -> None:
        # Longest prefix first, so /crm-archive is not taken for /crm.
        self._systems = sorted(settings.systems.items(), key=lambda item: -len(item[1].prefix))
        self._default_region = settings.default_region
        self._templates = {name: PathTemplates(system.routes, system.upstreams)
                           for name, system in self._systems}

    def match(self, path: str) -> Route | None:
        for name, system in self._systems:
            prefix = system.prefix
            if path == prefix or path.startswith(prefix + "/"):
                return Route(name, system, path[len(prefix):] or "/", self._templates[name])
        return None

    def declared_region(self, route: Route, headers: dict[str, str] | None,
                        query: dict[str, str]) -> str | None:
        """The subject's region as the request names it through the system's routing key."""
        key = route.system.routing_key
        if key.header and headers is not None:
            value = headers.get(key.header.lower())
            if value:
                return value.strip().lower()
        if key.query and query.get(key.query):
            return query[key.query].strip().lower()
        if key.path_segment is not None:
            segments = [s for s in route.path.split("/") if s]
            if key.path_segment < len(segments):
                return segments[key.path_segment].lower()
        return None

    def region_for(self, route: Route, declared: str | None) -> str:
        return declared if declared else self._default_region
