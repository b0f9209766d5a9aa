#!/usr/bin/env python3
"""Starts and stops the real S3 servers that trainyard's tests run against.

CTest runs this once per test run as the fixture "s3servers":
  s3_servers.py start --config BUILD/s3servers/config.json   (FIXTURES_SETUP)
  s3_servers.py stop  --config BUILD/s3servers/config.json   (FIXTURES_CLEANUP)
Tests that need the servers declare FIXTURES_REQUIRED s3servers and read the
config file, whose path CMake passes in TRAINYARD_TEST_S3_CONFIG.

Servers (each on 127.0.0.1 at a free port, with its data in a temp dir):
  s3rver       node --openssl-legacy-provider tools/s3rver/node_modules/s3rver/bin/s3rver.js
               (installed by scripts/setup.sh with npm ci). Fast; checks only the access
               key id, not signatures.
  moto         moto_server (python -m moto.server) with INITIAL_NO_AUTH_ACTION_COUNT=3:
               the three unauthenticated requests create an IAM user, an allow-all policy
               and an access key (boto3); from then on moto verifies every SigV4 signature.
               moto verifies over the *decoded* query string, so signed requests whose query
               values need percent-encoding (a List prefix with '/') fail there.
Each server gets one bucket, "trainyard-test", made with its keys. Readiness is
polled (TCP connect, then a real request), never waited for by sleeping.

Config file format (JSON):
  {
    "version": 1,
    "servers": {
      "s3rver": {"endpoint_url": "http://127.0.0.1:PORT", "region": "us-east-1",
                 "access_key_id": "...", "secret_access_key": "...",
                 "bucket": "trainyard-test", "verifies_signatures": false,
                 "pid": PID, "start_time": TICKS},   # the process, for stop
      "moto":   {... the same fields ..., "verifies_signatures": true}
    },
    "data_dir": "/tmp/ty-s3servers-XXXX"   # removed by stop
  }
Tests may create more buckets (with these keys) and should use fresh key
prefixes or buckets: servers are shared by every test of the run.

"start" first stops servers left by an earlier run with the same config file.
It exits non-zero, naming what is missing, when a server cannot start, so the
tests that need it fail instead of silently skipping. Run with the Python that
has boto3 and moto (pyenv's python3 here).
"""

import argparse
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config
import botocore.exceptions

REGION = "us-east-1"
BUCKET = "trainyard-test"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S3RVER_JS = os.path.join(SOURCE_DIR, "tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv, log_path, env=None):
    """Starts a server detached from CTest's pipes and process group."""
    log = open(log_path, "wb")
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)


def wait_for_port(process, port, log_path):
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; log:\n{tail(log_path)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            # Not listening yet: wait for the process a little instead of spinning.
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
    raise RuntimeError(f"server did not listen on port {port} within {READY_TIMEOUT_S} s")


def tail(path, lines=20):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode(errors="replace")
    except OSError:
        return "(no log)"


def s3_client(endpoint, key, secret, attempts=10):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=botocore.config.Config(s3={"addressing_style": "path"},
                                                      retries={"max_attempts": attempts, "mode": "standard"}))


def start_s3rver(data_dir):
    if not os.path.exists(S3RVER_JS):
        raise RuntimeError(f"s3rver is not installed ({S3RVER_JS} is missing): run scripts/setup.sh")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: run scripts/setup.sh")
    port = free_port()
    store = os.path.join(data_dir, "s3rver")
    os.makedirs(store)
    log_path = os.path.join(data_dir, "s3rver.log")
    # --openssl-legacy-provider: s3rver encrypts continuation tokens with DES;
    # without it paged listings fail with 500 on Node 17+.
    process = spawn([node, "--openssl-legacy-provider", S3RVER_JS, "-d", store, "-a", "127.0.0.1",
                     "-p", str(port), "--silent"], log_path)
    wait_for_port(process, port, log_path)
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint, "S3RVER", "S3RVER").create_bucket(Bucket=BUCKET)
    return {"endpoint_url": endpoint, "region": REGION, "access_key_id": "S3RVER",
            "secret_access_key": "S3RVER", "bucket": BUCKET, "verifies_signatures": False,
            **identity(process)}


def start_moto(data_dir):
    port = free_port()
    log_path = os.path.join(data_dir, "moto.log")
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3", TMPDIR=data_dir)
    process = spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log_path, env)
    wait_for_port(process, port, log_path)
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="setup",
                       aws_secret_access_key="setup")
    iam.create_user(UserName="trainyard-tests")
    iam.put_user_policy(UserName="trainyard-tests", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="trainyard-tests")["AccessKey"]
    s3_client(endpoint, key["AccessKeyId"], key["SecretAccessKey"]).create_bucket(Bucket=BUCKET)
    check_signatures_are_verified(endpoint, key["AccessKeyId"])
    return {"endpoint_url": endpoint, "region": REGION, "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"], "bucket": BUCKET, "verifies_signatures": True,
            **identity(process)}


def check_signatures_are_verified(endpoint, key_id):
    """A request signed with the wrong secret must be refused, or the tests prove nothing."""
    wrong = s3_client(endpoint, key_id, "not-the-secret", attempts=1)
    try:
        wrong.head_bucket(Bucket=BUCKET)
    except botocore.exceptions.ClientError as error:
        if error.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
            return
        raise
    raise RuntimeError("moto accepted a request signed with the wrong secret")


def start_time(pid):
    """The process's start time in clock ticks since boot, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def identity(process):
    return {"pid": process.pid, "start_time": start_time(process.pid)}


def stop_pid(server):
    """Stops a server we started (checked by its start time, so a reused pid is left alone)."""
    pid = server.get("pid")
    if pid is None or start_time(pid) is None or start_time(pid) != server.get("start_time"):
        return
    try:
        exited = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.killpg(pid, signal.SIGTERM)  # each server leads its own session
        if not select.select([exited], [], [], STOP_TIMEOUT_S)[0]:
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    finally:
        os.close(exited)


def stop(config_path):
    try:
        with open(config_path) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return
    for server in config.get("servers", {}).values():
        stop_pid(server)
    shutil.rmtree(config.get("data_dir", ""), ignore_errors=True)
    os.remove(config_path)


def start(config_path):
    stop(config_path)
    os.makedirs(os.path.dirname(os.path.abspath(config_path)), exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="ty-s3servers-")
    config = {"version": 1, "servers": {}, "data_dir": data_dir}
    try:
        config["servers"]["s3rver"] = start_s3rver(data_dir)
        config["servers"]["moto"] = start_moto(data_dir)
    except Exception:
        for server in config["servers"].values():
            stop_pid(server)
        config["servers"] = {}
        raise
    finally:
        temp_path = config_path + ".tmp"
        with open(temp_path, "w") as f:
            json.dump(config, f, indent=2)
        os.replace(temp_path, config_path)  # so stop can clean up whatever started
    for name, server in config["servers"].items():
        print(f"{name}: {server['endpoint_url']} (pid {server['pid']})")
    print(f"config: {config_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--config", required=True, help="the JSON file the tests read")
    args = parser.parse_args()
    try:
        start(args.config) if args.command == "start" else stop(args.config)
    except Exception as error:  # noqa: BLE001 - report any failure plainly to CTest
        print(f"s3_servers.py {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
