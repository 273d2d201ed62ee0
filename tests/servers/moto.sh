#!/usr/bin/env bash
# moto's S3 mock (`python3 -m moto.server`, moto 5.x) on http://127.0.0.1:5000 with SigV4 checks ON.
#
#   tests/servers/moto.sh start|stop|restart|status
#
# start is idempotent: a healthy running server is left alone. A real start gives a fresh,
# empty moto with one bucket and new credentials (moto makes the access key; read them from the
# env file). State: $RAWS3_TEST_STATE/moto/{pid,log,env} (default /tmp/raws3-test).
#
# Knobs: RAWS3_MOTO_PORT (5000), RAWS3_MOTO_BUCKET (raws3-test), RAWS3_MOTO_AUTH (1; 0 = moto's
#        default of accepting anything), RAWS3_PYTHON (python3 from PATH: needs moto + boto3).
#
# Signature checks: moto only checks SigV4 once IAM has a user. The recipe: start with auth off,
# create an IAM user with an allow-all policy and an access key, create the bucket, then
# POST /moto-api/reset-auth "0" (auth on from the next request).
# Quirks with auth on: every presigned GET -> 500 (moto bug); '/', '+', '%' or non-ASCII in a query
# value or key -> 403 SignatureDoesNotMatch (its canonicalization differs); x-amz-content-sha256,
# chunk signatures and Content-MD5 are not checked; a ranged GET costs the whole object.
# The 5 MiB multipart minimum is kept (S3_UPLOAD_PART_MIN_SIZE is pinned to moto's default,
# so a value inherited from the caller's environment cannot lower it).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=moto
PORT=${RAWS3_MOTO_PORT:-5000}
BUCKET=${RAWS3_MOTO_BUCKET:-raws3-test}
AUTH=${RAWS3_MOTO_AUTH:-1}
PY=${RAWS3_PYTHON:-python3}
DIR=$STATE_ROOT/$NAME
# moto spools request/object bodies above ~5 MiB to TMPDIR: keep that on tmpfs.
SPOOL=$SHM_ROOT/moto-spool
PATTERN="moto.server -H 127.0.0.1 -p $PORT"
URL=http://127.0.0.1:$PORT

# Any HTTP answer will do (with auth on, an unsigned request gets an error status). Not
# /moto-api/data.json: it serialises every stored object (slow) and answers 500 once moto's
# model has an upload whose bucket is gone.
running() { pid_matches "$DIR/pid" "$PATTERN" && http_answers "$URL/"; }

check_python() {
  # find_spec, not import: importing moto.server costs seconds.
  "$PY" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("moto", "boto3", "flask", "werkzeug")))' 2>/dev/null && return 0
  log "$PY lacks moto[server]/boto3; trying pip (needs PyPI)"
  "$PY" -m pip install --quiet --retries 0 --timeout 20 'moto[server]>=5,<6' boto3 >&2 ||
    die "install them: $PY -m pip install 'moto[server]>=5,<6' boto3   (or set RAWS3_PYTHON)"
}

start() {
  lock_state "$DIR"
  if running; then
    log "already running (pid $(cat "$DIR/pid")): $URL"
    [ -f "$DIR/env" ] || die "moto runs but $DIR/env is gone: run '$0 restart'"
    return 0
  fi
  stop_locked
  check_python
  port_busy "$PORT" && die "port $PORT is in use by another program"
  local t0
  t0=$(now_ms)
  mkdir -p "$SPOOL"
  : >"$DIR/log"
  # -u: unbuffered, so the log is current when a test fails.
  TMPDIR=$SPOOL S3_UPLOAD_PART_MIN_SIZE=5242880 \
    spawn "$DIR/pid" "$DIR/log" "$PY" -u -m moto.server -H 127.0.0.1 -p "$PORT"
  # The bootstrap imports boto3 (~1 s) while moto imports itself (~2.5 s), then waits for it.
  if ! "$PY" - "$URL" "$BUCKET" "$AUTH" "$DIR/env" "$(cat "$DIR/pid")" >>"$DIR/log" 2>&1 <<'EOF'
import json, os, sys, time, urllib.error, urllib.request
import boto3
url, bucket, auth, envfile, pid = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 60
while True:
    try:
        opener.open(url + "/", timeout=2).close()
        break
    except urllib.error.HTTPError:
        break                      # any HTTP answer: moto is serving
    except OSError:
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit("moto exited during startup")
        if time.monotonic() > deadline:
            sys.exit("moto did not answer within 60 s")
        time.sleep(0.05)
kw = dict(endpoint_url=url, region_name="us-east-1",
          aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
if auth:
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="raws3")
    iam.put_user_policy(UserName="raws3", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="raws3")["AccessKey"]
    ak, sk = key["AccessKeyId"], key["SecretAccessKey"]
else:
    ak, sk = "raws3-any", "raws3-any"   # auth off: any key is accepted
boto3.client("s3", **kw).create_bucket(Bucket=bucket)
if auth:
    # From the next request on, every request needs a valid SigV4 signature. text/plain:
    # a form content type would make moto parse (and eat) the body.
    urllib.request.urlopen(urllib.request.Request(
        f"{url}/moto-api/reset-auth", data=b"0", method="POST",
        headers={"Content-Type": "text/plain"}), timeout=10).read()
    # Prove it: a wrong secret must now be refused.
    bad = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=ak, aws_secret_access_key=sk + "x")
    try:
        bad.head_bucket(Bucket=bucket)
        sys.exit("moto accepted a wrong secret after reset-auth: signature checks are OFF")
    except bad.exceptions.ClientError:
        pass
    boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id=ak, aws_secret_access_key=sk).head_bucket(Bucket=bucket)
lines = [f"export {k}='{v}'\n" for k, v in (
    ("S3_ENDPOINT", url), ("AWS_ACCESS_KEY_ID", ak), ("AWS_SECRET_ACCESS_KEY", sk),
    ("AWS_DEFAULT_REGION", "us-east-1"), ("S3_BUCKET", bucket))]
with open(envfile + ".tmp", "w") as f:
    f.write("# written by tests/servers/moto.sh\n" + "".join(lines))
os.replace(envfile + ".tmp", envfile)
EOF
  then
    tail -n 30 "$DIR/log" >&2
    stop_locked
    die "moto did not start, or its bootstrap (IAM user, bucket, reset-auth) failed"
  fi
  running || { tail -n 30 "$DIR/log" >&2; stop_locked; die "moto is not answering on $URL"; }
  refresh_tls_env "$NAME"
  log "up in $(( $(now_ms) - t0 )) ms: $URL pid $(cat "$DIR/pid") bucket $BUCKET auth=$AUTH"
}

stop_locked() {
  rm -f "$DIR/env"
  drop_tls_env "$NAME"
  stop_pidfile "$DIR/pid" "$PATTERN" 10
  rm -rf "$SPOOL"
}

server_main "$@"
