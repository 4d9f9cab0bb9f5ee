"""Browser front ends on allowed origins can call the API; others get no CORS grant."""

import httpx


class TestCors:
    async def test_preflight_from_an_allowed_origin(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/graphql",
            headers={
                "Origin": "http://127.0.0.1:5173",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed

    async def test_simple_request_carries_the_grant_and_exposes_the_request_id(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "http://localhost:5173"},
        )
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()

    async def test_unknown_origin_gets_no_grant(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in response.headers

    async def test_token_endpoint_allows_the_spa_exchange(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/oauth/token",
            headers={
                "Origin": "http://127.0.0.1:5173",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
