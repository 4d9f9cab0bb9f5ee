"""The app starts on both databases and answers health checks and a first query."""

import httpx


class TestHealth:
    async def test_liveness(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_readiness_checks_the_database(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["database"] == "ok"


class TestFirstQuery:
    async def test_anonymous_viewer_is_refused_with_a_typed_error(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/graphql", json={"query": "{ viewer { id } }"})
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"viewer": None}
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
