"""Memory stays where zero copy puts it: a 256 MiB get_bytes_view costs the object and little more, a
512 MiB put_bytes of a numpy array little beyond the array. Measured in a fresh interpreter (psutil for
the baseline, the kernel's peak RSS for the high-water mark)."""

import json
import os
import subprocess
import sys
import textwrap

from conftest import MiB

SCRIPT = textwrap.dedent("""
    import json, os, resource, sys
    import numpy as np, psutil
    import raws3
    env = json.loads(sys.argv[1]); what = sys.argv[2]; uri = sys.argv[3]; size = int(sys.argv[4])
    c = raws3.Client(endpoint_url=env["S3_ENDPOINT"], region=env["AWS_DEFAULT_REGION"],
                     aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    c.put_bytes(uri + ".warm", b"x" * 1000); c.get_bytes_view(uri + ".warm")  # loops and pools up
    if what == "put":
        array = np.random.default_rng(0).integers(0, 255, size=size, dtype=np.uint8)
    base = psutil.Process().memory_info().rss
    if what == "get":
        view = c.get_bytes_view(uri)
        assert len(view) == size
    else:
        c.put_bytes(uri, array)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"base": base, "peak": peak}))
""")


def measure(server, what, uri, size):
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(server), what, uri, str(size)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_256_mib_view_costs_the_object_and_at_most_32_mib_more(one_server, one_client, one_base):
    size = 256 * MiB
    uri = one_base + "view"
    one_client.put_bytes(uri, os.urandom(size))
    m = measure(one_server, "get", uri, size)
    assert m["peak"] - m["base"] <= size + 32 * MiB, (m["peak"] - m["base"]) / MiB


def test_a_512_mib_put_of_an_array_costs_at_most_64_mib_beyond_it(one_server, one_client, one_base):
    size = 512 * MiB
    uri = one_base + "put"
    m = measure(one_server, "put", uri, size)
    assert m["peak"] - m["base"] <= 64 * MiB, (m["peak"] - m["base"]) / MiB
    assert one_client.stat(uri).size == size
