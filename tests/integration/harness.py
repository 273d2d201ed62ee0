"""Shared pieces of librawS3's integration tests (Python 3 stdlib unittest + boto3).

The tests talk to the local test servers started by tests/servers/*.sh, which describe
themselves in env files: $RAWS3_TEST_STATE/<server>/env (default /tmp/raws3-test).
Servers: s3rver, moto, rgw, minio (one drive), minio-ec (4 drives erasure-coded), minio-tls (MinIO's own
TLS), and the TLS fronts s3rver-tls, moto-tls, rgw-tls, s3rver-tls-wrongname (a certificate for the wrong
name).

Environment:
  RAWS3_CLI               the s3-cli binary (default: build/tools/s3-cli in the source tree).
  RAWS3_TEST_STATE        where the servers' env files are (default /tmp/raws3-test).
  RAWS3_REQUIRE_SERVERS=1 a server that is not running FAILS the tests that need it
                          (CI); otherwise those tests are skipped, saying why.

Use with any python3 that has boto3 (the image's `python3`, not Debian's /usr/bin/python3).
"""

import collections
import functools
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVERS_DIR = REPO / "tests" / "servers"
STATE = Path(os.environ.get("RAWS3_TEST_STATE", "/tmp/raws3-test"))

MiB = 1 << 20

# The servers are on loopback: never send the tests' requests (boto3's, curl's, s3-cli's)
# through a proxy configured on the machine.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(x for x in (os.environ.get(_var), "127.0.0.1,localhost,::1") if x)

# The script that provides each server (for the skip/fail message).
_START_HINT = {
    "s3rver": "tests/servers/s3rver.sh start",
    "moto": "tests/servers/moto.sh start",
    "rgw": "tests/servers/rgw.sh start",
    "s3rver-tls": "tests/servers/s3rver.sh start && tests/servers/tls.sh start",
    "s3rver-tls-wrongname": "tests/servers/s3rver.sh start && tests/servers/tls.sh start",
    "moto-tls": "tests/servers/moto.sh start && tests/servers/tls.sh start",
    "rgw-tls": "tests/servers/rgw.sh start && tests/servers/tls.sh start",
    "minio": "tests/servers/minio.sh start",
    "minio-ec": "tests/servers/minio.sh start",
    "minio-tls": "tests/servers/minio.sh start",
}
ENV_KEYS = ("S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
            "S3_BUCKET")


def left_out(server):
    """Whether RAWS3_SKIP_SERVERS (comma-separated families: "minio" is minio, minio-ec and minio-tls) leaves
    this server's tests out of the run: dev/test's sanitizer pass, whose servers add time and not coverage."""
    skipped = {s.strip() for s in os.environ.get("RAWS3_SKIP_SERVERS", "").split(",") if s.strip()}
    return server.split("-")[0] in skipped


def require_servers():
    return os.environ.get("RAWS3_REQUIRE_SERVERS", "") == "1"


def _unavailable(what, reason):
    """Skip the test, or fail it when RAWS3_REQUIRE_SERVERS=1."""
    if require_servers():
        raise AssertionError(f"{what} is required (RAWS3_REQUIRE_SERVERS=1) but unavailable: {reason}")
    raise unittest.SkipTest(f"{what} unavailable: {reason}")


# ---- server env files ---------------------------------------------------------------------

def load_env_file(path):
    """Parse the `export KEY='VALUE'` lines the server scripts write (KEY=VALUE works too)."""
    import shlex
    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, value = line.partition("=")
        if not sep:
            continue
        parts = shlex.split(value) if value else [""]
        env[key.strip()] = parts[0] if parts else ""
    return env


def ssl_context(env):
    """A client TLS context trusting exactly the server's test CA (never AWS_CA_BUNDLE)."""
    ca = env.get("S3_CA_BUNDLE")
    return ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()


def _probe(env):
    """None if the endpoint answers HTTP (any status), else the reason it does not."""
    url = env["S3_ENDPOINT"].rstrip("/") + "/"
    ctx = None
    if url.startswith("https:"):
        # The chain must verify against the test CA; the name need not (the wrong-name front).
        ctx = ssl_context(env)
        ctx.check_hostname = False
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    try:
        opener.open(urllib.request.Request(url, method="HEAD"), timeout=5).close()
    except urllib.error.HTTPError:
        return None          # an HTTP error status is an answer
    except (OSError, ssl.SSLError) as e:
        return f"{url} does not answer: {e}"
    return None


