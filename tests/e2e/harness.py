"""Starts a real `trainyard server` on a free port with a temporary state
directory, and gives tests signed clients for it (boto3, the AWS CLI, raw
SigV4-signed HTTP). Used by the end-to-end tests; run with pyenv's python3,
which has boto3, botocore and the AWS CLI."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

BIN = os.environ.get("TRAINYARD_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "trainyard")
IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")
QUICK_IMAGE = os.path.join(IMAGES, "quick")      # a program that succeeds at once
SLEEPER_IMAGE = os.path.join(IMAGES, "sleeper")  # a program that runs until stopped
ACCESS_KEY = "AKIDTRAINYARDTEST"
SECRET_KEY = "trainyard-test-secret-key"
REGION = "us-east-1"


class Server:
    def __init__(self, state_dir=None, extra_args=(), port=0, extra_env=None):
        self.owns_dir = state_dir is None
        self.extra_env = dict(extra_env or {})
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="trainyard-e2e-")
        self.extra_args = ["--grace-period", "2"] + list(extra_args)
        self.port = port
        self.proc = None
        self.url = None

    def start(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, **self.extra_env)
        self.proc = subprocess.Popen(
            [BIN, "server", "--listen", f"127.0.0.1:{self.port}", "--state-dir", self.state_dir] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        line = self.proc.stdout.readline()  # blocks until the socket is bound
        match = re.search(r"listening on (\S+)", line)
        if not match:
            err = self.proc.stderr.read()
            raise RuntimeError(f"server did not start: {line!r} {err!r}")
        self.url = match.group(1)
        return self

    def kill_instances(self):
        """Kills the agents this server started (they outlive a stopped server
        by design, to be adopted by the next one) and everything in their sessions."""
        marker = ("--server\0" + self.url + "\0").encode()
        agents = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker in f.read():
                        agents.add(int(pid))
            except OSError:
                pass
        # Bridged agents' namespaces go too (the server would have removed them).
        namespaces = set()
        for pid in agents:
            try:
                namespaces.add(os.stat(f"/proc/{pid}/ns/net").st_ino)
            except OSError:
                pass
        namespaces.discard(os.stat("/proc/self/ns/net").st_ino)
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.getsid(int(pid)) in agents:
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        netns_dir = "/var/run/netns"
        for name in (os.listdir(netns_dir) if namespaces and os.path.isdir(netns_dir) else []):
            try:
                if os.stat(os.path.join(netns_dir, name)).st_ino in namespaces:
                    subprocess.run(["ip", "netns", "del", name], capture_output=True)
            except OSError:
                pass

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()

    def cleanup(self):
        self.stop()
        self.kill_instances()
        if self.owns_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def client_env(self, secret=SECRET_KEY):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION)
        env.pop("AWS_PROFILE", None)
        return env

    def boto3(self, secret=SECRET_KEY, retries=0):
        return boto3.client(
            "sagemaker", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": retries + 1, "mode": "legacy"}))

    def aws(self, *args, secret=SECRET_KEY):
        """Runs the real AWS CLI; returns (exit code, parsed JSON or None, stderr)."""
        proc = subprocess.run(["aws", "sagemaker", *args, "--endpoint-url", self.url, "--output", "json"],
                              capture_output=True, text=True, env=self.client_env(secret))
        out = json.loads(proc.stdout) if proc.stdout.strip() else None
        return proc.returncode, out, proc.stderr

    def trainyard(self, *args):
        """Runs the trainyard CLI against this server."""
        return subprocess.run([BIN, *args, "--endpoint-url", self.url], capture_output=True, text=True,
                              env=self.client_env())

    def raw(self, body, target="SageMaker.DescribeTrainingJob",
            content_type="application/x-amz-json-1.1", sign=True, secret=SECRET_KEY, extra_headers=None):
        """Sends body bytes as-is (signed by botocore unless sign=False); returns (status, json)."""
        headers = {"Content-Type": content_type}
        if target is not None:
            headers["X-Amz-Target"] = target
        headers.update(extra_headers or {})
        request = botocore.awsrequest.AWSRequest(method="POST", url=self.url + "/", data=body, headers=headers)
        if sign:
            creds = botocore.credentials.Credentials(ACCESS_KEY, secret)
            botocore.auth.SigV4Auth(creds, "sagemaker", REGION).add_auth(request)
        prepared = request.prepare()
        http = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                      headers=dict(prepared.headers))
        try:
            with urllib.request.urlopen(http, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as e:
            payload = e.read()
            return e.code, (json.loads(payload) if payload else {}), dict(e.headers)


def sleeper_request(name, **overrides):
    """A job whose program runs until it is stopped."""
    request = job_request(name, **overrides)
    request["AlgorithmSpecification"]["TrainingImage"] = SLEEPER_IMAGE
    return request


def wait_for_status(sm, name, statuses, timeout=60):
    """Polls DescribeTrainingJob until TrainingJobStatus is one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def job_request(name, **overrides):
    """A CreateTrainingJob request as a new (botocore 1.43) client sends it."""
    request = {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "AlgorithmSpecification": {"TrainingImage": QUICK_IMAGE,
                                   "TrainingInputMode": "File",
                                   "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]},
        "HyperParameters": {"epochs": "3", "lr": "0.01"},
        "OutputDataConfig": {"S3OutputPath": "file://" + os.path.join(tempfile.gettempdir(), "trainyard-e2e-out")},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    request.update(overrides)
    return request
