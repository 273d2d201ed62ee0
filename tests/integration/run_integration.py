#!/usr/bin/env python3
"""Run librawS3's integration tests (stdlib unittest; needs a python3 with boto3).

  python3 tests/integration/run_integration.py [options] [TEST...]

TEST: module names or dotted test names (test_presign, test_presign.PresignOffline,
test_presign.PresignMixin_s3rver.test_tampered_signature_is_refused); default: every
tests/integration/test_*.py.

Options:
  -k PATTERN        only tests whose name contains PATTERN (repeatable; unittest's -k)
  --servers LIST    comma-separated servers (s3rver,moto,tls,rgw or "all") to start before the
                    tests if they are not running; the ones started here are stopped afterwards.
                    Also: RAWS3_START_SERVERS=LIST.
  -q / -v           less / more output
  --failfast        stop at the first failure

Environment: RAWS3_CLI (s3-cli binary), RAWS3_TEST_STATE, RAWS3_REQUIRE_SERVERS=1 (a missing
server fails instead of skipping) -- see harness.py.

Exit status: 0 all passed (some may be skipped), 1 a failure or error (or no test matched),
77 everything was skipped (meson reports that as SKIP). Each test_*.py run directly exits alike.

From meson:
  test('integration-presign', find_program('python3'),
       args: [files('run_integration.py'), 'test_presign'],
       env: {'RAWS3_CLI': s3cli.full_path()}, timeout: 300)
"""
import argparse
import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

ALL_SERVERS = ["s3rver", "moto", "tls", "rgw", "minio"]


def script(name):
    return str(harness.SERVERS_DIR / f"{name}.sh")


def ensure_servers(names):
    """Start the servers that are down; return the ones this call started."""
    started = []
    down = [n for n in names
            if subprocess.run([script(n), "status"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode != 0]
    if down:
        print(f"[run_integration] starting {', '.join(down)} ...", file=sys.stderr, flush=True)
        t = time.monotonic()
        r = subprocess.run([script("all"), "start", *down], stdout=sys.stderr, stderr=sys.stderr)
        started = down
        if r.returncode != 0:
            print("[run_integration] some servers failed to start (their tests will skip or fail)",
                  file=sys.stderr)
        print(f"[run_integration] servers started in {time.monotonic() - t:.1f} s", file=sys.stderr)
    # Their env files are new: forget what the harness probed before.
    harness._server_env_cached.cache_clear()
    return started


def stop_servers(names):
    if names:
        print(f"[run_integration] stopping {', '.join(names)}", file=sys.stderr, flush=True)
        subprocess.run([script("all"), "stop", *names], stdout=sys.stderr, stderr=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tests", nargs="*")
    ap.add_argument("-k", dest="patterns", action="append", default=[])
    ap.add_argument("--servers", default=os.environ.get("RAWS3_START_SERVERS", ""))
    ap.add_argument("-q", dest="verbosity", action="store_const", const=1, default=2)
    ap.add_argument("-v", dest="verbosity", action="store_const", const=2)
    ap.add_argument("--failfast", action="store_true")
    a = ap.parse_args(argv)

    servers = []
    for s in filter(None, (x.strip() for x in a.servers.split(","))):
        servers += ALL_SERVERS if s == "all" else [s]
    unknown = [s for s in servers if s not in ALL_SERVERS]
    if unknown:
        ap.error(f"unknown server(s) {unknown}; known: {ALL_SERVERS}")

    loader = unittest.TestLoader()
    if a.patterns:
        loader.testNamePatterns = [p if "*" in p else f"*{p}*" for p in a.patterns]
    if a.tests:
        suite = loader.loadTestsFromNames([t[:-3] if t.endswith(".py") else t for t in a.tests])
    else:
        suite = loader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))

    try:
        import boto3  # noqa: F401
    except ImportError:
        print(f"[run_integration] {sys.executable} has no boto3: run the tests with the python3 that "
              "has boto3 and moto (the image's python3 on PATH, not Debian's /usr/bin/python3)",
              file=sys.stderr)
        return 1

    cli = os.environ.get("RAWS3_CLI") or str(harness.REPO / "build" / "tools" / "s3-cli")
    print(f"[run_integration] s3-cli: {cli}{'' if os.path.exists(cli) else ' (missing)'}; "
          f"state: {harness.STATE}; require servers: {harness.require_servers()}", file=sys.stderr)

    started = ensure_servers(servers) if servers else []
    try:
        result = unittest.TextTestRunner(verbosity=a.verbosity, failfast=a.failfast,
                                         stream=sys.stderr).run(suite)
    finally:
        stop_servers(started)

    return harness.exit_status(result)


if __name__ == "__main__":
    sys.exit(main())
