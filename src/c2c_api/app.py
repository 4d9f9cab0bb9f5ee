"""The Starlette application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from c2c_api import observability
from c2c_api.auth.routes import auth_routes
from c2c_api.broker import broker_from_settings
from c2c_api.config import Settings, get_settings
from c2c_api.db import Database
from c2c_api.events.wakeup import RemoteWake
from c2c_api.graphql.http import GraphQLEndpoint
from c2c_api.graphql.ide import STATIC_PREFIX, static_files
from c2c_api.graphql.schema import build_schema
from c2c_api.graphql.ws import GraphQLWebSocket
from c2c_api.kit.ratelimit import buckets_for
from c2c_api.notifications.presence import presence_from_settings
from c2c_api.notifications.rest import notification_routes
from c2c_api.orders.payments import provider_for
from c2c_api.orders.rest import deal_routes
from c2c_api.payments.rest import payment_routes
from c2c_api.photos.rest import UPLOAD_PATH, photo_routes, upload_body_limit
from c2c_api.photos.storage import storage_from_settings
from c2c_api.registry import import_catalogues
from c2c_api.rest.body_limit import BodyLimitMiddleware, LargerLimit
from c2c_api.rest.problems import UnexpectedErrorMiddleware, exception_handlers

NO_STORE = {"cache-control": "no-store"}


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


# /readyz answers within a second whatever the request pool's state (docs/operations.md).
READY_TIMEOUT = 0.8


async def readyz(request: Request) -> Response:
    """Readiness: the database answers, on a connection outside the request pool."""
    db: Database = request.app.state.db
    pool = db.pool_status()
    try:
        await db.probe(within=READY_TIMEOUT)
    except TimeoutError:
        state = "timeout"
    except Exception:
        state = "unreachable"
    else:
        return JSONResponse({"status": "ok", "database": "ok", "pool": pool}, headers=NO_STORE)
    return JSONResponse(
        {"status": "unavailable", "database": state, "pool": pool},
        status_code=503,
        headers=NO_STORE,
    )


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    """Build the app; `db` may be injected (tests), else one is created for `settings`."""
    settings = settings or get_settings()
    import_catalogues()  # every domain's French, whatever the schema happens to import
    database = db or Database(settings)
    schema = build_schema(settings)
    graphql = GraphQLEndpoint(schema, database)

    # Subscriptions listen on the broker; the outbox relay publishes to it after commit.
    broker = broker_from_settings(settings)
    # Events (mail, saved-search matching, expiry timers, the relay) are delivered after commit
    # by an outbox worker: in this process in the embedded default, else by `c2c-api worker`.
    from c2c_api.worker import build_worker

    # Who holds a subscription connection (no e-mail about a new message then): shared with
    # the in-process worker, or through Redis with separate workers (docs/notifications.md).
    presence = presence_from_settings(settings)
    worker = build_worker(settings, database, broker=broker, presence=presence)
    graphql_ws = GraphQLWebSocket(schema, database, broker, settings, presence=presence)
    remote_wake = RemoteWake(broker)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.runs_worker_in_process:
            worker.start()
        elif settings.redis_url:  # the workers run elsewhere: wake them at each commit
            remote_wake.start()
        try:
            yield
        finally:
            await remote_wake.stop()
            await worker.stop()
            await broker.close()
            await presence.close()
            if db is None:
                await database.dispose()

    routes: list[BaseRoute] = [
        # Every method reaches the endpoint, which answers 405 with the spec's Allow header.
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        # Subscriptions: graphql-transport-ws on the same path (graphql/ws.py).
        WebSocketRoute("/graphql", graphql_ws),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Mount(STATIC_PREFIX, app=static_files(), name="static"),
        *photo_routes(),
        *payment_routes(),
        *deal_routes(),
        *notification_routes(),
        *observability.routes(),
        *auth_routes(),
    ]
    middleware: list[Middleware] = [
        # Outermost first: request id + access log + metrics see every answer, 500s included.
        *observability.middleware(),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "Accept-Language",
                "X-Request-ID",
                "GraphQL-Require-Preflight",
                "Apollo-Require-Preflight",
            ],
            expose_headers=["X-Request-ID", "WWW-Authenticate"],
            max_age=600,
        ),
        Middleware(UnexpectedErrorMiddleware),
        Middleware(
            BodyLimitMiddleware,
            max_body_bytes=settings.max_body_bytes,
            # Photo uploads (REST, and GraphQL multipart requests) may carry a whole photo.
            larger_limits=[
                LargerLimit(UPLOAD_PATH, upload_body_limit(settings), code="PHOTO_TOO_LARGE"),
                LargerLimit(
                    "/graphql", upload_body_limit(settings), media_type="multipart/form-data"
                ),
            ],
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.schema = schema
    app.state.broker = broker
    app.state.presence = presence
    app.state.graphql_ws = graphql_ws
    app.state.worker = worker
    # Query-cost budgets of this app's clients (graphql/cost.py), in Redis when configured.
    app.state.cost_budgets = buckets_for(settings.redis_url)
    # One storage client per app (S3 clients are costly to build and thread-safe).
    app.state.photo_storage = storage_from_settings(settings)
    # The payment provider (webhooks name it in their URL; payments call it between
    # transactions).
    app.state.payment_provider = provider_for(database, settings)
    return app
