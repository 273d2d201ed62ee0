"""Credentials that last, from where AWS users have them (issue #12): instance metadata (IMDSv2), container
endpoints, assume-role profiles and web identity through STS, refreshed in the middle of a transfer; an
unreadable ~/.aws that is not needed; --no-sign-request.

Everything is on loopback: a fake instance metadata / container / web identity server
(tests/fake_credentials/metadata_server.py), the fault server (which records the access key of every request
and refuses keys past their expiry, as S3 does), and moto's STS (signature checks on) for AssumeRole. moto
cannot serve AssumeRoleWithWebIdentity with its checks on (it fails on the unsigned request), so the fake
answers that, with credentials moto's STS issued, which moto then checks on every S3 request.
"""
import json
import os
import shutil
import subprocess
import time
import unittest
import uuid

import fault_server
import harness
import metadata_server
from harness import MiB
from test_cli_errors import OneLineErrors

ROLES = "/latest/meta-data/iam/security-credentials/"


def without_aws_files(tmp):
    """Variables that leave s3-cli no credentials of its own: no keys, an empty HOME, metadata enabled."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "HOME": str(home),
            "AWS_EC2_METADATA_DISABLED": None}


class MetadataTestCase(OneLineErrors, fault_server.FaultServerTestCase):
    """A fault server and a fake metadata server for the class; s3-cli gets no credentials of its own."""
    BUCKET = "credentials"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.metadata = metadata_server.start()

    @classmethod
    def tearDownClass(cls):
        cls.metadata.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.metadata.clear_log()
        self.metadata.configure(authorization=None, fail=0)
        self.base_env = without_aws_files(self.tmp)

    def cli(self, *args, timeout=60, **extra_env):
        env = dict(self.base_env, RAWS3_MAX_ATTEMPTS="3", **extra_env)
        return harness.run_cli(*args, env=self.server.env, global_args=True, extra_env=env, timeout=timeout)

    def keys_used(self):
        return [e["access_key"] for e in self.server.log()]

    def round_trip(self, size=100_000, **extra_env):
        """put then cat of an object through s3-cli; asserts the bytes came back."""
        data = harness.random_bytes(size, seed=self.key)
        src = self.tmp / "src.bin"
        src.write_bytes(data)
        url = f"s3://{self.BUCKET}/{self.key}"
        self.assertCliOk(self.cli("put", src, url, **extra_env))
        res = self.cli("cat", url, **extra_env)
        self.assertCliOk(res)
        self.assertEqual(harness.sha256_bytes(res.stdout), harness.sha256_bytes(data))

    def assertCliOk(self, res):
        self.assertEqual(res.rc, 0, res.describe())


class InstanceMetadata(MetadataTestCase):
    def imds_env(self):
        return {"AWS_EC2_METADATA_SERVICE_ENDPOINT": self.metadata.url + "/"}

    def test_imdsv2_token_first_then_role_and_credentials_with_it(self):
        self.metadata.hand_out([metadata_server.credentials("IMDSKEY", "secret", "token", time.time() + 3600)])
        self.round_trip(**self.imds_env())
        self.assertEqual(set(self.keys_used()), {"IMDSKEY"})
        calls = self.metadata.log()
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("PUT", "/latest/api/token"), ("GET", ROLES), ("GET", ROLES + "raws3-test-role")] * 2,
                         "each s3-cli run: the token, then the role, then its credentials")
        for call in calls:
            if call["method"] == "PUT":
                self.assertEqual(call["headers"].get("x-aws-ec2-metadata-token-ttl-seconds"), "21600")
                self.assertNotIn("x-aws-ec2-metadata-token", call["headers"])
            else:
                self.assertRegex(call["headers"].get("x-aws-ec2-metadata-token", ""), r"^imds-token-")

    def test_disabled_metadata_is_never_asked(self):
        res = self.cli("stat", f"s3://{self.BUCKET}/x", AWS_EC2_METADATA_DISABLED="true", **self.imds_env())
        self.assert_one_line(res, 1, r"no AWS credentials found: looked in explicit options, environment .*, "
                                     r"instance metadata \(disabled by AWS_EC2_METADATA_DISABLED\)$")
        self.assertEqual(self.metadata.log(), [])
        self.assertEqual(self.server.log(), [])

    def test_no_metadata_service_names_every_place_looked_in_quickly(self):
        endpoint = f"http://127.0.0.1:{harness.closed_port()}/"
        started = time.monotonic()
        res = self.cli("stat", f"s3://{self.BUCKET}/x", AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint)
        self.assert_one_line(res, 1, r"no AWS credentials found: looked in explicit options, environment .*"
                                     r"container credentials .*, instance metadata \(" + endpoint +
                                     r": GET .*Connection refused\)$")
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(self.server.log(), [])

    def test_refresh_in_the_middle_of_an_upload(self):
        """The first set lives 6 s and is refused by the server after that; the upload takes about 7 s: it
        goes on with the second set, fetched in the background while parts signed with the first were still
        in flight, and none of them fails."""
        first_expires = time.time() + 6
        self.metadata.hand_out([metadata_server.credentials("FIRSTKEY", "s1", "t1", first_expires),
                                metadata_server.credentials("SECONDKEY", "s2", "t2", time.time() + 3600)])
        self.server.expire({"FIRSTKEY": first_expires})
        # Each part takes a second; the first half of that, so that the two parts in flight are half a
        # second apart: whenever one starts, the other is in the middle of its request.
        self.server.arm("UploadPart", "delay", count=1, seconds=0.5)
        self.server.arm("UploadPart", "delay", count=-1, seconds=1)
        data = harness.random_bytes(14 * 5 * MiB, seed=self.key)
        src = self.tmp / "big.bin"
        src.write_bytes(data)
        url = f"s3://{self.BUCKET}/{self.key}"
        started = time.monotonic()
        self.assertCliOk(self.cli("--part-size", "5MiB", "--inflight", "2", "put", src, url, **self.imds_env()))
        self.assertGreater(time.monotonic() - started, 6, "the upload did not outlive the first credentials")
        log = self.server.log()
        self.assertEqual([e for e in log if e["status"] != 200], [], "a request failed")
        by_key = {}
        for e in log:
            by_key.setdefault(e["access_key"], []).append(e)
        self.assertEqual(set(by_key), {"FIRSTKEY", "SECONDKEY"})
        self.assertEqual(by_key["FIRSTKEY"][0]["op"], "CreateMultipartUpload")
        self.assertEqual(log[-1]["op"], "CompleteMultipartUpload")
        self.assertEqual(log[-1]["access_key"], "SECONDKEY")
        first_second = min(e["started"] for e in by_key["SECONDKEY"])
        self.assertTrue(any(e["ended"] > first_second for e in by_key["FIRSTKEY"]),
                        "no request signed with the first set was in flight when the second came into use")
        self.assertTrue(all(e["started"] <= first_expires for e in by_key["FIRSTKEY"]))
        # One fetch at the start, one refresh: not one per request.
        fetches = [c for c in self.metadata.log() if c["path"] == ROLES + "raws3-test-role"]
        self.assertEqual(len(fetches), 2)
        self.server.disarm()
        res = self.cli("cat", url, **self.imds_env())
        self.assertCliOk(res)
        self.assertEqual(harness.sha256_bytes(res.stdout), harness.sha256_bytes(data))

    def test_credentials_that_expire_unrefreshed_fail_clearly(self):
        # The source is written first and the credentials live 10 s from s3-cli's start: refreshes are due
        # after half of the time left at the first fetch, and end 10% before it, a window of seconds even
        # when a loaded machine is slow to start s3-cli; the upload (14 parts, 1 s each) outlasts it.
        src = self.tmp / "big.bin"
        src.write_bytes(harness.random_bytes(14 * 5 * MiB, seed=self.key))
        self.server.arm("UploadPart", "delay", count=-1, seconds=1)
        self.metadata.hand_out([metadata_server.credentials("SHORTKEY", "s", "t", time.time() + 10)])
        # After the first fetch every answer fails: the refreshes cannot help.
        proc = harness.start_cli(*harness.cli_global_args(self.server.env), "--part-size", "5MiB", "--inflight", "1",
                                 "put", src, f"s3://{self.BUCKET}/{self.key}", env=self.server.env,
                                 extra_env=dict(self.base_env, **self.imds_env()))
        deadline = time.monotonic() + 10
        while not any(c["path"].endswith("raws3-test-role") for c in self.metadata.log()):
            self.assertLess(time.monotonic(), deadline, "s3-cli never fetched credentials")
            time.sleep(0.05)
        self.metadata.configure(fail=1000)
        out, err = proc.communicate(timeout=60)
        # The refreshes that fail while the set still serves are warnings; the failure itself is one line.
        warnings = [line for line in err.decode().splitlines() if line.startswith("s3-cli: warning: ")]
        self.assertTrue(warnings, err.decode())
        for line in warnings:
            self.assertRegex(line, r"^s3-cli: warning: credentials refresh from instance metadata .*HTTP 500 \(the "
                                   r"current ones serve until they expire\)$")
        rest = "".join(line + "\n" for line in err.decode().splitlines() if line not in warnings)
        res = harness.CliResult(proc.returncode, out, rest)
        self.assert_one_line(res, 1, r"credentials from instance metadata \(http://127\.0\.0\.1:\d+/\) expired at "
                                     r"\S+ and could not be refreshed: instance metadata .*HTTP 500")


class ContainerCredentials(MetadataTestCase):
    def container_env(self, token):
        token_file = self.tmp / "token"
        token_file.write_text(token)
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.metadata.url + "/container/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "the file wins over this"}

    def test_full_uri_with_the_authorization_token_file(self):
        self.metadata.configure(authorization="pod-identity-token")
        self.metadata.hand_out([metadata_server.credentials("CONTAINERKEY", "s", "t", time.time() + 3600)])
        self.round_trip(**self.container_env("pod-identity-token"))
        self.assertEqual(set(self.keys_used()), {"CONTAINERKEY"})
        calls = self.metadata.log()
        self.assertEqual({(c["method"], c["path"]) for c in calls}, {("GET", "/container/v1/credentials")})
        self.assertEqual({c["headers"].get("authorization") for c in calls}, {"pod-identity-token"})

    def test_a_refused_token_names_the_endpoint(self):
        self.metadata.configure(authorization="pod-identity-token")
        res = self.cli("stat", f"s3://{self.BUCKET}/x", **self.container_env("stale-token"))
        self.assert_one_line(res, 1, r"container credentials \(http://127\.0\.0\.1:\d+/container/v1/credentials\): "
                                     r"HTTP 403")
        self.assertEqual(len(self.metadata.log()), 3, "botocore's three attempts")
        self.assertEqual(self.server.log(), [])

    def test_a_full_uri_to_another_host_is_refused_before_any_request(self):
        res = self.cli("stat", f"s3://{self.BUCKET}/x", AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds")
        self.assert_one_line(res, 1, r'AWS_CONTAINER_CREDENTIALS_FULL_URI: host "192\.0\.2\.1" is not allowed')


class NoSignRequest(MetadataTestCase):
    def test_unsigned_requests_and_no_credential_provider_consulted(self):
        # Every provider would answer, or fail loudly, if it were asked.
        self.metadata.hand_out([metadata_server.credentials("NOTUSED", "s", "t", time.time() + 3600)])
        aws = self.tmp / "home" / ".aws"
        aws.mkdir()
        (aws / "credentials").mkdir()  # not a file s3-cli could read
        everywhere = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": self.metadata.url + "/",
                      "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.metadata.url + "/container/c"}
        data = harness.random_bytes(50_000, seed=self.key)
        url = f"s3://{self.BUCKET}/{self.key}"
        self.server.put(self.BUCKET, self.key, data)
        res = self.cli("--no-sign-request", "cat", url, **everywhere)
        self.assertCliOk(res)
        self.assertEqual(res.stdout, data)
        src = self.tmp / "up.bin"
        src.write_bytes(data)
        self.assertCliOk(self.cli("--no-sign-request", "put", src, url + ".up", **everywhere))
        self.assertEqual(self.server.get(self.BUCKET, self.key + ".up"), data)
        log = self.server.log()
        self.assertTrue(log)
        self.assertEqual({e["access_key"] for e in log}, {None}, "a request was signed")
        self.assertEqual(self.metadata.log(), [], "a credential provider was asked")
        # Without the flag, the same environment is read: the test would see it.
        self.assert_one_line(self.cli("cat", url, **everywhere), 1, r"cannot read .*/\.aws/credentials")

    def test_presign_needs_credentials(self):
        res = self.cli("--no-sign-request", "presign", f"s3://{self.BUCKET}/k")
        self.assert_one_line(res, 1, r"presign needs credentials, and this client is anonymous")


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"), "needs root and setpriv to run s3-cli as nobody")
class UnreadableAwsDirectory(OneLineErrors, fault_server.FaultServerTestCase):
    """~/.aws that the user cannot read (EACCES): not fatal when the keys are in the environment."""
    BUCKET = "unreadable"

    def setUp(self):
        super().setUp()
        self.tmp.chmod(0o755)
        self.home = self.tmp / "home"
        (self.home / ".aws").mkdir(parents=True)
        (self.home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n")
        (self.home / ".aws" / "config").write_text("[default]\nregion = eu-west-1\n")
        (self.home / ".aws").chmod(0o700)  # root's; s3-cli runs as nobody

    def cli_as_nobody(self, *args, stdin=None, **extra_env):
        env = harness.cli_env(self.server.env, dict({"HOME": str(self.home)}, **extra_env))
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", harness.cli_path(),
                *harness.cli_global_args(self.server.env), *args]
        proc = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=60)
        res = harness.CliResult(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))
        res.argv = argv
        return res

    def test_keys_in_the_environment_need_no_files(self):
        data = harness.random_bytes(10_000, seed=self.key)
        url = f"s3://{self.BUCKET}/{self.key}"
        res = self.cli_as_nobody("put", "-", url, stdin=data)
        self.assertEqual(res.rc, 0, res.describe())
        res = self.cli_as_nobody("cat", url)
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(res.stdout, data)
        self.assertEqual({e["access_key"] for e in self.server.log()}, {"fault"})

    def test_when_the_files_are_needed_the_error_names_them(self):
        res = self.cli_as_nobody("stat", f"s3://{self.BUCKET}/x", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
        self.assert_one_line(res, 1, rf"cannot read {self.home}/\.aws/credentials: Permission denied$")


class StsWithMoto(OneLineErrors, unittest.TestCase):
    """AssumeRole (a profile with role_arn and source_profile) against moto's STS, and web identity with
    credentials moto's STS issued: s3-cli round trips against moto, which checks every signature."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = harness.server_env("moto")
        import boto3
        kw = dict(endpoint_url=cls.env["S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=cls.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=cls.env["AWS_SECRET_ACCESS_KEY"])
        cls.iam = boto3.client("iam", **kw)
        cls.sts = boto3.client("sts", **kw)
        cls.s3 = harness.boto3_client(cls.env)
        suffix = uuid.uuid4().hex[:8]
        # A user that may assume the role and nothing else: an S3 request that works was signed by the role.
        cls.user = "raws3-assumer-" + suffix
        cls.iam.create_user(UserName=cls.user)
        cls.iam.put_user_policy(UserName=cls.user, PolicyName="assume", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        key = cls.iam.create_access_key(UserName=cls.user)["AccessKey"]
        cls.user_key = (key["AccessKeyId"], key["SecretAccessKey"])
        cls.role = "raws3-role-" + suffix
        cls.role_arn = cls.iam.create_role(RoleName=cls.role, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                     "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        cls.iam.put_role_policy(RoleName=cls.role, PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

    @classmethod
    def tearDownClass(cls):
        cls.iam.delete_role_policy(RoleName=cls.role, PolicyName="all")
        cls.iam.delete_role(RoleName=cls.role)
        cls.iam.delete_access_key(UserName=cls.user, AccessKeyId=cls.user_key[0])
        cls.iam.delete_user_policy(UserName=cls.user, PolicyName="assume")
        cls.iam.delete_user(UserName=cls.user)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.tmp = harness.Path(self.enterContext(harness.tempfile.TemporaryDirectory(prefix="raws3-sts-")))
        self.key = harness.unique_prefix(self._testMethodName) + "obj"
        self.addCleanup(harness.delete_prefix, self.s3, self.env["S3_BUCKET"], self.key)

    def cli(self, *args, **extra_env):
        env = dict(without_aws_files(self.tmp), AWS_EC2_METADATA_DISABLED="true", **extra_env)
        return harness.run_cli(*args, env=self.env, global_args=True, extra_env=env, timeout=60)

    def round_trip(self, **extra_env):
        data = harness.random_bytes(200_000, seed=self.key)
        src = self.tmp / "src.bin"
        src.write_bytes(data)
        url = f"s3://{self.env['S3_BUCKET']}/{self.key}"
        res = self.cli("put", src, url, **extra_env)
        self.assertEqual(res.rc, 0, res.describe())
        res = self.cli("cat", url, **extra_env)
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(harness.sha256_bytes(res.stdout), harness.sha256_bytes(data))

    def test_assume_role_profile_with_source_profile(self):
        config = self.tmp / "config"
        config.write_text(f"[profile target]\nrole_arn = {self.role_arn}\nsource_profile = base\n"
                          f"role_session_name = raws3-it\nduration_seconds = 900\n"
                          f"[profile base]\naws_access_key_id = {self.user_key[0]}\n"
                          f"aws_secret_access_key = {self.user_key[1]}\n")
        self.round_trip(AWS_CONFIG_FILE=str(config), AWS_PROFILE="target", AWS_ENDPOINT_URL_STS=self.env["S3_ENDPOINT"])
        # The base profile's own keys are refused S3: the round trip was the role's.
        res = self.cli("stat", f"s3://{self.env['S3_BUCKET']}/{self.key}", AWS_CONFIG_FILE=str(config),
                       AWS_PROFILE="base")
        self.assert_one_line(res, 1, r"(AccessDenied|Forbidden) \(HTTP 403\)")

    def test_a_wrong_source_key_names_sts_and_its_answer(self):
        config = self.tmp / "config"
        config.write_text(f"[profile target]\nrole_arn = {self.role_arn}\nsource_profile = base\n"
                          f"[profile base]\naws_access_key_id = {self.user_key[0]}\naws_secret_access_key = wrong\n")
        res = self.cli("stat", f"s3://{self.env['S3_BUCKET']}/x", AWS_CONFIG_FILE=str(config), AWS_PROFILE="target",
                       AWS_ENDPOINT_URL_STS=self.env["S3_ENDPOINT"])
        self.assert_one_line(res, 1, rf"AssumeRole {self.role_arn} \(.*\[profile target\], STS "
                                     rf"{self.env['S3_ENDPOINT']}\): SignatureDoesNotMatch \(HTTP 403\)")

    def test_web_identity(self):
        fake = metadata_server.start()
        self.addCleanup(fake.stop)
        issued = self.sts.assume_role(RoleArn=self.role_arn, RoleSessionName="pod", DurationSeconds=900)["Credentials"]
        fake.hand_out([metadata_server.credentials(issued["AccessKeyId"], issued["SecretAccessKey"],
                                                   issued["SessionToken"], issued["Expiration"])])
        fake.configure(web_identity_token="eyJhbGciOiJSUzI1NiJ9.service-account")
        token = self.tmp / "token"
        token.write_text("eyJhbGciOiJSUzI1NiJ9.service-account")
        self.round_trip(AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=self.role_arn,
                        AWS_ROLE_SESSION_NAME="pod-1", AWS_ENDPOINT_URL_STS=fake.url)
        calls = fake.log()
        self.assertEqual(len(calls), 2)
        for call in calls:
            self.assertNotIn("authorization", call["headers"])
            form = dict(harness.urllib.parse.parse_qsl(call["body"]))
            self.assertEqual(form["Action"], "AssumeRoleWithWebIdentity")
            self.assertEqual(form["RoleArn"], self.role_arn)
            self.assertEqual(form["RoleSessionName"], "pod-1")


if __name__ == "__main__":
    harness.main()
