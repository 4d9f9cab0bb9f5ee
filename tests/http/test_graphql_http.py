"""GraphQL over HTTP: methods, media types, status codes and bad input."""

from __future__ import annotations

import json

import httpx
import pytest

from c2c_api.graphql.http import APPLICATION_JSON, GRAPHQL_RESPONSE, accepted_media_type

GQL = {"accept": GRAPHQL_RESPONSE}
LEGACY = {"accept": APPLICATION_JSON}


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


class TestMediaTypeNegotiation:
    @pytest.mark.parametrize(
        ("accept", "expected"),
        [
            ("", APPLICATION_JSON),
            ("*/*", APPLICATION_JSON),
            ("application/*", APPLICATION_JSON),
            ("application/json", APPLICATION_JSON),
            (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
            (f"application/json, {GRAPHQL_RESPONSE}", APPLICATION_JSON),
            (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE};q=0, application/json", APPLICATION_JSON),
            ("application/json, multipart/mixed", APPLICATION_JSON),
            ("text/plain", None),
            ("application/xml, text/html;q=0.9", None),
        ],
    )
    def test_negotiates(self, accept: str, expected: str | None) -> None:
        assert accepted_media_type(accept) == expected

    async def test_answers_in_the_negotiated_media_type(self, client: httpx.AsyncClient) -> None:
        for headers, expected in ((GQL, GRAPHQL_RESPONSE), (LEGACY, APPLICATION_JSON)):
            response = await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers=headers
            )
            assert response.status_code == 200
            assert media(response) == expected
            assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost

    async def test_unacceptable_accept_is_406(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/plain"}
        )
        assert response.status_code == 406
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


class TestGet:
    async def test_runs_a_query(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/graphql",
            params={
                "query": "query Q($x: Boolean!) { __typename @include(if: $x) }",
                "variables": json.dumps({"x": True}),
                "operationName": "Q",
            },
            headers=GQL,
        )
        assert response.status_code == 200
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost

    async def test_refuses_a_mutation_with_405_allow_post(self, client: httpx.AsyncClient) -> None:
        for headers in (GQL, LEGACY):
            response = await client.get(
                "/graphql", params={"query": "mutation { __typename }"}, headers=headers
            )
            assert response.status_code == 405
            assert response.headers["allow"] == "POST"
            assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"

    async def test_variables_that_are_not_json_are_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/graphql", params={"query": "{ __typename }", "variables": "{nope"}, headers=GQL
        )
        assert response.status_code == 400

    async def test_missing_query_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/graphql", headers=GQL)
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "`query` is missing"


class TestOtherMethods:
    @pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
    async def test_are_405_with_allow(self, client: httpx.AsyncClient, method: str) -> None:
        response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"


class TestPostBadInput:
    async def test_wrong_content_type_is_415(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql",
            content="{ __typename }",
            headers={**GQL, "content-type": "application/graphql"},
        )
        assert response.status_code == 415
        assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"

    async def test_missing_content_type_is_415(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/graphql", content=b'{"query":"{ __typename }"}')
        assert response.status_code == 415

    async def test_charset_utf8_is_accepted(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql",
            content=b'{"query":"{ __typename }"}',
            headers={**GQL, "content-type": "application/json; charset=utf-8"},
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("headers", [GQL, LEGACY])
    async def test_malformed_json_is_400(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            "/graphql",
            content=b'{"query": "{ __typename }"',
            headers={**headers, "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_JSON"

    @pytest.mark.parametrize(
        "body",
        [
            [],
            "query",
            {},
            {"query": None},
            {"query": 1},
            {"query": ""},
            {"query": "{ __typename }", "variables": "{}"},
            {"query": "{ __typename }", "variables": []},
            {"query": "{ __typename }", "extensions": "x"},
            {"query": "{ __typename }", "operationName": 3},
        ],
    )
    @pytest.mark.parametrize("headers", [GQL, LEGACY])
    async def test_invalid_parameters_are_400(
        self, client: httpx.AsyncClient, body: object, headers: dict[str, str]
    ) -> None:
        response = await client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    async def test_null_variables_and_extensions_are_allowed(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }", "variables": None, "extensions": None},
            headers=GQL,
        )
        assert response.status_code == 200


class TestDocumentErrors:
    @pytest.mark.parametrize(
        "query", ["{", "{ noSuchField }", "query A { __typename } query A { __typename }"]
    )
    async def test_are_400_under_graphql_response_json(
        self, client: httpx.AsyncClient, query: str
    ) -> None:
        response = await client.post("/graphql", json={"query": query}, headers=GQL)
        assert response.status_code == 400
        assert media(response) == GRAPHQL_RESPONSE
        body = response.json()
        assert "data" not in body
        assert body["errors"]

    @pytest.mark.parametrize("query", ["{", "{ noSuchField }"])
    async def test_are_200_under_application_json(
        self, client: httpx.AsyncClient, query: str
    ) -> None:
        response = await client.post("/graphql", json={"query": query}, headers=LEGACY)
        assert response.status_code == 200
        assert "data" not in response.json()
        assert response.json()["errors"]

    async def test_unknown_operation_name(self, client: httpx.AsyncClient) -> None:
        body = {"query": "query A { __typename }", "operationName": "B"}
        response = await client.post("/graphql", json=body, headers=GQL)
        assert response.status_code == 400
        assert "B" in response.json()["errors"][0]["message"]
        response = await client.post("/graphql", json=body, headers=LEGACY)
        assert response.status_code == 200

    async def test_several_operations_need_a_name(self, client: httpx.AsyncClient) -> None:
        query = "query A { __typename } query B { __typename }"
        response = await client.post("/graphql", json={"query": query}, headers=GQL)
        assert response.status_code == 400
        response = await client.post(
            "/graphql", json={"query": query, "operationName": "B"}, headers=GQL
        )
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost

    async def test_field_errors_with_data_are_200(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/graphql", json={"query": "{ viewer { id } }"}, headers=GQL)
        assert response.status_code == 200
        assert response.json()["data"] == {"viewer": None}


class TestBearerToken:
    @pytest.mark.parametrize(
        "authorization", ["Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer "]
    )
    @pytest.mark.parametrize("headers", [GQL, LEGACY])
    async def test_invalid_token_is_401_invalid_token(
        self, client: httpx.AsyncClient, authorization: str, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={**headers, "authorization": authorization},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
