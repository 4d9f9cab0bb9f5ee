"""GraphiQL at `GET /graphql` (Accept: text/html), served entirely from this server.

Strawberry's page loads React and GraphiQL from a CDN, so offline it is blank. We serve pinned
copies (vendored by scripts/vendor-graphiql.sh under static/graphiql/<version>/, licences
included) from a versioned, immutable-cached path, and a Content-Security-Policy that lets the
page load and connect to nothing but this origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

GRAPHIQL_VERSION = "3.8.3"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static"
GRAPHIQL_ASSETS = f"{STATIC_PREFIX}/graphiql/{GRAPHIQL_VERSION}"
# Versioned paths never change content: browsers and proxies may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"

DEFAULT_QUERY = """\
# c2c-api GraphQL IDE
#
# To call as a member or a partner, paste in
# "Headers" below:
#   {"Authorization": "Bearer <access token>"}
# (docs/quickstart.md: how to get a token)

query Hello {
  __typename
}
"""

# The page's only script of its own; allowed by its hash in the CSP (no 'unsafe-inline').
_BOOT_SCRIPT = (
    "(function () {\n"
    "  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname,"
    " enableIncrementalDelivery: false });\n"
    "  var root = ReactDOM.createRoot(document.getElementById('graphiql'));\n"
    "  root.render(React.createElement(GraphiQL, {\n"
    "    fetcher: fetcher,\n"
    "    defaultQuery: " + json.dumps(DEFAULT_QUERY) + ",\n"
    "    isHeadersEditorEnabled: true,\n"
    "    shouldPersistHeaders: false,\n"
    "    defaultEditorToolsVisibility: 'headers'\n"
    "  }));\n"
    "})();\n"
)
_BOOT_HASH = base64.b64encode(hashlib.sha256(_BOOT_SCRIPT.encode()).digest()).decode()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' 'sha256-{_BOOT_HASH}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

_PAGE = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>c2c-api · GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{GRAPHIQL_ASSETS}/graphiql.min.css">
    <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="{GRAPHIQL_ASSETS}/react.production.min.js"></script>
    <script src="{GRAPHIQL_ASSETS}/react-dom.production.min.js"></script>
    <script src="{GRAPHIQL_ASSETS}/graphiql.min.js"></script>
    <script>{_BOOT_SCRIPT}</script>
  </body>
</html>
"""


def graphiql_page() -> Response:
    """The GraphiQL HTML page (never cached: it names the current asset versions)."""
    return HTMLResponse(
        _PAGE,
        headers={
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        },
    )


class ImmutableStaticFiles(StaticFiles):
    """StaticFiles whose responses may be cached forever (paths carry a version)."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["cache-control"] = IMMUTABLE
        response.headers["x-content-type-options"] = "nosniff"
        return response


def static_files() -> StaticFiles:
    """The app mounted at `/static`."""
    return ImmutableStaticFiles(directory=STATIC_DIR, follow_symlink=False)


def wants_ide(scope: Scope, has_query: bool) -> bool:
    """A browser opening `/graphql`: GET, no `query` parameter, HTML acceptable."""
    if scope["method"] != "GET" or has_query:
        return False
    for name, value in scope["headers"]:
        if name == b"accept":
            return b"text/html" in value
    return False
