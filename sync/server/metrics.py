"""Prometheus metrics (a registry per app, no global state) and the ASGI middleware that counts.

/metrics is not on the public port: ``metrics_app`` serves it alone on ``--metrics-port`` (loopback).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

router = APIRouter(tags=["operations"])


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "envelope_http_requests", "HTTP requests served", ["method", "status"], registry=self.registry
        )
        self.bytes_in = Counter("envelope_http_bytes_in", "Request body bytes received", registry=self.registry)
        self.bytes_out = Counter("envelope_http_bytes_out", "Response body bytes sent", registry=self.registry)
        self.uploads_in_progress = Gauge(
            "envelope_uploads_in_progress", "tus PATCH requests being received", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts requests by method and status, and body bytes in both directions, without buffering."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [0]

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.metrics.bytes_in.inc(len(message.get("body", b"")))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                self.metrics.bytes_out.inc(len(message.get("body", b"")))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            self.metrics.requests.labels(scope["method"], str(status[0] or 500)).inc()


metrics_router = APIRouter()


@metrics_router.get("/metrics")
def metrics_endpoint(request: Request) -> Response:
    ctx = request.app.state.ctx
    ctx.metrics.uploads_in_progress.set(ctx.meta.uploads.receiving(now=ctx.config.clock()))
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def metrics_app(public: FastAPI) -> FastAPI:
    """The app of ``--metrics-port``: /metrics of ``public`` and nothing else (no spec, no docs)."""
    from sync.server.errors import install_handlers

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ctx = public.state.ctx
    install_handlers(app)
    app.include_router(metrics_router)
    return app


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    request.app.state.ctx.meta.ping()
    return {"status": "ok"}
