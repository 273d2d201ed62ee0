"""Starts tests/fault_server/fault_s3.py on a free loopback port for one test class, and talks to it.

    server = fault_server.start()        # in setUpClass; server.stop() in tearDownClass
    server.arm("GetObject", "reset_mid_body", count=2, key="obj")
    server.put("bucket", "obj", data)    # plain HTTP: the fault server checks no signature
"""
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "fault_server" / "fault_s3.py"

# Any credentials do: the server reads none.
ENV = {"AWS_ACCESS_KEY_ID": "fault", "AWS_SECRET_ACCESS_KEY": "fault", "AWS_DEFAULT_REGION": "us-east-1"}


# Debian's interpreter, where the server's CRC32C comes from python3-crcmod's C code (tests/servers/packages.txt).
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


class FaultServer:
    def __init__(self, host="127.0.0.1", port=0):
        self.process = subprocess.Popen([PYTHON, str(SCRIPT), "--host", host, "--port", str(port)],
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if " on http://" not in line:
            self.process.kill()
            raise RuntimeError(f"fault_s3.py did not start: {line!r}")
        self.url = line.split(" on ", 1)[1].strip()
        # harness.run_cli's server env: s3-cli gets this endpoint and credentials.
        self.env = dict(ENV, S3_ENDPOINT=self.url)
        # Loopback requests must not go through a proxy the machine may name.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes) of a plain HTTP request to the server."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def control(self, method, path, doc=None):
        status, body = self.request(method, path, json.dumps(doc).encode() if doc is not None else None)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {body!r}")
        return json.loads(body)

    def arm(self, op, fault, count=1, key=None, **params):
        """The next `count` requests of operation `op` (for `key` only, if given) suffer `fault`."""
        doc = dict(params, op=op, fault=fault, count=count)
        if key is not None:
            doc["key"] = key
        self.control("POST", "/_fault", doc)

    def disarm(self):
        self.control("DELETE", "/_fault")

    def uploads(self):
        """Multipart uploads neither completed nor aborted."""
        return self.control("GET", "/_uploads")

    def log(self):
        """Every S3 request since the last clear_log(): [{"op", "key", "fault", "access_key", "started", "ended",
        "status"}]."""
        return self.control("GET", "/_log")

    def clear_log(self):
        self.control("DELETE", "/_log")

    def expire(self, expiries):
        """{access key id: epoch seconds}: requests signed with that key after that time get 400 ExpiredToken."""
        self.control("POST", "/_credentials", expiries)

    def stats(self):
        """{"connections": accepted so far, "open": open now}."""
        return self.control("GET", "/_stats")

    def fill(self, bucket, prefix, count, size=0):
        """count objects prefix000000, prefix000001, ... made at once."""
        self.control("POST", "/_fill", {"bucket": bucket, "prefix": prefix, "count": count, "size": size})

    def create_bucket(self, bucket):
        self.request("PUT", "/" + bucket)

    def put(self, bucket, key, data, headers=None):
        status, body = self.request("PUT", f"/{bucket}/{urllib.request.quote(key)}", data, headers)
        if status != 200:
            raise RuntimeError(f"PUT {bucket}/{key}: {status} {body!r}")

    def get(self, bucket, key):
        """The object's bytes, or None when there is no such object."""
        status, body = self.request("GET", f"/{bucket}/{urllib.request.quote(key)}")
        return body if status == 200 else None


@functools.lru_cache(maxsize=None)
def _server_module():
    spec = importlib.util.spec_from_file_location("fault_s3", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def checksum(algorithm, data):
    """The x-amz-checksum-<algorithm> value (crc32c, crc32, sha256) of data, as the fault server computes it."""
    return _server_module().CHECKSUMS[algorithm](data)


def start(host="127.0.0.1", port=0):
    """A fault server on host (a loopback address) and port (0: any free one)."""
    return FaultServer(host, port)


class FaultServerTestCase(unittest.TestCase):
    """A fault server for the class, with BUCKET made on it; each test starts with no fault armed, an
    empty request log, its own temporary directory (self.tmp) and a key named after it (self.key)."""
    BUCKET = "faults"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = start()
        cls.server.create_bucket(cls.BUCKET)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.server.disarm()
        self.server.clear_log()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"raws3-{type(self).__name__.lower()}-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.key = self._testMethodName

    def faults_served(self, fault):
        """Requests since the last clear_log() that the fault was served to."""
        return sum(1 for entry in self.server.log() if entry["fault"] == fault)