@functools.lru_cache(maxsize=None)
def _server_env_cached(name):
    path = STATE / name / "env"
    if not path.is_file():
        return None, f"no {path}; start it: {_START_HINT.get(name, 'tests/servers/all.sh start')}"
    env = load_env_file(path)
    missing = [k for k in ENV_KEYS if not env.get(k)]
    if missing:
        return None, f"{path} lacks {', '.join(missing)}"
    why = _probe(env)
    if why:
        return None, f"{why} (stale {path}? restart: {_START_HINT.get(name, 'tests/servers/all.sh start')})"
    env["SERVER"] = name
    return env, None


def server_env(name):
    """The env dict of a running server (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION, S3_BUCKET, maybe S3_CA_BUNDLE, plus SERVER=name). Skips the calling test
    (or fails it, with RAWS3_REQUIRE_SERVERS=1) when the server is not up. Probed once per process."""
    env, why = _server_env_cached(name)
    if env is None:
        _unavailable(f"test server '{name}'", why)
    return dict(env)


@functools.lru_cache(maxsize=None)
def _blob_env_cached():
    path = STATE / "azurite" / "env"
    if not path.is_file():
        return None, f"no {path}; start it: tests/servers/azurite.sh start"
    env = load_env_file(path)
    try:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            env["AZURE_BLOB_ENDPOINT"] + "?comp=list", timeout=5).close()
    except urllib.error.HTTPError:
        pass  # an answer
    except (OSError, KeyError) as e:
        return None, f"Azurite at {env.get('AZURE_BLOB_ENDPOINT')} does not answer: {e}"
    return env, None


def blob_env():
    """Azurite's env (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY,
    AZURE_BLOB_ENDPOINT), skipping the test (failing it with RAWS3_REQUIRE_SERVERS=1) when it is down."""
    if left_out("azurite"):
        raise unittest.SkipTest("RAWS3_SKIP_SERVERS leaves azurite out")
    env, why = _blob_env_cached()
    if env is None:
        _unavailable("test server 'azurite'", why)
    return dict(env)


# ---- the s3-cli binary --------------------------------------------------------------------

# The s3-cli path as configured (it may not exist yet: cli_path() checks).
CLI = os.environ.get("RAWS3_CLI") or str(REPO / "build" / "tools" / "s3-cli")


def cli_path():
    """Path of s3-cli. Missing: a failure when RAWS3_CLI names it (meson), a skip otherwise."""
    explicit = os.environ.get("RAWS3_CLI")
    p = Path(explicit) if explicit else REPO / "build" / "tools" / "s3-cli"
    if p.is_file() and os.access(p, os.X_OK):
        return str(p)
    if explicit:
        raise AssertionError(f"RAWS3_CLI={explicit} is not an executable file")
    raise unittest.SkipTest(f"s3-cli not built ({p}); build it or set RAWS3_CLI")


class CliResult(collections.namedtuple("CliResult", "rc stdout stderr")):
    """(rc, stdout bytes, stderr text); .argv holds the command line, for messages."""
    argv = ()

    def describe(self):
        return (f"$ {' '.join(self.argv)}\nexit {self.rc}\nstdout: {self.stdout[:2000]!r}\n"
                f"stderr:\n{self.stderr[-4000:]}")


