"""Request context (client IP and path) for audit entries written during a request."""
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    client_ip: str = ""
    path: str = ""


EMPTY_CONTEXT = RequestContext()

_current: ContextVar[RequestContext] = ContextVar("aidface_audit_request", default=EMPTY_CONTEXT)


def current_context() -> RequestContext:
    """Return the context of the request being served, or empty values outside a request."""
    return _current.get()


def client_ip(request: HttpRequest) -> str:
    # NOTE: REMOTE_ADDR only. Behind a load balancer this is the balancer's address
    # until a trusted-proxy setting for X-Forwarded-For is added.
    return request.META.get("REMOTE_ADDR", "") or ""


class RequestContextMiddleware:
    """Store the client IP and request path in a contextvar for `aidface.audit.services.record`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(RequestContext(client_ip=client_ip(request), path=request.path[:255]))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
