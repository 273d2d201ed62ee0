"""`pip install .` on this machine: the README's way (a venv over Debian's site packages, Debian's
meson-python and pybind11 building it), from a copy of the source tree; the installed package then moves
bytes, and its fsspec entry point is found."""

import json
import os
import shutil
import subprocess
import sys
import textwrap


from conftest import REPO

CHECK = textwrap.dedent("""
    import json, os, sys
    import raws3, fsspec
    env = json.loads(sys.argv[1])
    assert raws3.__file__.startswith(sys.prefix), raws3.__file__  # the installed copy, not the build's
    c = raws3.Client(endpoint_url=env["S3_ENDPOINT"], region=env["AWS_DEFAULT_REGION"],
                     aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    data = os.urandom(6 << 20)
    uri = f"s3://{env['S3_BUCKET']}/py-pip-install-check"
    c.put_bytes(uri, data)
    assert bytes(c.get_bytes_view(uri)) == data
    c.delete(uri)
    assert fsspec.get_filesystem_class("raws3").__name__ == "RawS3FileSystem"
    print("ok")
""")


def source_copy(dest):
    """The tracked files (a clean checkout's), or the tree without build directories."""
    try:
        files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True,
                               timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns("build*", ".git"))
        return
    for f in filter(None, files):
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(REPO / f, os.path.join(dest, f))


def test_pip_install_then_use(one_server, tmp_path):
    src, venv = tmp_path / "src", tmp_path / "venv"
    source_copy(src)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-deps",
                          "--no-index", "--config-settings=setup-args=-Dtests=false",
                          "--config-settings=setup-args=-Dperf=false",
                          "--config-settings=setup-args=-Dmpi=disabled",
                          # Two jobs: it shares the two cores with the tests running beside it.
                          "--config-settings=compile-args=-j2",
                          # What is checked is the install, not the speed: no optimizer passes to wait for.
                          "--config-settings=setup-args=-Doptimization=0", str(src)],
                         capture_output=True, text=True, timeout=1200)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK, json.dumps(one_server)], capture_output=True,
                         text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert (venv / "bin" / "s3-cli").exists()  # the wheel carries the command too
