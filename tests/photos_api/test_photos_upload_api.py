"""Photo upload over REST and the GraphQL multipart request spec, media serving, limits."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from auth_factories import bearer, create_member_with_token
from c2c_api.authz import Actor, ActorKind
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.photos import LocalStorage, PhotoLimits, S3Storage
from c2c_api.photos.models import Photo
from c2c_api.photos.service import upload_photo
from engagement_support import app_client, bomb_png, gps_jpeg, media_settings

UPLOAD_MUTATION = "mutation($f: Upload!) { uploadPhoto(file: $f) { __typename "
UPLOAD_MUTATION += "... on UploadPhotoSuccess { photo { id width height thumbUrl smallUrl "
UPLOAD_MUTATION += "mediumUrl largeUrl } } ... on UserError { code fields } } }"


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def photo_settings(settings: Settings, media_root: Path) -> Settings:
    return media_settings(settings, media_root)


@pytest.fixture
async def api(photo_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(photo_settings, db) as client:
        yield client


@pytest.fixture
async def token(db: Database) -> str:
    _, access = await create_member_with_token(db, scopes=["listings:write"])
    return access


async def photo_rows(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int((await session.exec(select(func.count()).select_from(Photo))).one())


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_no_metadata(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"GPS" not in data and b"SecretPhoneMaker" not in data


def graphql_multipart(
    data: bytes, *, filename: str = "photo.jpg", content_type: str = "image/jpeg"
) -> dict[str, object]:
    operations = {"query": UPLOAD_MUTATION, "variables": {"f": None}}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        "files": {"0": (filename, data, content_type)},
    }


class TestRestUpload:
    async def test_strips_gps_from_every_rendition_served(
        self, api: httpx.AsyncClient, token: str, db: Database
    ) -> None:
        response = await api.post(
            "/v1/photos",
            files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")},
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["id"].startswith("UGhvdG86")  # base64 of "Photo:"
        assert (body["width"], body["height"]) == (640, 480)
        assert set(body["urls"]) == {"thumb", "small", "medium", "large"}
        for url in body["urls"].values():
            assert url.startswith("http://127.0.0.1:8000/media/photos/")
            media = await api.get(url)
            assert media.status_code == 200
            assert media.headers["content-type"] == "image/webp"
            assert_no_metadata(media.content)
        assert await photo_rows(db) == 1

    async def test_refuses_a_file_that_is_not_an_image(
        self, api: httpx.AsyncClient, token: str, db: Database, media_root: Path
    ) -> None:
        response = await api.post(
            "/v1/photos",
            files={"file": ("photo.jpg", b"hello, I am text", "image/jpeg")},
            headers=bearer(token),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "PHOTO_NOT_AN_IMAGE"
        assert await photo_rows(db) == 0
        assert stored_files(media_root) == []

    async def test_refuses_a_decompression_bomb(self, api: httpx.AsyncClient, token: str) -> None:
        response = await api.post(
            "/v1/photos", files={"file": ("b.png", bomb_png(), "image/png")}, headers=bearer(token)
        )
        assert response.status_code == 422
        assert response.json()["code"] == "PHOTO_TOO_MANY_PIXELS"

    async def test_refuses_an_unsupported_format_with_415(
        self, api: httpx.AsyncClient, token: str
    ) -> None:
        gif = io.BytesIO()
        Image.new("RGB", (10, 10)).save(gif, "GIF")
        response = await api.post(
            "/v1/photos",
            files={"file": ("a.gif", gif.getvalue(), "image/gif")},
            headers=bearer(token),
        )
        assert response.status_code == 415
        assert response.json()["code"] == "PHOTO_UNSUPPORTED_FORMAT"

    async def test_refuses_an_oversize_file_with_413_before_processing(
        self, photo_settings: Settings, db: Database, token: str, media_root: Path
    ) -> None:
        small = photo_settings.model_copy(update={"photo_max_bytes": 20_000})
        big = gps_jpeg((2000, 2000))
        assert len(big) > 20_000
        async with app_client(small, db) as api:
            response = await api.post(
                "/v1/photos", files={"file": ("big.jpg", big, "image/jpeg")}, headers=bearer(token)
            )
        assert response.status_code == 413
        assert response.json()["code"] == "PHOTO_TOO_LARGE"
        assert await photo_rows(db) == 0
        assert stored_files(media_root) == []

    async def test_refuses_anonymous_callers(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/v1/photos", files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_refuses_an_invalid_token(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/v1/photos",
            files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")},
            headers=bearer("not-a-token"),
        )
        assert response.status_code == 401

    async def test_refuses_a_token_without_listings_write(
        self, api: httpx.AsyncClient, db: Database
    ) -> None:
        _, other = await create_member_with_token(db, scopes=["account:write"])
        response = await api.post(
            "/v1/photos",
            files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")},
            headers=bearer(other),
        )
        assert response.status_code == 403
        assert response.json()["code"] == "INSUFFICIENT_SCOPE"
        assert 'scope="listings:write"' in response.headers["www-authenticate"]

    async def test_refuses_a_body_that_is_not_multipart(
        self, api: httpx.AsyncClient, token: str
    ) -> None:
        response = await api.post(
            "/v1/photos",
            content=gps_jpeg(),
            headers={**bearer(token), "content-type": "image/jpeg"},
        )
        assert response.status_code == 415

    async def test_refuses_a_form_without_the_file_field(
        self, api: httpx.AsyncClient, token: str
    ) -> None:
        response = await api.post(
            "/v1/photos",
            files={"picture": ("me.jpg", gps_jpeg(), "image/jpeg")},
            headers=bearer(token),
        )
        assert response.status_code == 422
        assert response.json()["fields"] == ["file"]


class TestGraphQLMultipartUpload:
    async def test_strips_gps_from_every_rendition_served(
        self, api: httpx.AsyncClient, token: str, db: Database
    ) -> None:
        response = await api.post(
            "/graphql", headers=bearer(token), **graphql_multipart(gps_jpeg())
        )  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["uploadPhoto"]
        assert payload["__typename"] == "UploadPhotoSuccess", payload
        photo = payload["photo"]
        assert (photo["width"], photo["height"]) == (640, 480)
        for field in ("thumbUrl", "smallUrl", "mediumUrl", "largeUrl"):
            media = await api.get(photo[field])
            assert media.status_code == 200
            assert_no_metadata(media.content)
        assert await photo_rows(db) == 1
        # The photo is a node: its owner reads it back by global id.
        node = await api.post(
            "/graphql",
            json={"query": f'{{ node(id: "{photo["id"]}") {{ ... on Photo {{ width }} }} }}'},
            headers=bearer(token),
        )
        assert node.json()["data"]["node"] == {"width": 640}

    async def test_a_bad_file_is_a_typed_error(
        self, api: httpx.AsyncClient, token: str, db: Database
    ) -> None:
        response = await api.post("/graphql", headers=bearer(token), **graphql_multipart(b"nope"))  # type: ignore[arg-type]
        payload = response.json()["data"]["uploadPhoto"]
        assert payload == {
            "__typename": "UserError",
            "code": "PHOTO_NOT_AN_IMAGE",
            "fields": ["file"],
        }
        assert await photo_rows(db) == 0

    async def test_a_bomb_is_a_typed_error(self, api: httpx.AsyncClient, token: str) -> None:
        response = await api.post(
            "/graphql", headers=bearer(token), **graphql_multipart(bomb_png())
        )  # type: ignore[arg-type]
        assert response.json()["data"]["uploadPhoto"]["code"] == "PHOTO_TOO_MANY_PIXELS"

    async def test_without_token_or_preflight_header_is_refused_as_csrf(
        self, api: httpx.AsyncClient, db: Database
    ) -> None:
        response = await api.post("/graphql", **graphql_multipart(gps_jpeg()))  # type: ignore[arg-type]
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
        assert await photo_rows(db) == 0

    async def test_anonymous_with_preflight_header_is_unauthenticated(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.post(
            "/graphql",
            headers={"GraphQL-Require-Preflight": "1"},
            **graphql_multipart(gps_jpeg()),  # type: ignore[arg-type]
        )
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_a_token_without_listings_write_is_refused(
        self, api: httpx.AsyncClient, db: Database
    ) -> None:
        _, other = await create_member_with_token(db, scopes=["account:write"])
        response = await api.post(
            "/graphql", headers=bearer(other), **graphql_multipart(gps_jpeg())
        )  # type: ignore[arg-type]
        assert response.json()["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"map": "{}"}, "operations"),
            ({"operations": "[]", "map": "{}"}, "batching"),
            ({"operations": "{nope", "map": "{}"}, "not valid JSON"),
            (
                {
                    "operations": json.dumps({"query": UPLOAD_MUTATION}),
                    "map": '{"0": ["variables.f"]}',
                },
                "missing",
            ),
            (
                {"operations": json.dumps({"query": UPLOAD_MUTATION}), "map": '{"zzz": ["query"]}'},
                "variables",
            ),
            (
                {
                    "operations": json.dumps({"query": UPLOAD_MUTATION, "variables": {}}),
                    "map": '{"zzz": ["variables.a.b"]}',
                },
                "does not exist",
            ),
        ],
    )
    async def test_malformed_multipart_requests_are_400(
        self, api: httpx.AsyncClient, token: str, form: dict[str, str], message: str
    ) -> None:
        files = {"zzz": ("x.txt", b"x", "text/plain")}
        response = await api.post("/graphql", headers=bearer(token), data=form, files=files)
        assert response.status_code == 400, response.text
        assert message in response.json()["errors"][0]["message"]


class TestBodyLimits:
    async def test_uploads_may_exceed_the_general_body_limit_but_json_may_not(
        self, photo_settings: Settings, db: Database, token: str
    ) -> None:
        tight = photo_settings.model_copy(update={"max_body_bytes": 16 * 1024})
        photo = Image.effect_noise((400, 400), 60).convert("RGB")
        buffer = io.BytesIO()
        photo.save(buffer, "JPEG", quality=95)
        data = buffer.getvalue()
        assert len(data) > 16 * 1024
        async with app_client(tight, db) as api:
            rest = await api.post(
                "/v1/photos", files={"file": ("n.jpg", data, "image/jpeg")}, headers=bearer(token)
            )
            assert rest.status_code == 201, rest.text
            multipart = await api.post("/graphql", headers=bearer(token), **graphql_multipart(data))  # type: ignore[arg-type]
            assert multipart.json()["data"]["uploadPhoto"]["__typename"] == "UploadPhotoSuccess"
            big_json = await api.post(
                "/graphql",
                json={"query": "{ __typename }", "variables": {"pad": "x" * 20_000}},
            )
            assert big_json.status_code == 413
            assert big_json.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
            other_route = await api.post("/oauth/token", content=b"x" * 20_000)
            assert other_route.status_code == 413

    async def test_upload_routes_refuse_more_than_the_photo_limit_plus_overhead(
        self, photo_settings: Settings, db: Database, token: str
    ) -> None:
        small = photo_settings.model_copy(update={"photo_max_bytes": 1024})
        async with app_client(small, db) as api:
            rest = await api.post(
                "/v1/photos",
                files={"file": ("n.jpg", b"x" * 200_000, "image/jpeg")},
                headers=bearer(token),
            )
            assert rest.status_code == 413
            assert rest.json()["code"] == "PHOTO_TOO_LARGE"
            multipart = await api.post(
                "/graphql",
                headers=bearer(token),
                **graphql_multipart(b"x" * 200_000),  # type: ignore[arg-type]
            )
            assert multipart.status_code == 413
            assert multipart.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
        assert await photo_rows(db) == 0


class TestMediaRoute:
    async def test_serves_renditions_with_cache_headers_and_etag(
        self, api: httpx.AsyncClient, token: str
    ) -> None:
        upload = await api.post(
            "/v1/photos",
            files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")},
            headers=bearer(token),
        )
        url = upload.json()["urls"]["thumb"]
        media = await api.get(url)
        assert media.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert media.headers["x-content-type-options"] == "nosniff"
        etag = media.headers["etag"]
        again = await api.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.content == b""
        head = await api.head(url)
        assert head.status_code == 200
        assert int(head.headers["content-length"]) == len(media.content)

    @pytest.mark.parametrize(
        "path",
        [
            "/media/photos/00000000-0000-0000-0000-000000000000/thumb.webp",
            "/media/../../etc/passwd",
            "/media/photos/%2e%2e/%2e%2e/secret",
            "/media/.hidden",
        ],
    )
    async def test_unknown_keys_are_404_problems(self, api: httpx.AsyncClient, path: str) -> None:
        response = await api.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_unavailable_storage_is_503(
        self, photo_settings: Settings, db: Database, token: str
    ) -> None:
        async with app_client(photo_settings, db) as api:
            app = api._transport.app  # type: ignore[attr-defined]
            app.state.photo_storage = unreachable_s3()
            media = await api.get("/media/photos/x/thumb.webp")
            assert media.status_code == 503
            assert media.json()["code"] == "STORAGE_UNAVAILABLE"
            upload = await api.post(
                "/v1/photos",
                files={"file": ("me.jpg", gps_jpeg(), "image/jpeg")},
                headers=bearer(token),
            )
            assert upload.status_code == 503
            assert upload.json()["code"] == "STORAGE_UNAVAILABLE"
        assert await photo_rows(db) == 0


def unreachable_s3() -> S3Storage:
    return S3Storage(
        "bucket",
        public_url="http://127.0.0.1:9/bucket",
        endpoint_url="http://127.0.0.1:9",
        access_key_id="x",
        secret_access_key="y",
    )


class TestNoOrphans:
    async def test_a_row_that_cannot_be_written_leaves_no_renditions(
        self, db: Database, media_root: Path
    ) -> None:
        storage = LocalStorage(media_root, public_url="http://127.0.0.1:8000/media")
        ghost = Actor(kind=ActorKind.MEMBER, member_id=uuid.uuid4(), scopes=frozenset())
        with pytest.raises(IntegrityError):  # the owner does not exist
            async with db.transaction() as session:
                await upload_photo(
                    session, ghost, data=gps_jpeg(), storage=storage, limits=PhotoLimits()
                )
        # Deleted after the rollback (db.after_rollback), not with the transaction open.
        assert stored_files(media_root) == []
        assert await photo_rows(db) == 0
