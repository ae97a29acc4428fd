"""The app factory: wires config, database, blob store, feed and routes into one FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from sync.server import accounts, consent, conversations, feed, filing, media, metrics, uploads
from sync.server.at_rest import open_at_rest
from sync.server.config import ServerConfig, ServerContext
from sync.server.crypto.sealing import Sealer
from sync.server.errors import install_handlers
from sync.server.limits import BodyLimitMiddleware
from sync.server.message_writer import MessageWriter
from sync.server.metadata import Metadata
from sync.server.openapi import install as install_openapi
from sync.server.rate_limit import WriteRateMiddleware
from sync.server.storage.s3 import open_s3
from sync.server.wakeups import for_database

log = logging.getLogger(__name__)


def create_app(config: ServerConfig) -> FastAPI:
    at_rest = open_at_rest(config)  # raises ConfigError: the wrong master key, say
    keys = at_rest.keys
    ctx = ServerContext(
        config=config,
        meta=Metadata(config.database, sealer=Sealer(keys.metadata_key())),
        storage=open_s3(config.storage_url, config.s3_endpoint) if config.storage_url else at_rest.storage,
        notifier=for_database(config.database),
        metrics=metrics.Metrics(),
        receiving=filing.Receiving(),
        writer=MessageWriter.for_database(config.database),
        link_key=config.link_secret(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.notifier.bind(asyncio.get_running_loop())
        filed = await run_in_threadpool(filing.file_all_complete, ctx)
        if filed:
            log.info("filed %d uploads that were complete when the server stopped", filed)
        sweeper = asyncio.create_task(_sweep_forever(ctx))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            ctx.writer.close()
            ctx.meta.close()  # PostgreSQL: the pool's connections

    app = FastAPI(
        title="Envelope sync API",
        version="1",
        description="Accounts, conversations, messages, the sync feed, tus uploads and media downloads.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's Swagger UI and ReDoc load their scripts from a CDN: the spec alone is served
        redoc_url=None,
    )
    app.state.ctx = ctx
    install_handlers(app)
    for module in (accounts, conversations, consent, feed, uploads, media, metrics):
        app.include_router(module.router)
    install_openapi(app)
    app.add_middleware(WriteRateMiddleware)  # per-user write rate (throttle.py); inside the metrics
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(metrics.MetricsMiddleware, metrics=ctx.metrics)
    return app


async def _sweep_forever(ctx: ServerContext) -> None:
    while True:
        try:
            removed = await run_in_threadpool(uploads.sweep_expired, ctx)
            if removed:
                log.info("removed %d expired uploads", removed)
        except Exception:
            log.exception("sweeping expired uploads failed")
        await asyncio.sleep(ctx.config.sweep_interval_s)
