"""The Starlette application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from c2c_api import observability
from c2c_api.auth.routes import auth_routes
from c2c_api.config import Settings, get_settings
from c2c_api.db import Database
from c2c_api.graphql.http import GraphQLEndpoint
from c2c_api.graphql.schema import build_schema


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: the database answers."""
    db: Database = request.app.state.db
    try:
        await db.ping()
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    """Build the app; `db` may be injected (tests), else one is created for `settings`."""
    settings = settings or get_settings()
    database = db or Database(settings)
    schema = build_schema(settings)
    graphql = GraphQLEndpoint(schema, database)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if db is None:
            await database.dispose()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *observability.routes(),
        *auth_routes(),
    ]
    app = Starlette(routes=routes, middleware=observability.middleware(), lifespan=lifespan)
    app.state.settings = settings
    app.state.db = database
    app.state.schema = schema
    return app
