#!/usr/bin/env python3
"""A loopback stand-in for the places AWS hands out temporary credentials, for the credential tests:
EC2 instance metadata (IMDSv2), a container credentials endpoint, and STS's AssumeRoleWithWebIdentity.

    python3 metadata_server.py [--port 0]   prints "metadata_server listening on http://127.0.0.1:PORT" once ready

Served:
    PUT  /latest/api/token                               a session token; needs x-aws-ec2-metadata-token-ttl-seconds
    GET  /latest/meta-data/iam/security-credentials/     the role name      } 401 without the token's
    GET  /latest/meta-data/iam/security-credentials/ROLE the next credentials } x-aws-ec2-metadata-token
    GET  /container/...                                  the next credentials; 403 unless Authorization is the token set
    POST /   Action=AssumeRoleWithWebIdentity            the next credentials; 400 if signed or the token is not the one set
Control, outside those paths:
    POST   /_credentials  [{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}, ...]: handed out in order, the
                          last one again and again
    POST   /_config       {"authorization": "...", "web_identity_token": "...", "role": "...", "fail": n}
                          fail: the next n credential answers are 500s
    GET    /_log          every request so far: [{"method", "path", "headers" (lower-cased names), "body"}]
    DELETE /_log
"""
import argparse
import json
import socketserver
import threading
import urllib.parse
import uuid
import xml.sax.saxutils
from http.server import BaseHTTPRequestHandler

ROLES_PATH = "/latest/meta-data/iam/security-credentials/"


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.credentials = []
        self.served = 0
        self.tokens = set()
        self.config = {"authorization": None, "web_identity_token": None, "role": "raws3-test-role", "fail": 0}
        self.log = []

    def next_credentials(self):
        """The next set, or None when the test asked for a failure (or gave none)."""
        with self.lock:
            if self.config["fail"] > 0:
                self.config["fail"] -= 1
                return None
            if not self.credentials:
                return None
            c = self.credentials[min(self.served, len(self.credentials) - 1)]
            self.served += 1
            return c


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, format, *args):  # noqa: A002 -- the base class's name
        pass

    def do_GET(self):
        self.dispatch()

    do_PUT = do_POST = do_DELETE = do_GET

    def reply(self, status, body=b"", content_type="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_"):
            return self.control(path, body)
        with self.state.lock:
            self.state.log.append({"method": self.command, "path": self.path, "body": body.decode(errors="replace"),
                                   "headers": {k.lower(): v for k, v in self.headers.items()}})
        if path == "/latest/api/token" and self.command == "PUT":
            if not self.headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "missing x-aws-ec2-metadata-token-ttl-seconds")
            token = "imds-token-" + uuid.uuid4().hex
            with self.state.lock:
                self.state.tokens.add(token)
            return self.reply(200, token)
        if path.startswith(ROLES_PATH) and self.command == "GET":
            with self.state.lock:
                known = self.headers.get("x-aws-ec2-metadata-token") in self.state.tokens
                role = self.state.config["role"]
            if not known:
                return self.reply(401, "")
            if path == ROLES_PATH:
                return self.reply(200, role)
            if path != ROLES_PATH + role:
                return self.reply(404, "")
            return self.credentials_json(dict(Code="Success", LastUpdated="2025-01-01T00:00:00Z", Type="AWS-HMAC"))
        if path.startswith("/container/") and self.command == "GET":
            with self.state.lock:
                wanted = self.state.config["authorization"]
            if wanted is not None and self.headers.get("Authorization") != wanted:
                return self.reply(403, json.dumps({"code": "AccessDenied", "message": "bad authorization token"}))
            return self.credentials_json({"RoleArn": "arn:aws:iam::123456789012:role/container"})
        if path == "/" and self.command == "POST":
            return self.web_identity(dict(urllib.parse.parse_qsl(body.decode())))
        return self.reply(404, "no such path")

    def credentials_json(self, extra):
        c = self.state.next_credentials()
        if c is None:
            return self.reply(500, "no credentials to hand out")
        return self.reply(200, json.dumps(dict(extra, **c)), "application/json")

    def web_identity(self, form):
        def error(status, code, message):
            return self.reply(status, f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
                                      f'<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>'
                                      f'<RequestId>1</RequestId></ErrorResponse>', "text/xml")
        if form.get("Action") != "AssumeRoleWithWebIdentity" or form.get("Version") != "2011-06-15":
            return error(400, "InvalidAction", "not AssumeRoleWithWebIdentity")
        if "Authorization" in self.headers:
            return error(400, "InvalidRequest", "AssumeRoleWithWebIdentity is not signed")
        with self.state.lock:
            wanted = self.state.config["web_identity_token"]
        if form.get("WebIdentityToken") != wanted:
            return error(400, "InvalidIdentityToken", "the token is not the one issued")
        if not form.get("RoleArn") or not form.get("RoleSessionName"):
            return error(400, "MissingParameter", "RoleArn and RoleSessionName are required")
        c = self.state.next_credentials()
        if c is None:
            return error(500, "InternalFailure", "no credentials to hand out")
        e = xml.sax.saxutils.escape
        return self.reply(200, '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                               '<AssumeRoleWithWebIdentityResult><Credentials>'
                               f'<AccessKeyId>{e(c["AccessKeyId"])}</AccessKeyId>'
                               f'<SecretAccessKey>{e(c["SecretAccessKey"])}</SecretAccessKey>'
                               f'<SessionToken>{e(c["Token"])}</SessionToken>'
                               f'<Expiration>{e(c["Expiration"])}</Expiration></Credentials>'
                               f'<AssumedRoleUser><Arn>{e(form["RoleArn"])}/{e(form["RoleSessionName"])}</Arn>'
                               '</AssumedRoleUser></AssumeRoleWithWebIdentityResult>'
                               '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>'
                               '</AssumeRoleWithWebIdentityResponse>', "text/xml")

    def control(self, path, body):
        s = self.state
        with s.lock:
            if path == "/_credentials" and self.command == "POST":
                s.credentials, s.served = json.loads(body), 0
                result = len(s.credentials)
            elif path == "/_config" and self.command == "POST":
                s.config.update(json.loads(body))
                result = s.config
            elif path == "/_log" and self.command == "DELETE":
                s.log.clear()
                result = []
            elif path == "/_log":
                result = list(s.log)
            else:
                return self.reply(404, "no such control endpoint")
        self.reply(200, json.dumps(result), "application/json")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.state = State()
    with Server(("127.0.0.1", args.port), Handler) as server:
        print(f"metadata_server listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
