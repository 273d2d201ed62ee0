"""Fixtures of raws3's Python tests: the test servers (tests/servers/, described by their env files as for
the integration tests, whose harness this reuses), a client for each, and a fresh key prefix per test.

Run with Debian's /usr/bin/python3 and raws3 on PYTHONPATH (meson test sets <build>/python).
"""

import hashlib
import os
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import fault_server  # noqa: E402
import harness  # noqa: E402
import raws3  # noqa: E402

MiB = 1 << 20
PART = 5 * MiB  # the clients' part size: S3's smallest, so that multipart paths run on small objects

# Every S3 server the integration suites use; RAWS3_SKIP_SERVERS leaves some out (dev/test's sanitizer pass).
SERVERS = [s for s in ("s3rver", "moto", "rgw", "minio", "minio-ec") if not harness.left_out(s)]


def client_for(env, **kwargs):
    kwargs.setdefault("part_size", PART)
    return raws3.Client(endpoint_url=env["S3_ENDPOINT"], region=env["AWS_DEFAULT_REGION"],
                        ca_bundle=env.get("S3_CA_BUNDLE"), aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], **kwargs)


def sha256(data):
    return hashlib.sha256(memoryview(data).cast("B")).hexdigest()


def random_bytes(n, seed=0):
    return harness.random_bytes(n, seed=seed)


@pytest.fixture(scope="module", params=SERVERS)
def server(request):
    return harness.server_env(request.param)


def _client_of(env):
    c = client_for(env)
    yield c
    c.close()


def _fresh_prefix(env, client):
    """s3://bucket/<unique prefix> for one test; what it leaves is deleted after it. The prefix holds no
    "/": moto (signatures checked) refuses every query value with one, a listing's prefix included."""
    uri = f"s3://{env['S3_BUCKET']}/py-{uuid.uuid4().hex[:12]}-"
    yield uri
    client.delete_many(o.uri for o in client.list(uri))


@pytest.fixture(scope="module")
def client(server):
    yield from _client_of(server)


@pytest.fixture
def base(server, client):
    yield from _fresh_prefix(server, client)


def lists_one_level(env):
    """Whether the server takes delimiter=/ (moto, signatures checked, refuses '/' in any query value)."""
    return env["SERVER"] != "moto"


def multipart_uploads(env, prefix):
    """Keys with an unfinished multipart upload under prefix, as boto3 lists them (a view of the server's
    state independent of raws3); None where the server cannot list uploads (s3rver)."""
    return harness.list_uploads(harness.boto3_client(env), env["S3_BUCKET"], prefix)


@pytest.fixture(scope="module")
def faults():
    server = fault_server.start()
    server.create_bucket("b")
    yield server
    server.stop()


@pytest.fixture
def fault_client(faults):
    c = raws3.Client(endpoint_url=faults.url, region="us-east-1", aws_access_key_id="fault",
                     aws_secret_access_key="fault", part_size=PART)
    yield c
    c.close()
    faults.disarm()


@pytest.fixture(scope="module")
def one_server():
    """One server, for tests whose subject is raws3's Python side rather than a server's behaviour."""
    return harness.server_env("s3rver" if harness.left_out("minio") else "minio")


@pytest.fixture(scope="module")
def one_client(one_server):
    yield from _client_of(one_server)


@pytest.fixture
def one_base(one_server, one_client):
    yield from _fresh_prefix(one_server, one_client)
