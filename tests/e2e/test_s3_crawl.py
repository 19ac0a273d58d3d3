"""``clearcrawl crawl --warc-store s3://…`` end to end against moto on 127.0.0.1: a store that is
down keeps the WARCs local and fails the run; the next ``--resume`` uploads them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, read_jsonl, run_cli
from tests.support.s3server import BUCKET, MotoS3, aws_env, isolated_aws_env


def test_store_down_keeps_files_then_resume_uploads_them(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    moto = MotoS3()  # a port nobody listens on, yet
    store = f"s3://{BUCKET}/fidelity"
    args = (
        *("--warc-store", store, "--s3-endpoint-url", moto.endpoint),
        *("-s", "CLEARCRAWL_S3_RETRY_SECONDS=1", "-s", "CLEARCRAWL_S3_MAX_ATTEMPTS=1"),
    )
    env = isolated_aws_env(tmp_path)
    with SiteServer(SITES / "warc-fidelity") as server:
        down = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", *args, env=env)
        assert down.returncode == 1, down.stdout + down.stderr
        assert "not uploaded" in down.stderr
        local = sorted((out / "warc").glob("*.warc.gz"))
        assert local, "the WARC must stay local when the store is unreachable"
        with aws_env(tmp_path), moto:
            client = moto.client()
            client.create_bucket(Bucket=BUCKET)
            up = run_cli(
                "crawl", server.url + "/", "--out", str(out), "--quiet", "--resume", *args, env=env
            )
            assert up.returncode == 0, up.stdout + up.stderr
            keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET)["Contents"])
            for warc in local:
                head = client.head_object(Bucket=BUCKET, Key=f"fidelity/{warc.name}")
                assert head["Metadata"]["sha256"]
                assert f"fidelity/{warc.name.removesuffix('.warc.gz')}.cdxj" in keys
    assert not list((out / "warc").glob("*.warc.gz"))
    assert sorted((out / "warc").glob("*.urls"))
    uploads = read_jsonl(out / "s3-uploads.jsonl")
    assert {u["uri"] for u in uploads} >= {f"{store}/{w.name}" for w in local}


def test_bad_bucket_name_fails_before_crawling(tmp_path: Path) -> None:
    with SiteServer(SITES / "warc-fidelity") as server:
        proc = run_cli(
            "crawl",
            server.url + "/",
            "--out",
            str(tmp_path / "c"),
            "--quiet",
            "--warc-store",
            "s3://Bad_Bucket/x",
            env=isolated_aws_env(tmp_path),
        )
        assert proc.returncode != 0
        assert "bucket" in proc.stderr.lower()
        assert server.log.paths() == []


def _crawl_to_store(
    tmp_path: Path, server: SiteServer, store: str, endpoint: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "crawl",
        server.url + "/",
        "--out",
        str(tmp_path / "c"),
        "--quiet",
        *("--warc-store", store, "--s3-endpoint-url", endpoint),
        *("-s", "CLEARCRAWL_S3_MAX_ATTEMPTS=1"),
        env=env,
    )


def test_missing_bucket_is_refused_before_crawling(tmp_path: Path) -> None:
    # Issue 11 item 13: bucket access is checked before crawling, not at the first upload.
    env = isolated_aws_env(tmp_path)
    with aws_env(tmp_path), MotoS3() as moto, SiteServer(SITES / "warc-fidelity") as server:
        proc = _crawl_to_store(tmp_path, server, "s3://no-such-bucket/x", moto.endpoint, env)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower()]
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("clearcrawl: error: CLEARCRAWL_WARC_STORE")
        assert "'no-such-bucket' does not exist" in lines[0]
        assert server.log.paths() == []


def test_missing_credentials_are_refused_before_crawling(tmp_path: Path) -> None:
    env = {
        **isolated_aws_env(tmp_path),
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
    }
    with aws_env(tmp_path), MotoS3() as moto, SiteServer(SITES / "warc-fidelity") as server:
        moto.client().create_bucket(Bucket=BUCKET)
        proc = _crawl_to_store(tmp_path, server, f"s3://{BUCKET}/x", moto.endpoint, env)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower()]
        assert len(lines) == 1, proc.stderr
        assert "credentials" in lines[0].lower()
        assert server.log.paths() == []


def test_access_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    env = isolated_aws_env(tmp_path)
    with aws_env(tmp_path), MotoS3() as moto, SiteServer(SITES / "warc-fidelity") as server:
        client = moto.client()
        client.create_bucket(Bucket=BUCKET)
        proc = _crawl_to_store(tmp_path, server, f"s3://{BUCKET}/probe", moto.endpoint, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        assert keys
        assert not [k for k in keys if "access-check" in k]
