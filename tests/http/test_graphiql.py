"""GraphiQL at GET /graphql works offline: every asset comes from this server."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

from c2c_api.graphql.ide import GRAPHIQL_ASSETS, STATIC_DIR

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# What would make a browser fetch another origin while loading: script/style/img sources,
# CSS url()/@import, dynamic import(), importScripts(), fetch() of an absolute URL.
LOAD_PATTERNS = [
    re.compile(rb"""(?:src|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(rb"""\.src\s*=\s*["'](?:https?:)?//""", re.I),
    re.compile(rb"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(rb"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(rb"""import\(\s*["'](?:https?:)?//""", re.I),
    re.compile(rb"""importScripts\(\s*["'](?:https?:)?//""", re.I),
    re.compile(rb"""fetch\(\s*["'](?:https?:)?//""", re.I),
]


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.urls.append(str(a["href"]))


async def page(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/graphql", headers=BROWSER)


class TestGraphiQLPage:
    async def test_browsers_get_the_ide(self, client: httpx.AsyncClient) -> None:
        response = await page(client)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "GraphiQL.createFetcher" in response.text

    async def test_api_clients_still_get_graphql(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/graphql", params={"query": "{ __typename }"}, headers=BROWSER)
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost
        response = await client.get("/graphql", headers={"accept": "application/json"})
        assert response.status_code == 400

    async def test_html_names_no_external_url(self, client: httpx.AsyncClient) -> None:
        html = (await page(client)).text
        assert not re.search(r"https?://", html)

    async def test_csp_allows_only_this_origin(self, client: httpx.AsyncClient) -> None:
        csp = (await page(client)).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["connect-src"] == "'self'"
        assert directives["script-src"].startswith("'self' 'sha256-")
        assert "http" not in csp

    async def test_every_referenced_asset_loads_and_is_immutable(
        self, client: httpx.AsyncClient
    ) -> None:
        parser = Assets()
        parser.feed((await page(client)).text)
        assets = [u for u in parser.urls if not u.startswith("data:")]
        assert len(assets) == 4  # css, react, react-dom, graphiql
        for url in assets:
            assert url.startswith(f"{GRAPHIQL_ASSETS}/")
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            for pattern in LOAD_PATTERNS:
                match = pattern.search(response.content)
                assert match is None, f"{url} loads {match.group(0)!r}"

    async def test_licences_are_shipped(self, client: httpx.AsyncClient) -> None:
        for name in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
            response = await client.get(f"{GRAPHIQL_ASSETS}/{name}")
            assert response.status_code == 200
            assert "MIT License" in response.text

    async def test_missing_asset_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{GRAPHIQL_ASSETS}/nope.js")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_vendored_files_are_all_referenced_or_licences(self) -> None:
        directory = STATIC_DIR / "graphiql" / GRAPHIQL_ASSETS.rsplit("/", 1)[1]
        names = sorted(p.name for p in directory.iterdir())
        assert names == [
            "LICENSE.graphiql",
            "LICENSE.react",
            "LICENSE.react-dom",
            "VERSIONS",
            "graphiql.min.css",
            "graphiql.min.js",
            "react-dom.production.min.js",
            "react.production.min.js",
        ]
