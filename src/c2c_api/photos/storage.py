"""Where photo renditions live: a small async storage interface and two backends.

- `LocalStorage` (default): files under a directory (`var/media`), written atomically
  (temporary file in the same directory, fsync, rename), keys checked against path traversal.
- `S3Storage`: any S3-compatible service (AWS S3, MinIO, Ceph, R2, Scaleway, OVH, …) through
  boto3, its blocking calls run in worker threads.

Keys are relative, slash-separated paths of plain segments (`photos/<id>/large.webp`); a key
that could escape the store or name a hidden file is refused with `InvalidStorageKey`, which is
a `NotFound`, so a serving route answers 404 whatever the path it was given.
Objects are immutable once written (a new upload gets a new photo id, hence new keys), so they
may be cached forever: `CACHE_CONTROL`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

import anyio.to_thread

from c2c_api.photos.errors import InvalidStorageKey, StorageUnavailable, StoredObjectNotFound
from c2c_api.photos.images import RENDITION_EXTENSION, RENDITION_SIZES, ProcessedPhoto

if TYPE_CHECKING:
    from c2c_api.config import Settings

CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Cache-Control for stored objects: keys are never reused for different content."""

MEDIA_PATH = "/media"
"""Where the app is expected to serve stored objects when no C2C_STORAGE_PUBLIC_URL is set."""

MAX_KEY_LENGTH = 512
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,15}")

