"""Starts tests/fake_credentials/metadata_server.py (fake instance metadata, container endpoint and STS web
identity) on a free loopback port, and talks to it.

    server = metadata_server.start()        # server.stop() when done
    server.hand_out([credentials(...), ...]) # handed out in order, the last one again and again
    server.log()                             # every request it got
"""
import datetime
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "fake_credentials" / "metadata_server.py"


def iso(when):
    """An ISO 8601 UTC time, as AWS writes Expiration, for a datetime or epoch seconds."""
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def credentials(access_key, secret, token, expiration):
    """One set as the server hands it out; expiration: a datetime or epoch seconds."""
    return {"AccessKeyId": access_key, "SecretAccessKey": secret, "Token": token, "Expiration": iso(expiration)}


class MetadataServer:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(SCRIPT), "--port", "0"], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if " on http://" not in line:
            self.process.kill()
            raise RuntimeError(f"metadata_server.py did not start: {line!r}")
        self.url = line.split(" on ", 1)[1].strip()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()

    def control(self, method, path, doc=None):
        data = json.dumps(doc).encode() if doc is not None else None
        with self.opener.open(urllib.request.Request(self.url + path, data=data, method=method), timeout=10) as r:
            return json.loads(r.read())

    def hand_out(self, sets):
        self.control("POST", "/_credentials", sets)

    def configure(self, **config):
        """authorization (the container token it wants), web_identity_token, role, fail (next n answers 500)."""
        self.control("POST", "/_config", config)

    def log(self):
        return self.control("GET", "/_log")

    def clear_log(self):
        self.control("DELETE", "/_log")


def start():
    return MetadataServer()
