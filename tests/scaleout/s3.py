"""A throwaway S3-compatible server on loopback (moto's `moto_server`), for the lake's data.

Credentials are random per server, so a test can look for them anywhere they must not be.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.ports import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    key_id: str
    secret: str
    region: str = "us-east-1"

    @property
    def env(self) -> dict[str, str]:
        """The standard AWS variables a worker gets (and nothing on its command line)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            region_name=self.region,
        )

    def make_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key under `prefix` in `bucket`."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return [o["Key"] for page in pages for o in page.get("Contents", [])]


@contextlib.contextmanager
def running_s3() -> Iterator[S3Server]:
    """Start `moto_server` on a free loopback port; stop it however the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = S3Server(
            endpoint_url=f"http://127.0.0.1:{port}",
            key_id="AKIA" + secrets.token_hex(8).upper(),
            secret=secrets.token_urlsafe(30),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                server.client().list_buckets()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on port {port}") from None
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
