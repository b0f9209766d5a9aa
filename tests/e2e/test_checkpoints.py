"""End to end: checkpoints on file://, s3rver and moto_server.

For each store, a `pytorch-ddp` job on two instances with a CheckpointConfig is
stopped part-way; a new job with the same URI restores the newest sync point
(the file it resumes from has the store's SHA-256), resumes from that step, and
ends with the weights of an uninterrupted run. `trainyard checkpoints get --at`
an earlier sync point returns exactly that point's files.

The S3 servers come from the CTest fixture "s3servers" (tests/s3/s3_servers.py),
found through TRAINYARD_TEST_S3_CONFIG."""

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

import boto3
import botocore.exceptions

from harness import BIN, Server, job_request, wait_for_status

REPO = os.environ.get("TRAINYARD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DDP = os.path.join(REPO, "examples", "pytorch-ddp")
STEPS = 3000
EVERY = 100


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Store:
    """Where a test keeps checkpoints, and how the server and the CLI reach it."""

    def __init__(self, name, uri, server_args=(), env=None, s3=None, server_env=None):
        self.name, self.uri, self.server_args, self.env, self.s3 = name, uri, list(server_args), env or {}, s3
        self.server_env = server_env or {}

    def read_manifest(self, point_id):
        key = f".trainyard/points/{point_id}.json"
        if self.s3 is None:
            with open(os.path.join(self.uri[len("file://"):], key)) as f:
                return json.load(f)
        client, bucket, prefix = self.s3
        body = client.get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read()
        return json.loads(body)


def s3_store(name, run_id, scratch):
    config_path = os.environ.get("TRAINYARD_TEST_S3_CONFIG")
    if not config_path or not os.path.exists(config_path):
        return None
    with open(config_path) as f:
        server = json.load(f)["servers"][name]
    credentials = os.path.join(scratch, f"{name}.credentials")
    with open(credentials, "w") as f:
        f.write(f"[default]\naws_access_key_id = {server['access_key_id']}\n"
                f"aws_secret_access_key = {server['secret_access_key']}\n")
    prefix = f"ckpt{run_id}"
    # moto checks signatures over the decoded query string and so refuses a
    # correctly signed List whose prefix holds '/': the documented setting
    # for such servers (docs/checkpoints.md).
    quirks = {"TRAINYARD_S3_LIST_WITHOUT_SLASH": "1"} if server["verifies_signatures"] else {}
    client = boto3.client("s3", endpoint_url=server["endpoint_url"], region_name=server["region"],
                          aws_access_key_id=server["access_key_id"],
                          aws_secret_access_key=server["secret_access_key"])
    env = {"AWS_ENDPOINT_URL_S3": server["endpoint_url"], "AWS_REGION": server["region"],
           "AWS_ACCESS_KEY_ID": server["access_key_id"], "AWS_SECRET_ACCESS_KEY": server["secret_access_key"],
           **quirks}
    return Store(name, f"s3://{server['bucket']}/{prefix}",
                 ["--s3-endpoint-url", server["endpoint_url"], "--s3-region", server["region"],
                  "--s3-credentials-file", credentials], env, (client, server["bucket"], prefix), quirks)


def ddp_request(name, checkpoint_uri=None, steps=STEPS, step_delay_ms=0):
    """step_delay_ms (a sleep after each step) makes a run last longer without changing its weights."""
    hyperparameters = {"steps": str(steps), "checkpoint-every": str(EVERY), "batch-size": "64", "lr": "0.05"}
    if step_delay_ms:
        hyperparameters["step-delay-ms"] = str(step_delay_ms)
    request = job_request(name, AlgorithmSpecification={"TrainingImage": "pytorch-ddp", "TrainingInputMode": "File"},
                          HyperParameters=hyperparameters,
                          ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2,
                                          "VolumeSizeInGB": 1})
    if checkpoint_uri:
        request["CheckpointConfig"] = {"S3Uri": checkpoint_uri, "LocalPath": "/opt/ml/checkpoints"}
    return request


class CheckpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="trainyard-ckpt-e2e-")
        cls.run_id = uuid.uuid4().hex[:8]
        cls.uninterrupted = None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def start_server(self, store):
        server = Server(extra_args=["--image", "pytorch-ddp=" + DDP, "--heartbeat-timeout-ms", "10000"]
                        + store.server_args, extra_env=store.server_env).start()
        self.addCleanup(server.cleanup)
        return server

    def logs(self, server, name):
        proc = server.trainyard("logs", name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def cli(self, store, *args):
        env = dict(os.environ, **store.env)
        return subprocess.run([BIN, "checkpoints", *args], capture_output=True, text=True, env=env, timeout=120)

    def points(self, store):
        proc = self.cli(store, "list", store.uri, "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)["SyncPoints"]

    def final_digests(self, server, name):
        return set(re.findall(r"final weights sha256=([0-9a-f]{64})", self.logs(server, name)))

    def uninterrupted_digest(self):
        """The weights of a run that nothing interrupts (computed once, without checkpoints)."""
        if CheckpointTest.uninterrupted is None:
            server = self.start_server(Store("none", None))
            sm = server.boto3()
            sm.create_training_job(**ddp_request("ddp-whole"))
            job = wait_for_status(sm, "ddp-whole", {"Completed", "Failed", "Stopped"}, timeout=600)
            self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
            digests = self.final_digests(server, "ddp-whole")
            self.assertEqual(len(digests), 1, digests)
            CheckpointTest.uninterrupted = digests.pop()
        return CheckpointTest.uninterrupted

    def stop_resume_and_compare(self, store):
        expected = self.uninterrupted_digest()
        server = self.start_server(store)
        sm = server.boto3()

        # A run stopped after its second checkpoint is durable. Its steps are slowed (same
        # weights): unslowed, on a quiet machine it could complete before the test sees that
        # checkpoint and stops it.
        sm.create_training_job(**ddp_request("ddp-first", store.uri, step_delay_ms=3))
        deadline = time.monotonic() + 300
        while True:
            names = [f for p in self.points(store) for f in self.read_files_if_retained(store, p["Id"])]
            if f"checkpoint-{2 * EVERY}.pt" in names:
                break
            status = sm.describe_training_job(TrainingJobName="ddp-first")["TrainingJobStatus"]
            self.assertEqual(status, "InProgress", "the job ended before it could be stopped")
            self.assertLess(time.monotonic(), deadline, "no sync point with a second checkpoint")
            time.sleep(0.2)
        sm.stop_training_job(TrainingJobName="ddp-first")
        first = wait_for_status(sm, "ddp-first", {"Completed", "Failed", "Stopped"}, timeout=300)
        self.assertEqual(first["TrainingJobStatus"], "Stopped", first.get("FailureReason"))
        messages = [t.get("StatusMessage", "") for t in first["SecondaryStatusTransitions"]]
        self.assertIn("Downloading input data; no checkpoints to restore from " + store.uri, messages)

        points = self.points(store)
        newest = points[-1]["Id"]
        newest_files = {f["path"]: f["sha256"] for f in store.read_manifest(newest)["files"]}
        steps = sorted(int(re.match(r"checkpoint-(\d+)\.pt", p).group(1)) for p in newest_files)
        self.assertTrue(steps and steps[-1] < STEPS, newest_files)

        # A new job with the same URI resumes from the newest checkpoint, byte for byte.
        sm.create_training_job(**ddp_request("ddp-second", store.uri))
        second = wait_for_status(sm, "ddp-second", {"Completed", "Failed", "Stopped"}, timeout=600)
        self.assertEqual(second["TrainingJobStatus"], "Completed", second.get("FailureReason"))
        logs = self.logs(server, "ddp-second")
        resumed = re.search(r"resumed from checkpoint-(\d+)\.pt sha256=([0-9a-f]{64})", logs)
        self.assertIsNotNone(resumed, logs[-3000:])
        self.assertEqual(int(resumed.group(1)), steps[-1])
        self.assertEqual(resumed.group(2), newest_files[f"checkpoint-{steps[-1]}.pt"])
        self.assertEqual(self.final_digests(server, "ddp-second"), {expected})
        messages = [t.get("StatusMessage", "") for t in second["SecondaryStatusTransitions"]]
        self.assertTrue(any("restored 3 checkpoint files" in m and newest in m for m in messages), messages)

        # Any retained earlier point comes back exactly as it was.
        retained = self.points(store)
        self.assertGreater(len(retained), 1)
        earlier, latest = retained[0]["Id"], retained[-1]["Id"]
        target = os.path.join(self.scratch, f"{store.name}-earlier")
        proc = self.cli(store, "get", store.uri, "--at", earlier, target)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        wanted = {f["path"]: f["sha256"] for f in store.read_manifest(earlier)["files"]}
        got = {os.path.relpath(os.path.join(d, f), target): sha256_file(os.path.join(d, f))
               for d, _, files in os.walk(target) for f in files}
        self.assertEqual(got, wanted)
        self.assertNotEqual(wanted, {f["path"]: f["sha256"] for f in store.read_manifest(latest)["files"]})

    def read_files(self, store, point_id):
        return [f["path"] for f in store.read_manifest(point_id)["files"]]

    def read_files_if_retained(self, store, point_id):
        """read_files, or [] when retention removed the point since it was listed (a running
        job's mirror collects old sync points as it makes new ones)."""
        try:
            return self.read_files(store, point_id)
        except FileNotFoundError:
            return []
        except botocore.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return []
            raise

    def test_file_store(self):
        uri = "file://" + os.path.join(self.scratch, "file-store", self.run_id)
        self.stop_resume_and_compare(Store("file", uri))

    def test_s3rver(self):
        store = s3_store("s3rver", self.run_id, self.scratch)
        if store is None:
            self.fail("TRAINYARD_TEST_S3_CONFIG names no s3rver (run through ctest)")
        self.stop_resume_and_compare(store)

    def test_moto_server(self):
        store = s3_store("moto", self.run_id, self.scratch)
        if store is None:
            self.fail("TRAINYARD_TEST_S3_CONFIG names no moto server (run through ctest)")
        self.stop_resume_and_compare(store)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3rver:
    """A private s3rver that a test can take away and bring back (same port, same data)."""

    SCRIPT = os.path.join(REPO, "tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js")

    def __init__(self, data_dir):
        self.data_dir, self.port, self.proc = data_dir, free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(["node", "--openssl-legacy-provider", self.SCRIPT, "-d", self.data_dir,
                                      "-a", "127.0.0.1", "-p", str(self.port), "--silent"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("s3rver did not start")
                time.sleep(0.05)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class StoreOutageTest(unittest.TestCase):
    """The store goes away while a job trains: training goes on, the backlog shows in
    `trainyard jobs describe`, and everything is flushed when the store is back."""

    def test_outage_during_training_loses_nothing(self):
        scratch = tempfile.mkdtemp(prefix="trainyard-outage-")
        self.addCleanup(shutil.rmtree, scratch, True)
        s3 = S3rver(os.path.join(scratch, "data")).start()
        self.addCleanup(s3.kill)
        keys = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1"}
        client = boto3.client("s3", endpoint_url=s3.url, region_name="us-east-1",
                              aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
        client.create_bucket(Bucket="outage")
        credentials = os.path.join(scratch, "credentials")
        with open(credentials, "w") as f:
            f.write("[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n")
        server = Server(extra_args=["--image", "pytorch-ddp=" + DDP, "--heartbeat-timeout-ms", "10000",
                                    "--s3-endpoint-url", s3.url, "--s3-credentials-file", credentials]).start()
        self.addCleanup(server.cleanup)
        sm = server.boto3()
        sm.create_training_job(**ddp_request("ddp-outage", "s3://outage/run"))

        def points():
            listed = client.list_objects_v2(Bucket="outage", Prefix="run/.trainyard/points/")
            return sorted(o["Key"] for o in listed.get("Contents", []))

        deadline = time.monotonic() + 120
        while not points():
            self.assertLess(time.monotonic(), deadline, "no sync point before the outage")
            time.sleep(0.1)
        s3.kill()

        # Training goes on; the backlog and the error show while the store is away.
        deadline = time.monotonic() + 120
        while True:
            proc = server.trainyard("jobs", "describe", "ddp-outage", "--json")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            checkpoint = json.loads(proc.stdout)["Trainyard"]["Instances"][0].get("Checkpoint", {})
            if checkpoint.get("BacklogFiles", 0) > 0 and checkpoint.get("LastError"):
                break
            self.assertLess(time.monotonic(), deadline, checkpoint)
            time.sleep(0.2)
        self.assertEqual(json.loads(proc.stdout)["TrainingJobStatus"], "InProgress")
        human = server.trainyard("jobs", "describe", "ddp-outage")
        self.assertIn("BACKLOG", human.stdout)

        s3.start()
        job = wait_for_status(sm, "ddp-outage", {"Completed", "Failed", "Stopped"}, timeout=600)
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        newest = points()[-1]
        manifest = json.loads(client.get_object(Bucket="outage", Key=newest)["Body"].read())
        self.assertEqual(sorted(f["path"] for f in manifest["files"]),
                         [f"checkpoint-{STEPS - 2 * EVERY}.pt", f"checkpoint-{STEPS - EVERY}.pt",
                          f"checkpoint-{STEPS}.pt"])
        target = os.path.join(scratch, "after")
        env = dict(os.environ, AWS_ENDPOINT_URL_S3=s3.url, **keys)
        got = subprocess.run([BIN, "checkpoints", "get", "s3://outage/run", target], capture_output=True,
                             text=True, env=env, timeout=120)
        self.assertEqual(got.returncode, 0, got.stderr)
        for f in manifest["files"]:
            self.assertEqual(sha256_file(os.path.join(target, f["path"])), f["sha256"])


if __name__ == "__main__":
    unittest.main()