def cli_env(env=None, extra_env=None):
    """The environment s3-cli runs with:
    1. the inherited environment minus every AWS_* variable (the machine's AWS_CA_BUNDLE,
       AWS_PROFILE, AWS_ENDPOINT_URL... cannot steer the CLI), plus AWS_EC2_METADATA_DISABLED=true
       (no instance-metadata lookups); RAWS3_* pass, so `meson test --setup epoll` (RAWS3_IO=epoll)
       reaches every s3-cli and driver a test starts;
    2. every variable of env: a server env (its AWS_* credentials and region; S3_* are harmless)
       or a whole environment built by the test. AWS_CA_BUNDLE from env is kept only if it differs
       from the inherited value, i.e. only if the test set it itself;
    3. extra_env (a None value removes a variable)."""
    inherited = os.environ
    out = {k: v for k, v in inherited.items() if not k.startswith("AWS_")}
    out["AWS_EC2_METADATA_DISABLED"] = "true"
    for k, v in (env or {}).items():
        if k == "AWS_CA_BUNDLE" and v == inherited.get("AWS_CA_BUNDLE"):
            continue
        out[k] = v
    for k, v in (extra_env or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def cli_global_args(env):
    """--endpoint-url/--region (and --ca-bundle for a TLS front) for a server env."""
    args = ["--endpoint-url", env["S3_ENDPOINT"], "--region", env["AWS_DEFAULT_REGION"]]
    if env.get("S3_CA_BUNDLE"):
        args += ["--ca-bundle", env["S3_CA_BUNDLE"]]
    return args


def start_cli(*args, env=None, stdin=subprocess.DEVNULL, extra_env=None, global_args=False, cwd=None, under=()):
    """Start s3-cli with args in a session of its own, stdout and stderr piped: the Popen, with .argv.
    env, extra_env, global_args and under as for run_cli; stdin as for subprocess.Popen."""
    argv = [*map(str, under), cli_path()]
    if env is not None and global_args:
        argv += cli_global_args(env)
    argv += [str(a) for a in args]
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=cli_env(env, extra_env), cwd=cwd, start_new_session=True)
    proc.argv = argv
    return proc


