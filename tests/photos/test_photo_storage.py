"""Renditions round-trip through the local and S3 backends; keys cannot escape the store."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from c2c_api.config import Settings
from c2c_api.errors import ErrorCode
from c2c_api.photos import (
    CACHE_CONTROL,
    InvalidStorageKey,
    LocalStorage,
    PhotoStorage,
    S3Storage,
    StorageUnavailable,
    StoredObjectNotFound,
    delete_renditions,
    process_upload,
    rendition_keys,
    save_renditions,
    storage_from_settings,
)

PUBLIC = "https://cdn.example.test/media"
ACCESS = {"access_key_id": "testing", "secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto) on 127.0.0.1, for this module."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto[server] is a dev dependency
        pytest.skip(f"moto[server] is not installed: {exc}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
        host, port = server.get_host_and_port()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"the local S3 server (moto) could not start: {exc}")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_client(s3_endpoint: str) -> Any:
    """One real boto3 client for the module (building a client takes a few hundred ms)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS["access_key_id"],
        aws_secret_access_key=ACCESS["secret_access_key"],
    )


def new_bucket(client: Any) -> str:
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PhotoStorage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "media", public_url=PUBLIC)
    else:
        client = request.getfixturevalue("s3_client")
        yield S3Storage(new_bucket(client), public_url=PUBLIC, client=client)


def small_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


class TestRoundTrip:
    async def test_put_then_get_returns_the_bytes_and_type(self, storage: PhotoStorage) -> None:
        await storage.put("photos/a1/large.webp", b"RIFF-bytes", "image/webp")

        stored = await storage.get("photos/a1/large.webp")
        assert stored.data == b"RIFF-bytes"
        assert stored.content_type == "image/webp"
        assert await storage.exists("photos/a1/large.webp")

    async def test_put_replaces_an_object(self, storage: PhotoStorage) -> None:
        await storage.put("photos/a2/thumb.webp", b"first", "image/webp")
        await storage.put("photos/a2/thumb.webp", b"second", "image/webp")

        assert (await storage.get("photos/a2/thumb.webp")).data == b"second"

    async def test_delete_removes_and_is_idempotent(self, storage: PhotoStorage) -> None:
        await storage.put("photos/a3/small.webp", b"x", "image/webp")

        await storage.delete("photos/a3/small.webp")
        await storage.delete("photos/a3/small.webp")

        assert not await storage.exists("photos/a3/small.webp")
        with pytest.raises(StoredObjectNotFound) as caught:
            await storage.get("photos/a3/small.webp")
        assert caught.value.code == ErrorCode.NOT_FOUND

    async def test_a_missing_key_is_not_found(self, storage: PhotoStorage) -> None:
        assert not await storage.exists("photos/none/large.webp")
        with pytest.raises(StoredObjectNotFound):
            await storage.get("photos/none/large.webp")

    async def test_url_is_under_the_public_base(self, storage: PhotoStorage) -> None:
        assert storage.url("photos/a4/thumb.webp") == f"{PUBLIC}/photos/a4/thumb.webp"

    @pytest.mark.parametrize(
        "key",
        [
            "../outside.webp",
            "photos/../../outside.webp",
            "/etc/passwd",
            "photos//double.webp",
            "photos/./here.webp",
            ".hidden",
            "photos/.tmp-x",
            "photos\\windows.webp",
            "photos/%2e%2e/x.webp",
            "photos/nul\x00.webp",
            "",
            "a/" * 300 + "b",
        ],
    )
    async def test_unsafe_keys_are_refused_as_not_found(
        self, storage: PhotoStorage, key: str
    ) -> None:
        operations = (
            lambda: storage.put(key, b"x", "image/webp"),
            lambda: storage.get(key),
            lambda: storage.delete(key),
            lambda: storage.exists(key),
        )
        for operation in operations:
            with pytest.raises(InvalidStorageKey) as caught:
                await operation()
            assert caught.value.code == ErrorCode.NOT_FOUND
        with pytest.raises(InvalidStorageKey):
            storage.url(key)

    async def test_renditions_are_saved_and_deleted_together(self, storage: PhotoStorage) -> None:
        photo = process_upload(small_photo())
        photo_id = uuid.uuid4()

        keys = await save_renditions(storage, photo_id, photo)

        assert keys == rendition_keys(photo_id)
        assert keys["large"] == f"photos/{photo_id}/large.webp"
        for name, key in keys.items():
            stored = await storage.get(key)
            assert stored.data == photo.renditions[name].data
            assert stored.content_type == "image/webp"

        await delete_renditions(storage, photo_id)
        assert [key for key in keys.values() if await storage.exists(key)] == []


