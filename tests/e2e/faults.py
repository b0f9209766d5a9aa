"""Real faults for the recovery tests and bench/recovery: find an instance's
agent and training process, kill them, cut its network link, and read what
the job's checkpoints and restarts say. No mocks: signals and `ip link`."""

import glob
import json
import os
import re
import signal
import subprocess
import time

REPO = os.environ.get("TRAINYARD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DDP = os.path.join(REPO, "examples", "pytorch-ddp")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def agent_pid(job, host):
    """The pid of `host`'s agent in `job`, or None."""
    marker = f"\0--job\0{job}\0--host\0{host}\0".encode()
    for pid in _pids():
        cmdline = _read(f"/proc/{pid}/cmdline")
        if b"\0agent\0" in cmdline and marker in cmdline:
            return pid
    return None


def training_pids(job, host, program=b"train.py"):
    """The pids of `host`'s training program in `job` (not its agent or checks)."""
    found = []
    for pid in _pids():
        if program not in _read(f"/proc/{pid}/cmdline"):
            continue
        env = _read(f"/proc/{pid}/environ").split(b"\0")
        if f"TRAINING_JOB_NAME={job}".encode() in env and f"SM_CURRENT_HOST={host}".encode() in env:
            found.append(pid)
    return found


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def kill_training(job, host):
    """SIGKILLs the training process of `host`; returns the wall time of the kill."""
    pids = wait_for(lambda: training_pids(job, host), 60, f"{host}'s training process")
    at = time.time()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return at


def kill_agent(job, host):
    """SIGKILLs the agent of `host` (its training process dies with it or is killed by the server)."""
    pid = wait_for(lambda: agent_pid(job, host), 60, f"{host}'s agent")
    at = time.time()
    os.kill(pid, signal.SIGKILL)
    return at


def set_link(link, up):
    """Brings an instance's host-side veth up or down (cuts it off the bridge)."""
    subprocess.run(["ip", "link", "set", link, "up" if up else "down"], check=True)
    return time.time()


def can_bridge():
    """True when this machine can give instances their own network namespaces."""
    return os.geteuid() == 0 and subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0


def ip(*args):
    return subprocess.run(["ip", *args], capture_output=True, text=True)


def new_bridge(prefix="tye2e"):
    """A bridge name and /24 of its own (one server per bridge: each hands out its addresses)."""
    suffix = os.urandom(3).hex()
    return prefix + suffix, f"10.251.{int(suffix[:2], 16)}"


def bridge_flags(bridge, subnet):
    return ["--instance-network", "bridge", "--instance-bridge", bridge, "--instance-subnet", subnet + ".0/24"]


def remove_bridge(bridge):
    """Deletes the bridge and whatever a test left on it (links, their namespaces)."""
    for line in ip("-o", "link", "show", "master", bridge).stdout.splitlines():
        if not line.strip():
            continue
        link = line.split(":")[1].strip().split("@")[0]
        ip("link", "del", link)
        ip("netns", "del", "ty-" + link[2:])
    ip("link", "del", bridge)


def checkpoint_steps(checkpoint_dir):
    """Steps of the checkpoint files in the newest durable sync point of a file:// store."""
    points = sorted(glob.glob(os.path.join(checkpoint_dir, ".trainyard", "points", "*.json")))
    if not points:
        return []
    with open(points[-1]) as f:
        files = json.load(f)["files"]
    return sorted(int(m.group(1)) for m in (re.match(r"checkpoint-(\d+)\.pt$", x["path"]) for x in files) if m)


def describe_execution(server, name):
    proc = server.trainyard("jobs", "describe", name, "--json")
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return json.loads(proc.stdout)


def instance(execution, host):
    for i in execution["Trainyard"]["Instances"]:
        if i["InstanceName"] == host:
            return i
    raise AssertionError(f"no instance {host}")


def ddp_request(job_request, name, checkpoint_uri, steps, every, instance_type="ml.m5.xlarge", step_delay_ms=0):
    """A two-instance pytorch-ddp job. step_delay_ms (a sleep after each step) makes a run last
    longer without changing its weights."""
    hyperparameters = {"steps": str(steps), "checkpoint-every": str(every), "batch-size": "64", "lr": "0.05"}
    if step_delay_ms:
        hyperparameters["step-delay-ms"] = str(step_delay_ms)
    request = job_request(name, AlgorithmSpecification={"TrainingImage": "pytorch-ddp", "TrainingInputMode": "File"},
                          HyperParameters=hyperparameters,
                          ResourceConfig={"InstanceType": instance_type, "InstanceCount": 2, "VolumeSizeInGB": 1})
    if checkpoint_uri:
        request["CheckpointConfig"] = {"S3Uri": checkpoint_uri, "LocalPath": "/opt/ml/checkpoints"}
    return request


def logged_steps(logs):
    """(last step printed before the last resume, step resumed from) pairs per resume."""
    resumes = []
    last_step = 0
    for line in logs.splitlines():
        m = re.search(r"step=(\d+) loss=", line)
        if m:
            last_step = int(m.group(1))
        m = re.search(r"resumed from checkpoint-(\d+)\.pt", line)
        if m:
            resumes.append((last_step, int(m.group(1))))
    return resumes
