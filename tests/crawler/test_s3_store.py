"""S3 uploads against a real moto server on 127.0.0.1: verification, idempotency, no overwrite,
and a store that goes away mid-upload and comes back."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from crawler.storage.s3 import ObjectConflict, S3Store, is_transient
from crawler.storage.uploader import WarcUploader
from export.objectstore import MiB, S3Config, parse_s3_url
from export.s3source import list_s3_warcs, open_s3
from tests.support.s3server import BUCKET, MotoS3, aws_env


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with aws_env(tmp_path_factory.mktemp("aws")), MotoS3() as server:
        yield server


@pytest.fixture
def bucket(moto: MotoS3) -> str:
    moto.reset()
    moto.client().create_bucket(Bucket=BUCKET)
    return BUCKET


def _store(moto: MotoS3, prefix: str = "crawl1", **cfg: object) -> S3Store:
    config = S3Config(endpoint_url=moto.endpoint, max_attempts=2, read_timeout_s=10, **cfg)  # type: ignore[arg-type]
    return S3Store(f"s3://{BUCKET}/{prefix}", config)


def _file(tmp_path: Path, name: str, size: int, seed: int = 1) -> Path:
    p = tmp_path / name
    block = hashlib.sha256(str(seed).encode()).digest() * 32768  # 1 MiB, incompressible enough
    with p.open("wb") as fh:
        left = size
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)
    return p


def test_parse_s3_url_validates_bucket_names() -> None:
    assert parse_s3_url("s3://my-bucket/a/b/").prefix == "a/b"
    assert parse_s3_url("s3://my-bucket").prefix == ""
    for bad in ("s3://b/x", "s3://Upper/x", "http://bucket/x", "s3:///x"):
        with pytest.raises(ValueError):
            parse_s3_url(bad)


def test_small_upload_is_verified_with_sha256_metadata_and_crc32(
    moto: MotoS3, bucket: str, tmp_path: Path
) -> None:
    path = tmp_path / "a.warc.gz"
    path.write_bytes(b"hello")
    result = _store(moto).upload(path)
    assert result.uri == f"s3://{bucket}/crawl1/a.warc.gz"
    assert result.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert result.etag == hashlib.md5(b"hello").hexdigest()  # noqa: S324 - S3's single-part ETag
    crc = base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode()
    assert result.checksums.get("ChecksumCRC32") == crc
    head = moto.client().head_object(Bucket=bucket, Key="crawl1/a.warc.gz")
    assert head["Metadata"]["sha256"] == result.sha256
    assert head["ContentType"] == "application/warc"
    assert "ContentEncoding" not in head


def test_multipart_upload_and_idempotent_reupload(
    moto: MotoS3, bucket: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, "big.warc.gz", 12 * MiB)
    store = _store(moto, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    result = store.upload(path)
    assert result.etag.endswith("-3"), result.etag  # 5 + 5 + 2 MiB parts
    assert result.size == 12 * MiB
    assert not result.already_present
    again = store.upload(path)
    assert again.already_present
    assert again.etag == result.etag


def test_never_overwrites_a_different_object(moto: MotoS3, bucket: str, tmp_path: Path) -> None:
    client = moto.client()
    client.put_object(Bucket=bucket, Key="crawl1/x.warc.gz", Body=b"somebody else's file")
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"our file")
    with pytest.raises(ObjectConflict):
        _store(moto).upload(path)
    body = client.get_object(Bucket=bucket, Key="crawl1/x.warc.gz")["Body"].read()
    assert body == b"somebody else's file"
    assert not is_transient(ObjectConflict("x"))


def test_writes_are_create_only_even_past_the_head_check(
    moto: MotoS3, bucket: str, tmp_path: Path
) -> None:
    """A writer racing us between HEAD and PUT is not overwritten: If-None-Match: * on the write."""
    store = _store(moto, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    store.client.put_object(Bucket=bucket, Key="crawl1/race.warc.gz", Body=b"first")
    with pytest.raises(ClientError) as err:
        store.client.put_object(Bucket=bucket, Key="crawl1/race.warc.gz", Body=b"second")
    assert "PreconditionFailed" in str(err.value) or "412" in str(err.value)
    big = _file(tmp_path, "race.warc.gz", 11 * MiB)
    with pytest.raises(Exception, match=r"PreconditionFailed|412"):
        store.client.upload_file(
            str(big), bucket, "crawl1/race.warc.gz", Config=store._transfer_config()
        )
    body = moto.client().get_object(Bucket=bucket, Key="crawl1/race.warc.gz")["Body"].read()
    assert body == b"first"


def test_store_going_away_mid_upload_loses_nothing(
    moto: MotoS3, bucket: str, tmp_path: Path
) -> None:
    warc = _file(tmp_path, "mid.warc.gz", 16 * MiB)
    cdxj = tmp_path / "mid.cdxj"
    cdxj.write_text("index line\n")
    ledger = tmp_path / "mid.urls"
    ledger.write_text("http://x/\n")
    digest = hashlib.sha256(warc.read_bytes()).hexdigest()
    store = _store(
        moto, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=1
    )
    parts_sent = 0
    went_away = threading.Event()

    def stop_after_first_part(**_: object) -> None:
        nonlocal parts_sent
        parts_sent += 1
        if parts_sent == 2 and not went_away.is_set():
            moto.stop()  # the second part finds no server
            went_away.set()

    store.client.meta.events.register("before-send.s3.UploadPart", stop_after_first_part)
    stats: dict[str, int] = {}
    uploader = WarcUploader(
        store,
        log_path=tmp_path / "uploads.jsonl",
        retry_s=120,
        inc_stat=lambda k, n: stats.__setitem__(k, stats.get(k, 0) + n),
    ).start()
    uploader.submit(warc)
    assert went_away.wait(30), "the upload never reached its second part"
    time.sleep(3)
    assert warc.exists(), "the local WARC must stay until the upload is verified"
    assert not uploader.uploaded
    moto.start()  # same port, same in-process state
    assert uploader.close(timeout_s=120), uploader.failed
    head = moto.client().head_object(Bucket=bucket, Key="crawl1/mid.warc.gz")
    assert head["ContentLength"] == 16 * MiB
    assert head["Metadata"]["sha256"] == digest
    got = hashlib.sha256(
        moto.client().get_object(Bucket=bucket, Key="crawl1/mid.warc.gz")["Body"].read()
    )
    assert got.hexdigest() == digest
    assert not warc.exists()
    assert not cdxj.exists()
    assert ledger.exists(), "the URL ledger stays local for --resume"
    assert stats.get("clearcrawl/s3/uploaded") == 2, stats
    assert stats.get("clearcrawl/s3/retries", 0) >= 1, stats
    uploads = moto.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert uploads == [], "no orphaned multipart upload is left behind"
    lines = (tmp_path / "uploads.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_unreachable_store_fails_and_keeps_the_file(tmp_path: Path) -> None:
    with aws_env(tmp_path):
        dead = MotoS3()  # never started: connection refused
        store = S3Store(
            f"s3://{BUCKET}/p",
            S3Config(endpoint_url=dead.endpoint, max_attempts=1, connect_timeout_s=1),
        )
        warc = tmp_path / "f.warc.gz"
        warc.write_bytes(b"data")
        uploader = WarcUploader(store, retry_s=1.5).start()
        uploader.submit(warc)
        assert not uploader.close(timeout_s=60)
        assert str(warc) in uploader.failed
        assert warc.exists()


def test_s3_source_lists_streams_and_seeks(moto: MotoS3, bucket: str, tmp_path: Path) -> None:
    store = _store(moto, prefix="crawl2")
    a = _file(tmp_path, "b-00001.warc.gz", 3 * MiB, seed=2)
    b = _file(tmp_path, "a-00000.warc.gz", 1 * MiB, seed=3)
    store.upload(a)
    store.upload(b)
    other = tmp_path / "a-00000.cdxj"
    other.write_text("x")
    store.upload(other)
    env = {"CLEARCRAWL_S3_ENDPOINT_URL": moto.endpoint}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        urls = list_s3_warcs(f"s3://{bucket}/crawl2")
        assert urls == [
            f"s3://{bucket}/crawl2/a-00000.warc.gz",
            f"s3://{bucket}/crawl2/b-00001.warc.gz",
        ]
        with open_s3(urls[1]) as fh:
            assert fh.read() == a.read_bytes()
        with open_s3(urls[1]) as fh:
            fh.seek(2 * MiB + 5)
            assert fh.read(10) == a.read_bytes()[2 * MiB + 5 : 2 * MiB + 15]
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_s3_source_detects_a_damaged_copy(moto: MotoS3, bucket: str) -> None:
    client = moto.client()
    client.put_object(
        Bucket=bucket, Key="crawl3/x.warc.gz", Body=b"tampered", Metadata={"sha256": "0" * 64}
    )
    with (
        open_s3(f"s3://{bucket}/crawl3/x.warc.gz", client=client) as fh,
        pytest.raises(OSError, match="sha256"),
    ):
        fh.read()