def run_cli(*args, env=None, stdin=None, timeout=120, extra_env=None, global_args=False, cwd=None, under=()):
    """Run s3-cli with args and return CliResult(rc, stdout bytes, stderr text).

    env: a server env (server_env(...)) or an environment dict: see cli_env for what the
         process gets. global_args=True also puts `--endpoint-url E --region R [--ca-bundle CA]`
         (from the server env) before args; ServerTestCase.cli does that.
    stdin: bytes, a file object, or None (/dev/null).
    timeout: seconds; on expiry the whole process group is killed and the test fails.
    under: a command line s3-cli runs under (a wrapper that execs it), e.g. [no_uring].
    """
    feed = None
    if isinstance(stdin, (bytes, bytearray, memoryview)):
        feed, stdin_arg = bytes(stdin), subprocess.PIPE
    elif stdin is None:
        stdin_arg = subprocess.DEVNULL
    else:
        stdin_arg = stdin
    proc = start_cli(*args, env=env, stdin=stdin_arg, extra_env=extra_env, global_args=global_args, cwd=cwd,
                     under=under)
    argv = proc.argv
    try:
        out, err = proc.communicate(feed, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        raise AssertionError(f"timed out after {timeout} s: {' '.join(argv)}\n"
                             f"stderr so far:\n{err.decode(errors='replace')[-4000:]}")
    res = CliResult(proc.returncode, out, err.decode(errors="replace"))
    res.argv = argv
    return res


# ---- boto3 (the reference client) ---------------------------------------------------------

def boto3_client(server, *, access_key=None, secret=None, region=None, addressing_style="path",
                 max_attempts=1, checksums="when_required", **config_kw):
    """A boto3 S3 client for a server (name or env dict): SigV4, path style, no retries, the
    test CA for TLS fronts. checksums="when_required" because s3rver and radosgw refuse the
    aws-chunked trailing checksums boto3 >= 1.36 sends by default over https."""
    import boto3
    import botocore.session
    from botocore.config import Config
    env = server if isinstance(server, dict) else server_env(server)
    # A session blind to AWS_PROFILE/AWS_DEFAULT_PROFILE and AWS_CA_BUNDLE: everything it needs
    # is passed below, and a profile named in the environment but absent would raise.
    off = (None, None, None, None)
    session = boto3.session.Session(botocore_session=botocore.session.Session(
        session_vars={"profile": off, "ca_bundle": off}))
    kw = dict(signature_version="s3v4", s3={"addressing_style": addressing_style},
              retries={"max_attempts": max_attempts, "mode": "standard"},
              connect_timeout=5, read_timeout=120)
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        kw.update(request_checksum_calculation=checksums, response_checksum_validation=checksums)
    kw.update(config_kw)
    return session.client(
        "s3", endpoint_url=env["S3_ENDPOINT"], region_name=region or env["AWS_DEFAULT_REGION"],
        aws_access_key_id=access_key or env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or env["AWS_SECRET_ACCESS_KEY"],
        # explicit: botocore would otherwise take AWS_CA_BUNDLE (the system bundle here)
        verify=env.get("S3_CA_BUNDLE") or True,
        config=Config(**kw))


# ---- data ---------------------------------------------------------------------------------

def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def random_bytes(size, seed=None):
    """size random bytes; reproducible when seed is given."""
    if seed is None:
        return os.urandom(size)
    return random.Random(seed).randbytes(size)


def random_file(path, size, seed=None):
    """Write size random bytes to path (1 MiB at a time); return their SHA-256 (hex)."""
    h = hashlib.sha256()
    rng = random.Random(seed) if seed is not None else None
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            b = rng.randbytes(n) if rng else os.urandom(n)
            f.write(b)
            h.update(b)
            left -= n
    return h.hexdigest()


def unique_name(prefix="raws3"):
    """A fresh bucket-safe name: lowercase, 3..63 chars."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}".lower()[:63]


def unique_prefix(label="t"):
    """A fresh key prefix ending in '/', for one test's objects in a shared bucket."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in label)[:40]
    return f"raws3-it/{safe}-{uuid.uuid4().hex[:10]}/"


# ---- cleanup ------------------------------------------------------------------------------

def _warn(msg):
    print(f"[harness] warning: {msg}", file=sys.stderr)


def _error_code(e):
    return getattr(e, "response", {}).get("Error", {}).get("Code", "")


def _list_all(s3, method, result_key, bucket, prefix, **kw):
    """All entries of a paginated listing under prefix. moto (with signature checks on)
    refuses any query value containing '/' (SignatureDoesNotMatch): then list the whole
    bucket and filter here."""
    def run(pfx):
        out = []
        for page in s3.get_paginator(method).paginate(Bucket=bucket, Prefix=pfx, **kw):
            out += [x for x in page.get(result_key, []) if x["Key"].startswith(prefix)]
        return out
    try:
        return run(prefix)
    except Exception as e:  # noqa: BLE001
        if "/" in prefix and _error_code(e) == "SignatureDoesNotMatch":
            return run("")
        raise


def json_results(stdout):
    """s3-cli --json's result records (one JSON object a line) and its closing summary."""
    lines = [json.loads(line) for line in (stdout.decode() if isinstance(stdout, bytes) else stdout).splitlines()]
    assert lines and "summary" in lines[-1], f"no summary line last: {lines[-1:]}"
    return lines[:-1], lines[-1]["summary"]


def list_keys(s3, bucket, prefix=""):
    """Every key under prefix, every page of the listing read."""
    return [o["Key"] for o in _list_all(s3, "list_objects_v2", "Contents", bucket, prefix)]


def list_uploads(s3, bucket, prefix=""):
    """Keys with a multipart upload neither completed nor aborted under prefix, every page read; None
    where the server cannot list uploads (s3rver: NotImplemented)."""
    try:
        return [u["Key"] for u in _list_all(s3, "list_multipart_uploads", "Uploads", bucket, prefix)]
    except Exception as e:  # noqa: BLE001
        if _error_code(e) == "NotImplemented":
            return None
        raise


def abort_uploads(s3, bucket, prefix=""):
    """Abort every unfinished multipart upload under prefix (best effort; s3rver cannot list
    uploads: NotImplemented, ignored)."""
    try:
        uploads = _list_all(s3, "list_multipart_uploads", "Uploads", bucket, prefix)
    except Exception as e:  # noqa: BLE001 -- cleanup must not mask the test result
        if _error_code(e) != "NotImplemented":
            _warn(f"list uploads in {bucket}/{prefix}: {e}")
        return
    for u in uploads:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
        except Exception as e:  # noqa: BLE001
            _warn(f"abort {u['Key']}: {e}")


def delete_prefix(s3, bucket, prefix):
    """Delete every object under prefix, and abort uploads there (best effort)."""
    abort_uploads(s3, bucket, prefix)
    try:
        # One DeleteObject per key: every server here supports it (multi-object delete needs a
        # Content-MD5/checksum that not every server version handles alike).
        for o in _list_all(s3, "list_objects_v2", "Contents", bucket, prefix):
            s3.delete_object(Bucket=bucket, Key=o["Key"])
    except Exception as e:  # noqa: BLE001
        _warn(f"delete {bucket}/{prefix}*: {e}")


def delete_bucket(s3, bucket):
    """Empty and delete a bucket (best effort)."""
    delete_prefix(s3, bucket, "")
    try:
        s3.delete_bucket(Bucket=bucket)
    except Exception as e:  # noqa: BLE001
        _warn(f"delete bucket {bucket}: {e}")


# ---- SigV4 presigned URL check (offline) --------------------------------------------------

def _uri_encode(s, keep_slash=False):
    """SigV4 URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX (uppercase hex)."""
    return urllib.parse.quote(s, safe="/" if keep_slash else "", encoding="utf-8", errors="strict")


def _parse_query(query):
    """Query pairs, percent-decoded; '+' stays '+' (SigV4 has no form encoding)."""
    pairs = []
    for item in query.split("&") if query else []:
        k, _, v = item.partition("=")
        pairs.append((urllib.parse.unquote(k, errors="strict"), urllib.parse.unquote(v, errors="strict")))
    return pairs


def canonical_s3_path(path):
    """The canonical (once-encoded) form of an S3 request path, from its raw URL form."""
    return _uri_encode(urllib.parse.unquote(path, errors="strict"), keep_slash=True)


def check_presigned_url(url, access_key, secret, region=None, now=None):
    """Verify a SigV4 query-signed ("presigned") S3 GET URL without a server.
    Returns the parsed query dict; raises AssertionError naming what is wrong."""
    import datetime
    u = urllib.parse.urlsplit(url)
    assert u.scheme in ("http", "https"), f"not an http(s) URL: {url}"
    assert not u.fragment, f"URL has a fragment: {url}"
    pairs = _parse_query(u.query)
    q = dict(pairs)
    assert len(q) == len(pairs), f"repeated query parameters: {u.query}"
    for k in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
              "X-Amz-SignedHeaders", "X-Amz-Signature"):
        assert k in q, f"{k} missing from {url}"
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256", q["X-Amz-Algorithm"]
    ak, date, cred_region, service, term = q["X-Amz-Credential"].split("/")
    assert ak == access_key, f"credential names {ak}, expected {access_key}"
    assert service == "s3" and term == "aws4_request", q["X-Amz-Credential"]
    if region:
        assert cred_region == region, f"credential region {cred_region}, expected {region}"
    amzdate = q["X-Amz-Date"]
    t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    assert amzdate[:8] == date, f"X-Amz-Date {amzdate} vs credential date {date}"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - t).total_seconds()) < 900, f"X-Amz-Date {amzdate} is far from now"
    expires = int(q["X-Amz-Expires"])
    assert 1 <= expires <= 604800, f"X-Amz-Expires {expires} outside 1..604800"
    assert q["X-Amz-SignedHeaders"] == "host", \
        f"only host can be signed in a URL fetched by a plain client: {q['X-Amz-SignedHeaders']}"
    sig = q["X-Amz-Signature"]
    assert len(sig) == 64 and all(c in "0123456789abcdef" for c in sig), f"bad signature {sig}"
    path = u.path or "/"
    canon_path = canonical_s3_path(path)
    assert path == canon_path, \
        f"path not in canonical encoding: {path!r}, expected {canon_path!r}"
    canon_query = "&".join(f"{k}={v}" for k, v in sorted(
        (_uri_encode(k), _uri_encode(v)) for k, v in pairs if k != "X-Amz-Signature"))
    host = u.hostname if ":" not in (u.hostname or "") else f"[{u.hostname}]"
    if u.port and not ((u.scheme, u.port) in (("http", 80), ("https", 443))):
        host = f"{host}:{u.port}"
    creq = "\n".join(["GET", canon_path, canon_query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"])
    scope = f"{date}/{cred_region}/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (date, cred_region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, sig), \
        f"signature mismatch: URL has {sig}, expected {want}\ncanonical request:\n{creq}"
    return q


# ---- processes, ports, HTTP ---------------------------------------------------------------

def closed_port():
    """A loopback TCP port nothing listens on (bound and released: racy, but only to be refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def curl(*args, ca=None, timeout=60):
    """Run curl (no AWS_* env, --cacert CA if given); returns CompletedProcess (bytes)."""
    if not shutil.which("curl"):
        raise unittest.SkipTest("curl not installed")
    argv = (["curl", "-sS", "--noproxy", "*", "--max-time", str(timeout)] + (["--cacert", ca] if ca else [])
            + [str(a) for a in args])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CURL_", "SSL_CERT"))}
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 10, env=env)


def http_status(url, ca=None):
    """The HTTP status a plain GET of url gets (body discarded), via curl."""
    r = curl("-o", os.devnull, "-w", "%{http_code}", url, ca=ca)
    return int(r.stdout.decode() or 0)


# ---- TestCase base ------------------------------------------------------------------------

class ServerTestCase(unittest.TestCase):
    """Base for tests against one server: set SERVER = "s3rver" (etc.) on the subclass.
    Gives self.env, self.s3 (boto3), self.bucket (the server's bucket), self.tmp (a temporary
    directory removed after the test), self.prefix() (a unique key prefix, cleaned up)."""
    SERVER = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.SERVER is None:
            raise unittest.SkipTest("abstract test class")
        if left_out(cls.SERVER):
            raise unittest.SkipTest(f"{cls.SERVER} left out by RAWS3_SKIP_SERVERS")
        cls.env = server_env(cls.SERVER)
        cls.s3 = boto3_client(cls.env)
        cls.bucket = cls.env["S3_BUCKET"]

    def setUp(self):
        super().setUp()
        d = tempfile.TemporaryDirectory(prefix="raws3-it-")
        self.addCleanup(d.cleanup)
        self.tmp = Path(d.name)

    def prefix(self, label=None):
        p = unique_prefix(label or self._testMethodName)
        self.addCleanup(delete_prefix, self.s3, self.bucket, p)
        return p

    def make_bucket(self):
        """A new empty bucket, deleted (with its content) after the test."""
        b = unique_name("raws3-it")
        self.s3.create_bucket(Bucket=b)
        self.addCleanup(delete_bucket, self.s3, b)
        return b

    def cli(self, *args, **kw):
        """run_cli against this test's server: its credentials, and its endpoint, region and CA
        as global options."""
        kw.setdefault("global_args", True)
        return run_cli(*args, env=self.env, **kw)

    def url(self, key="", bucket=None):
        return f"s3://{bucket or self.bucket}/{key}"

    def keys(self, prefix, bucket=None):
        """Every key under prefix, sorted (every page read)."""
        return sorted(list_keys(self.s3, bucket or self.bucket, prefix))

    def assertCliOk(self, res, msg=None):
        if res.rc != 0:
            self.fail((msg + "\n" if msg else "") + "s3-cli failed:\n" + res.describe())

    def assert_local_tree(self, root, digests):
        """The regular files under root are exactly digests' relative paths, each with its SHA-256."""
        self.assertEqual(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()),
                         sorted(digests))
        for rel, digest in digests.items():
            self.assertEqual(sha256_file(root / rel), digest, rel)


def server_variants(mixin, servers, namespace):
    """Make one TestCase per server from a mixin of test methods: `class Foo_s3rver(mixin,
    ServerTestCase)` with SERVER = "s3rver", etc., put into namespace (a module's globals())."""
    for name in (s for s in servers if not left_out(s)):
        cls_name = f"{mixin.__name__}_{name.replace('-', '_')}"
        namespace[cls_name] = type(cls_name, (mixin, ServerTestCase), {
            "SERVER": name, "__module__": namespace.get("__name__", mixin.__module__),
            "__qualname__": cls_name})


def exit_status(result):
    """0 passed, 1 a failure/error (or nothing matched), 77 everything skipped (meson: SKIP)."""
    if not result.wasSuccessful():
        return 1
    # A class skipped in setUpClass (server down) is one entry in .skipped and adds nothing to
    # testsRun; a skipped test method is in both.
    method_skips = sum(1 for t, _ in result.skipped if isinstance(t, unittest.TestCase))
    if result.testsRun - method_skips == 0:
        if not result.skipped:
            print("no test matched", file=sys.stderr)
            return 1
        reasons = sorted({r for _, r in result.skipped})
        print("everything skipped: " + "; ".join(reasons[:5]), file=sys.stderr)
        return 77
    return 0


def main():
    """Entry point for `python3 tests/integration/test_x.py [unittest args]`: exit status 1 on
    any failure, 77 when every test was skipped (meson shows SKIP), else 0."""
    prog = unittest.main(module="__main__", verbosity=2, exit=False)
    sys.exit(exit_status(prog.result))
