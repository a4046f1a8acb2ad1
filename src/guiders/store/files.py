"""Where attachments' bytes live: the data directory (the default) or an S3-compatible bucket.

Keys are made by the service from ids (``company/chat/attachment``); the local store still
refuses any key that would leave its directory.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from pathlib import Path
from typing import Any

from guiders.domain.errors import Unavailable
from guiders.services.ports import FileStore


class LocalFileStore(FileStore):
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if not path.is_relative_to(self._root) or path == self._root:
            raise ValueError(f"a file key outside the store: {key!r}")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, path)  # readers never see half a file

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


class S3FileStore(FileStore):  # pragma: no cover - needs boto3 and an S3-compatible server
    """An S3-compatible bucket (AWS S3, MinIO, Ceph...) through boto3, which is optional:
    ``pip install boto3``. Not exercised by the test suite (no S3 server in CI)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str | None,
        access_key: str | None,
        secret_key: str | None,
        prefix: str = "attachments/",
    ) -> None:
        try:
            boto3: Any = importlib.import_module("boto3")
        except ImportError as exc:
            raise RuntimeError("attachments_s3_bucket is set but boto3 is not installed") from exc
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )
        self._bucket = bucket
        self._prefix = prefix

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            "put_object",
            Bucket=self._bucket,
            Key=self._prefix + key,
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes | None:
        try:
            answer = await self._call("get_object", Bucket=self._bucket, Key=self._prefix + key)
        except Unavailable as exc:
            if "NoSuchKey" in repr(exc.__cause__):
                return None
            raise
        body: bytes = await asyncio.to_thread(answer["Body"].read)
        return body

    async def delete(self, key: str) -> None:
        await self._call("delete_object", Bucket=self._bucket, Key=self._prefix + key)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(getattr(self._client, method), **kwargs)
        except Exception as exc:
            raise Unavailable("The attachment storage (S3) did not answer") from exc