_CONTENT_TYPES = {
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "avif": "image/avif",
    "json": "application/json",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

T = TypeVar("T")


def validate_key(key: str) -> str:
    """The key itself if it is a safe relative path of plain segments, else InvalidStorageKey."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidStorageKey(context={"key": str(key)[:100]})
    return key


def content_type_for(key: str) -> str:
    """The content type a key's extension stands for (the local backend serves by extension)."""
    name = key.rpartition("/")[2]
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return _CONTENT_TYPES.get(extension, DEFAULT_CONTENT_TYPE)


@dataclass(frozen=True, slots=True)
class StoredObject:
    data: bytes = field(repr=False)
    content_type: str


@runtime_checkable
class PhotoStorage(Protocol):
    """An object store for immutable photo renditions."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any object there, all or nothing."""

    async def get(self, key: str) -> StoredObject:
        """The object under `key`; StoredObjectNotFound if there is none."""

    async def delete(self, key: str) -> None:
        """Remove the object under `key`; no error if there is none."""

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    def url(self, key: str) -> str:
        """The public URL a client fetches the object from."""


async def _in_thread(function: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(function)


class LocalStorage:
    """Files under `root`; served by the application (or a web server) at `public_url`."""

    def __init__(self, root: Path, *, public_url: str) -> None:
        self.root = Path(root).absolute()
        self.public_url = public_url.rstrip("/")

    def path_of(self, key: str) -> Path:
        """The file for `key`, guaranteed inside the root (symbolic links included)."""
        path = self.root.joinpath(*validate_key(key).split("/"))
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidStorageKey(context={"key": key[:100]})
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_of(key)
        expected = content_type_for(key)
        if content_type != expected:
            # Served by extension: a mismatch would be served with the wrong type.
            raise ValueError(f"key {key!r} is served as {expected}, not {content_type}")
        await _in_thread(partial(self._write, path, data))

    def _write(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise StorageUnavailable(str(exc)) from exc
            raise

    async def get(self, key: str) -> StoredObject:
        path = self.path_of(key)
        try:
            data = await _in_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise StoredObjectNotFound(context={"key": key}) from exc
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return StoredObject(data=data, content_type=content_type_for(key))

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await _in_thread(partial(self._unlink, path))

    def _unlink(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except IsADirectoryError:
            return
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        # Prune directories left empty, up to (not including) the root.
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    async def exists(self, key: str) -> bool:
        path = self.path_of(key)
        return await _in_thread(path.is_file)

    def url(self, key: str) -> str:
        return f"{self.public_url}/{validate_key(key)}"


class S3Storage:
    """Objects in an S3-compatible bucket, optionally under a key prefix."""

    def __init__(
        self,
        bucket: str,
        *,
        public_url: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
        client: Any = None,
    ) -> None:
        """Connect with these parameters, or use `client`, a boto3 S3 client built elsewhere."""
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.public_url = public_url.rstrip("/")
        self.client: Any = client
        if client is not None:
            return
        config = Config(
            s3={"addressing_style": addressing_style},
            # Since botocore 1.36 uploads carry CRC checksums by default, which several
            # S3-compatible services reject: only send them where the operation requires.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        # A client is thread-safe once created; one per storage, used from worker threads.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def _object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    async def _call(self, key: str, function: Callable[[], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await _in_thread(function)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise StoredObjectNotFound(context={"key": key}) from exc
            raise StorageUnavailable(f"S3 error {code or '?'} on {key!r}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 unreachable: {exc}") from exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            key,
            partial(
                self.client.put_object,
                Bucket=self.bucket,
                Key=self._object_key(key),
                Body=data,
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
            ),
        )

    async def get(self, key: str) -> StoredObject:
        object_key = self._object_key(key)

        def read() -> StoredObject:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key)
            with contextlib.closing(response["Body"]) as body:
                data = body.read()
            return StoredObject(
                data=data, content_type=response.get("ContentType") or DEFAULT_CONTENT_TYPE
            )

        return await self._call(key, read)

    async def delete(self, key: str) -> None:
        await self._call(
            key,
            partial(self.client.delete_object, Bucket=self.bucket, Key=self._object_key(key)),
        )

    async def exists(self, key: str) -> bool:
        try:
            await self._call(
                key,
                partial(self.client.head_object, Bucket=self.bucket, Key=self._object_key(key)),
            )
        except StoredObjectNotFound:
            return False
        return True

    def url(self, key: str) -> str:
        return f"{self.public_url}/{validate_key(key)}"


def public_base_url(settings: Settings) -> str:
    """C2C_STORAGE_PUBLIC_URL, or the application's own media route."""
    return settings.storage_public_url or f"{settings.issuer}{MEDIA_PATH}"


def storage_from_settings(settings: Settings) -> PhotoStorage:
    """The backend chosen by C2C_STORAGE_BACKEND, configured from the C2C_STORAGE_* settings."""
    if settings.storage_backend == "s3":
        assert settings.storage_s3_bucket, "validated by Settings"
        return S3Storage(
            settings.storage_s3_bucket,
            public_url=public_base_url(settings),
            prefix=settings.storage_s3_prefix,
            endpoint_url=settings.storage_s3_endpoint_url,
            region=settings.storage_s3_region,
            access_key_id=settings.storage_s3_access_key_id,
            secret_access_key=settings.storage_s3_secret_access_key,
            addressing_style=settings.storage_s3_addressing_style,
        )
    return LocalStorage(settings.storage_local_path, public_url=public_base_url(settings))


# Photos: one folder per photo id, one file per rendition.


def rendition_key(photo_id: UUID | str, name: str) -> str:
    """`photos/<photo id>/<rendition>.webp`."""
    return validate_key(f"photos/{photo_id}/{name}.{RENDITION_EXTENSION}")


def rendition_keys(photo_id: UUID | str) -> dict[str, str]:
    """The key of every rendition of a photo, by rendition name."""
    return {name: rendition_key(photo_id, name) for name, _ in RENDITION_SIZES}


async def save_renditions(
    storage: PhotoStorage, photo_id: UUID | str, photo: ProcessedPhoto
) -> dict[str, str]:
    """Store every rendition of a processed photo; all or none. Returns their keys by name."""
    keys = rendition_keys(photo_id)
    written: list[str] = []
    try:
        for name, rendition in photo.renditions.items():
            await storage.put(keys[name], rendition.data, rendition.content_type)
            written.append(keys[name])
    except BaseException:
        with anyio.CancelScope(shield=True):
            await _delete_quietly(storage, written)
        raise
    return keys


async def delete_renditions(storage: PhotoStorage, photo_id: UUID | str) -> None:
    """Remove every rendition of a photo (missing ones are fine)."""
    for key in rendition_keys(photo_id).values():
        await storage.delete(key)


async def _delete_quietly(storage: PhotoStorage, keys: Iterable[str]) -> None:
    for key in keys:
        with contextlib.suppress(Exception):
            await storage.delete(key)
