"""Security review fixes at the OAuth edge: floods, control characters, odd encodings."""

from __future__ import annotations

import time

import httpx

from c2c_api.db import Database

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class TestParameterFlood:
    async def test_a_body_of_100k_fields_is_refused_fast(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = "&".join(f"p{i}=x" for i in range(100_000))  # under the 1 MiB body limit
        assert len(body) < db.settings.max_body_bytes
        started = time.perf_counter()
        response = await client.post("/oauth/token", content=body, headers=FORM)
        elapsed = time.perf_counter() - started
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert elapsed < 1.0

    async def test_many_repeats_of_one_name_are_refused_fast(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = "&".join(["scope=a"] * 100_000)
        started = time.perf_counter()
        response = await client.post("/oauth/revoke", content=body, headers=FORM)
        assert time.perf_counter() - started < 1.0
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_a_repeated_parameter_is_still_named(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/oauth/token", content="grant_type=a&grant_type=b&scope=x", headers=FORM
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_request",
            "error_description": "Repeated parameter: grant_type.",
        }