class TestLocalStorage:
    async def test_writes_atomically_and_leaves_no_temporary_file(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path, public_url=PUBLIC)

        await storage.put("photos/b1/large.webp", b"data", "image/webp")

        assert sorted(p.name for p in (tmp_path / "photos" / "b1").iterdir()) == ["large.webp"]
        assert (tmp_path / "photos" / "b1" / "large.webp").read_bytes() == b"data"

    async def test_a_failed_write_leaves_no_partial_file(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path, public_url=PUBLIC)
        blocker = tmp_path / "photos" / "b2" / "large.webp"
        blocker.mkdir(parents=True)  # the final rename onto a directory fails
        (blocker / "keep").write_bytes(b"keep")

        with pytest.raises(StorageUnavailable):
            await storage.put("photos/b2/large.webp", b"new", "image/webp")

        assert sorted(p.name for p in blocker.parent.iterdir()) == ["large.webp"]
        assert (blocker / "keep").read_bytes() == b"keep"

    async def test_delete_prunes_empty_folders_but_not_the_root(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path / "root", public_url=PUBLIC)
        await storage.put("photos/b3/thumb.webp", b"x", "image/webp")

        await storage.delete("photos/b3/thumb.webp")

        assert list((tmp_path / "root").iterdir()) == []

    async def test_a_symbolic_link_cannot_lead_outside(self, tmp_path: Path) -> None:
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "secret.webp").write_bytes(b"secret")
        root = tmp_path / "root"
        root.mkdir()
        (root / "photos").symlink_to(outside)
        storage = LocalStorage(root, public_url=PUBLIC)

        with pytest.raises(InvalidStorageKey):
            await storage.get("photos/secret.webp")
        with pytest.raises(InvalidStorageKey):
            await storage.put("photos/planted.webp", b"x", "image/webp")
        assert not (outside / "planted.webp").exists()

    async def test_the_type_is_served_from_the_extension(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path, public_url=PUBLIC)

        with pytest.raises(ValueError, match="image/webp"):
            await storage.put("photos/b4/large.webp", b"x", "image/jpeg")


class TestS3Storage:
    async def test_objects_carry_type_and_cache_headers(
        self, s3_endpoint: str, s3_client: Any
    ) -> None:
        bucket = new_bucket(s3_client)
        storage = S3Storage(
            bucket, public_url=PUBLIC, endpoint_url=s3_endpoint, prefix="env1/", **ACCESS
        )

        await storage.put("photos/c1/large.webp", b"data", "image/webp")

        head = s3_client.head_object(Bucket=bucket, Key="env1/photos/c1/large.webp")
        assert head["ContentType"] == "image/webp"
        assert head["CacheControl"] == CACHE_CONTROL

    async def test_an_unreachable_service_is_unavailable_not_a_crash(self) -> None:
        import socket

        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        storage = S3Storage(
            "photos", public_url=PUBLIC, endpoint_url=f"http://127.0.0.1:{port}", **ACCESS
        )

        with pytest.raises(StorageUnavailable):
            await storage.get("photos/c2/large.webp")

    async def test_a_missing_bucket_is_unavailable(self, s3_endpoint: str) -> None:
        storage = S3Storage(
            "no-such-bucket-here", public_url=PUBLIC, endpoint_url=s3_endpoint, **ACCESS
        )

        with pytest.raises(StorageUnavailable):
            await storage.put("photos/c3/large.webp", b"x", "image/webp")


class TestChoiceBySettings:
    def test_local_is_the_default(self, tmp_path: Path) -> None:
        settings = Settings(storage_local_path=tmp_path, issuer="https://api.example.test")

        storage = storage_from_settings(settings)

        assert isinstance(storage, LocalStorage)
        assert storage.root == tmp_path
        assert storage.url("photos/d1/thumb.webp") == (
            "https://api.example.test/media/photos/d1/thumb.webp"
        )

    async def test_s3_is_chosen_and_configured(self, s3_endpoint: str, s3_client: Any) -> None:
        bucket = new_bucket(s3_client)
        settings = Settings(
            storage_backend="s3",
            storage_s3_bucket=bucket,
            storage_s3_endpoint_url=s3_endpoint,
            storage_s3_access_key_id="testing",
            storage_s3_secret_access_key="testing",
            storage_s3_addressing_style="path",
            storage_public_url=PUBLIC,
        )

        storage = storage_from_settings(settings)
        await storage.put("photos/d2/thumb.webp", b"x", "image/webp")

        assert isinstance(storage, S3Storage)
        assert (await storage.get("photos/d2/thumb.webp")).data == b"x"
        assert storage.url("photos/d2/thumb.webp") == f"{PUBLIC}/photos/d2/thumb.webp"

    def test_s3_without_a_bucket_is_refused(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="C2C_STORAGE_S3_BUCKET"):
            Settings(storage_backend="s3")

    def test_a_public_url_must_be_http_without_trailing_slash(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="C2C_STORAGE_PUBLIC_URL"):
            Settings(storage_public_url="https://cdn.example.test/")
