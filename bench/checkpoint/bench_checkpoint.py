#!/usr/bin/env python3
"""bench/checkpoint: checkpoint transfers against one s3rver (see README.md).

Run by bench/checkpoint/run.sh, which builds checkpoint_bench and trainyard,
starts s3rver and passes its endpoint. Measures, in this order:

  1. throughput up and down of one 1 GiB file and of 256 x 4 MiB files with
     trainyard's store (checkpoint_bench), `aws s3 cp`, `aws s3 sync`,
     s3cmd and (1 GiB file only) a single curl --aws-sigv4 PUT / GET; every
     download is checked against the source's SHA-256;
  2. the checkpoint mirror's sync lag (checkpoint_bench sync-lag);
  3. pytorch-ddp's step time with and without an s3:// CheckpointConfig
     (`trainyard run`), sampling the agents' VmHWM while the job runs.

Writes everything to --out (JSON) and prints a Markdown summary on stdout;
progress goes to stderr. Run with pyenv's python3 (boto3, aws CLI v1).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config

from report import CASES, TOOLS, WHAT_IF, memory_summary, ratios, summarize

BUCKET = "bench"
KEY, SECRET, REGION = "S3RVER", "S3RVER", "us-east-1"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_seconds(pid):
    """User + system CPU of a live process (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- data ---------------------------------------------------------------------

def make_data(work, file_mib, dir_files, dir_file_mib):
    """work/src/one/big.bin and work/src/many/fNNN.bin, random bytes; their digests."""
    one, many = os.path.join(work, "src", "one"), os.path.join(work, "src", "many")
    os.makedirs(one)
    os.makedirs(many)
    digests = {}

    def write(path, mib):
        digest = hashlib.sha256()
        with open(path, "wb") as f:
            for _ in range(mib):
                chunk = os.urandom(1 << 20)
                digest.update(chunk)
                f.write(chunk)
        digests[os.path.basename(path)] = digest.hexdigest()

    write(os.path.join(one, "big.bin"), file_mib)
    for i in range(dir_files):
        write(os.path.join(many, f"f{i:03d}.bin"), dir_file_mib)
    return {"one": one, "many": many, "digests": digests,
            "file_bytes": file_mib << 20, "dir_bytes": dir_files * (dir_file_mib << 20), "dir_files": dir_files}


def verify(download_dir, expected_names, digests):
    """Every expected file somewhere below download_dir, with its digest. Returns a problem or None."""
    found = {}
    for parent, _, names in os.walk(download_dir):
        for name in names:
            found[name] = os.path.join(parent, name)
    missing = [n for n in expected_names if n not in found]
    if missing:
        return f"{len(missing)} of {len(expected_names)} files missing (e.g. {missing[0]})"
    extra = sorted(set(found) - set(expected_names))
    if extra:
        return f"unexpected files: {extra[:3]}"
    bad = [n for n in expected_names if sha256_file(found[n]) != digests[n]]
    return f"checksum mismatch: {bad[:3]}" if bad else None


# --- tools --------------------------------------------------------------------

class Tools:
    """The command line of each (tool, case, direction); None where a tool has no such case."""

    def __init__(self, args, data, work):
        self.bench = args.bench_bin
        self.endpoint = args.endpoint
        self.data = data
        self.s3cfg = os.path.join(work, "s3cfg")
        host = self.endpoint.split("://", 1)[1]
        with open(self.s3cfg, "w") as f:
            f.write(f"[default]\naccess_key = {KEY}\nsecret_key = {SECRET}\nhost_base = {host}\n"
                    f"host_bucket = {host}\nuse_https = False\nsignature_v2 = False\n"
                    f"bucket_location = {REGION}\n")

    def command(self, tool, case, direction, target):
        src = self.data["one"] if case == "file" else self.data["many"]
        prefix = f"{tool}/{'one' if case == 'file' else 'many'}"
        s3 = f"s3://{BUCKET}/{prefix}"
        aws = ["aws", "--endpoint-url", self.endpoint]
        if tool.startswith("trainyard"):
            what_if = WHAT_IF.get(tool, [])
            if case == "file":
                op, where = ("put-file", src + "/big.bin") if direction == "up" else ("get-file", target + "/big.bin")
                return [self.bench, op, "--uri", s3, "--key", "big.bin", "--file", where] + what_if
            if tool != "trainyard":
                return None  # what-ifs are about the single file
            op, where = ("put-dir", src) if direction == "up" else ("get-dir", target)
            return [self.bench, op, "--uri", s3, "--dir", where]
        if tool == "aws-cp":
            if case == "file":
                pair = [src + "/big.bin", s3 + "/big.bin"] if direction == "up" else [s3 + "/big.bin", target + "/"]
                return aws + ["s3", "cp", "--only-show-errors"] + pair
            pair = [src, s3] if direction == "up" else [s3, target]
            return aws + ["s3", "cp", "--recursive", "--only-show-errors"] + pair
        if tool == "aws-sync":
            pair = [src, s3] if direction == "up" else [s3, target]
            return aws + ["s3", "sync", "--only-show-errors"] + pair
        if tool == "s3cmd":
            base = ["s3cmd", "-c", self.s3cfg, "--no-progress", "--quiet"]
            if case == "file":
                pair = [src + "/big.bin", s3 + "/big.bin"] if direction == "up" else [s3 + "/big.bin", target + "/"]
                return base + (["put"] if direction == "up" else ["get"]) + pair
            if direction == "up":
                return base + ["put", "--recursive", src + "/", s3 + "/"]
            return base + ["get", "--recursive", s3 + "/", target + "/"]
        if tool == "curl":
            if case != "file":
                return None
            url = f"{self.endpoint}/{BUCKET}/{prefix}/big.bin"
            base = ["curl", "-sS", "--fail", "--aws-sigv4", f"aws:amz:{REGION}:s3", "--user", f"{KEY}:{SECRET}"]
            if direction == "up":
                return base + ["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", src + "/big.bin", url]
            return base + ["-H", f"x-amz-content-sha256: {EMPTY_SHA256}", "-o", target + "/big.bin", url]
        raise ValueError(tool)


def tool_environment(work):
    config = os.path.join(work, "aws-config")
    open(config, "w").close()  # the AWS CLI's defaults, whatever ~/.aws says
    return dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
                AWS_REGION=REGION, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=config,
                AWS_ENDPOINT_URL_S3=os.environ["BENCH_S3_ENDPOINT"])


RUNNING = set()  # child processes, told to stop when we are (trainyard run then stops its job)


def stop_children(signum, frame):
    for process in list(RUNNING):
        try:
            process.terminate()
        except OSError:
            pass
    for process in list(RUNNING):
        try:
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired, ChildProcessError):
            pass
    sys.exit(128 + signum)


def timed(argv, env, poll_s=0.02):
    """Runs argv; (seconds, exit status, usage, peak VmHWM in KiB, stdout, stderr).
    usage is wait4's (ru_utime + ru_stime: CPU of the process and its waited-for
    children). The peak is the process's VmHWM read every poll_s while it runs (a
    high-water mark, so only growth in its last poll_s can be missed); wait4's
    ru_maxrss is no use here, as it counts the forking Python's pages too."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        RUNNING.add(process)
        peak_kb = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, read_status_kb(process.pid, "VmHWM") or 0)
            time.sleep(poll_s)
        seconds = time.monotonic() - start
        RUNNING.discard(process)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (seconds, process.returncode, usage, peak_kb, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))


def run_transfers(tools, data, work, env, server_pid, names=TOOLS):
    results = []
    for index, (case, direction) in enumerate(CASES):
        # Each case starts with another tool, so that none always runs first (after the
        # data was made) or right after the same neighbour.
        for tool in names[index % len(names):] + names[:index % len(names)]:
            argv = tools.command(tool, case, direction, os.path.join(work, "dl", f"{tool}-{case}"))
            if argv is not None:
                results.append(run_transfer(tool, case, direction, argv, data, work, env, server_pid))
    return results


def run_transfer(tool, case, direction, argv, data, work, env, server_pid):
    target = os.path.join(work, "dl", f"{tool}-{case}")
    if direction == "down":
        os.makedirs(target, exist_ok=True)
    load = loadavg()
    server_cpu = cpu_seconds(server_pid)
    seconds, rc, usage, peak_kb, out, err = timed(argv, env)
    server_cpu = cpu_seconds(server_pid) - server_cpu
    size = data["file_bytes"] if case == "file" else data["dir_bytes"]
    row = {"tool": tool, "case": case, "direction": direction, "bytes": size,
           "files": 1 if case == "file" else data["dir_files"], "seconds": seconds,
           "mb_per_s": size / 1e6 / seconds, "exit_status": rc, "vmhwm_kb": peak_kb,
           "client_cpu_s": usage.ru_utime + usage.ru_stime, "server_cpu_s": server_cpu,
           "loadavg_1m_before": load, "argv": argv}
    if rc != 0:
        row["error"] = (err or out).strip()[-2000:]
    if tool.startswith("trainyard") and rc == 0:
        row["driver"] = json.loads(out.strip().splitlines()[-1])
    if direction == "down" and rc == 0:
        names = ["big.bin"] if case == "file" else sorted(n for n in data["digests"] if n != "big.bin")
        problem = verify(target, names, data["digests"])
        row["checksums_ok"] = problem is None
        if problem:
            row["error"] = problem
        shutil.rmtree(target, ignore_errors=True)
    log(f"{tool:15s} {case:4s} {direction:4s} {seconds:7.2f} s {row['mb_per_s']:7.1f} MB/s  "
        f"cpu client {row['client_cpu_s']:5.1f} s server {server_cpu:5.1f} s  load {load:.1f}"
        + (f"  FAILED: {row['error'][:200]}" if "error" in row else ""))
    return row


# --- sync lag -----------------------------------------------------------------

def run_sync_lag(args, work, env, server_pid):
    log(f"sync lag: sizes {args.lag_sizes_mb} MiB, {args.lag_files} files each, one per {args.lag_interval_ms} ms")
    argv = [args.bench_bin, "sync-lag", "--uri", f"s3://{BUCKET}/sync-lag", "--dir", os.path.join(work, "lag"),
            "--sizes-mb", args.lag_sizes_mb, "--files", str(args.lag_files), "--interval-ms", str(args.lag_interval_ms)]
    server_cpu = cpu_seconds(server_pid)
    seconds, rc, usage, _, out, err = timed(argv, env)
    server_cpu = cpu_seconds(server_pid) - server_cpu
    if rc != 0:
        log(f"sync-lag failed: {err.strip()[-1000:]}")
        return {"error": err.strip()[-2000:], "seconds": seconds}
    result = json.loads(out.strip().splitlines()[-1])
    result.update(seconds=seconds, client_cpu_s=usage.ru_utime + usage.ru_stime, server_cpu_s=server_cpu)
    result["by_size"] = {}
    for size in sorted({s["size"] for s in result["samples"]}):
        samples = [s for s in result["samples"] if s["size"] == size]
        lags = [s["lag_ms"] for s in samples if s["lag_ms"] >= 0]
        close = [s["close_to_durable_ms"] for s in samples if s["close_to_durable_ms"] >= 0]
        summary = {"files": len(samples), "reported": len(lags),
                   "lag_p50_ms": percentile(lags, 50), "lag_p99_ms": percentile(lags, 99),
                   "lag_max_ms": max(lags) if lags else None,
                   "close_to_durable_p50_ms": percentile(close, 50), "close_to_durable_p99_ms": percentile(close, 99),
                   "write_p50_ms": percentile([s["write_ms"] for s in samples], 50)}
        result["by_size"][str(size >> 20)] = summary
        log(f"  {size >> 20:3d} MiB: lag p50 {summary['lag_p50_ms']} ms, p99 {summary['lag_p99_ms']} ms "
            f"({len(lags)}/{len(samples)} reported)")
    shutil.rmtree(os.path.join(work, "lag"), ignore_errors=True)
    return result


# --- pytorch-ddp ----------------------------------------------------------------

def agent_pids(job_name):
    """The trainyard agent processes of job_name (the agent's argv names the job). A child
    the agent has forked but not yet exec'd (to start the training program) has the same
    command line; it is left out."""
    marker = b"\0--job\0" + job_name.encode() + b"\0"
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            if b"\0agent\0" in cmdline and marker in cmdline:
                with open(f"/proc/{pid}/stat") as f:
                    parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return [pid for pid, parent in parents.items() if parent not in parents]


def read_status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class AgentMemorySampler(threading.Thread):
    """Polls the job's agents' VmHWM (a high-water mark: the last reading is the peak so far)."""

    def __init__(self, job_name, period_s=0.1):
        super().__init__(daemon=True)
        self.job_name, self.period_s = job_name, period_s
        self.peak_kb = {}  # pid -> VmHWM
        self.rss_kb = {}   # pid -> largest VmRSS seen
        self.cpu_s = {}    # pid -> CPU seconds at the last reading
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(self.period_s):
            for pid in agent_pids(self.job_name):
                hwm, rss = read_status_kb(pid, "VmHWM"), read_status_kb(pid, "VmRSS")
                if hwm is not None:
                    self.peak_kb[pid] = max(hwm, self.peak_kb.get(pid, 0))
                if rss is not None:
                    self.rss_kb[pid] = max(rss, self.rss_kb.get(pid, 0))
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self.cpu_s[pid] = cpu


def ddp_job(args, work, name, checkpoints):
    with open(os.path.join(ROOT, "examples", "pytorch-ddp", "job.json")) as f:
        job = json.load(f)
    job["TrainingJobName"] = name
    job["HyperParameters"].update({"steps": str(args.ddp_steps), "checkpoint-every": str(args.ddp_checkpoint_every),
                                   "batch-size": str(args.ddp_batch_size),
                                   "sagemaker_submit_directory": os.path.join(ROOT, "examples", "pytorch-ddp")})
    job["OutputDataConfig"]["S3OutputPath"] = "file://" + os.path.join(work, "ddp-output")
    if checkpoints:
        job["CheckpointConfig"]["S3Uri"] = f"s3://{BUCKET}/ddp/{name}"
    else:
        del job["CheckpointConfig"]
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        json.dump(job, f)
    return path


TRAINED = re.compile(r"^\[(algo-\d+)\] trained steps (\d+)\.\.(\d+) in ([0-9.]+) s", re.M)


def run_ddp_once(args, work, env, index, checkpoints):
    name = f"bench-ddp-{'ckpt' if checkpoints else 'none'}-{index}"
    job_file = ddp_job(args, work, name, checkpoints)
    state = os.path.join(work, f"ddp-state-{index}")
    sampler = AgentMemorySampler(name)
    sampler.start()
    load = loadavg()
    server_cpu = cpu_seconds(args.s3rver_pid)
    seconds, rc, _, _, stdout, stderr = timed([args.trainyard_bin, "run", job_file, "--state-dir", state], env)
    server_cpu = cpu_seconds(args.s3rver_pid) - server_cpu
    sampler.done.set()
    sampler.join()
    row = {"job": name, "checkpoints": checkpoints, "exit_status": rc, "seconds": seconds,
           "loadavg_1m_before": load, "agent_vmhwm_kb": sorted(sampler.peak_kb.values()),
           "agent_vmrss_max_kb": sorted(sampler.rss_kb.values()),
           # CPU seconds of the agents (at their last 0.1 s sample) and of s3rver
           "agent_cpu_s": sum(sampler.cpu_s.values()), "s3rver_cpu_s": server_cpu}
    trained = {m.group(1): (int(m.group(2)), int(m.group(3)), float(m.group(4)))
               for m in TRAINED.finditer(stdout)}
    if rc != 0 or "algo-1" not in trained:
        row["error"] = (stdout[-1500:] + stderr[-1500:]).strip()
    else:
        first, last, train_s = trained["algo-1"]
        row.update(steps=last - first + 1, train_seconds=train_s,
                   step_ms=train_s * 1000 / (last - first + 1),
                   train_seconds_by_host={h: t[2] for h, t in trained.items()},
                   checkpoints_saved=stdout.count("saved checkpoint-"))
    if checkpoints and "error" not in row:
        row["store_objects"] = count_objects(args.endpoint, f"ddp/{name}/")
    shutil.rmtree(state, ignore_errors=True)
    log(f"ddp {name}: " + (f"FAILED {row['error'][-300:]}" if "error" in row else
                           f"{row['step_ms']:.3f} ms/step ({row['train_seconds']:.2f} s for {row['steps']} steps), "
                           f"agents VmHWM {row['agent_vmhwm_kb']} KiB, CPU agents {row['agent_cpu_s']:.1f} s "
                           f"s3rver {server_cpu:.1f} s, load {load:.1f}"))
    return row


def count_objects(endpoint, prefix):
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY,
                          aws_secret_access_key=SECRET,
                          config=botocore.config.Config(s3={"addressing_style": "path"}))
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        count += len(page.get("Contents", []))
    return count


def run_ddp(args, work, env, server_pid):
    rows = []
    for i in range(args.ddp_runs):  # alternating, so both configurations see the same background load
        for checkpoints in (False, True):
            rows.append(run_ddp_once(args, work, env, len(rows), checkpoints))
    summary = {}
    for checkpoints in (False, True):
        runs = [r for r in rows if r["checkpoints"] == checkpoints and "step_ms" in r]
        ok = [r["step_ms"] for r in runs]
        summary["with_checkpoints" if checkpoints else "without"] = {
            "runs": len(ok), "step_ms_median": statistics.median(ok) if ok else None,
            "step_ms_min": min(ok) if ok else None, "step_ms_max": max(ok) if ok else None,
            "train_seconds_median": statistics.median(r["train_seconds"] for r in runs) if runs else None,
            "agent_cpu_s_median": statistics.median(r["agent_cpu_s"] for r in runs) if runs else None,
            "s3rver_cpu_s_median": statistics.median(r["s3rver_cpu_s"] for r in runs) if runs else None}
    base, ckpt = summary["without"]["step_ms_median"], summary["with_checkpoints"]["step_ms_median"]
    summary["slowdown"] = ckpt / base - 1 if base and ckpt else None
    return {"runs": rows, "summary": summary}


def versions():
    def first_line(argv):
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
            return p.stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    with open(os.path.join(ROOT, "tools", "s3rver", "node_modules", "s3rver", "package.json")) as f:
        s3rver = json.load(f)["version"]
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src"], stdout=subprocess.PIPE,
                           text=True).stdout.splitlines()
    return {"git_head": first_line(["git", "-C", ROOT, "rev-parse", "HEAD"]),
            "src_uncommitted_files": len(dirty), "aws": first_line(["aws", "--version"]),
            "s3cmd": first_line(["s3cmd", "--version"]),
            "curl": first_line(["curl", "--version"]), "node": first_line(["node", "--version"]),
            "s3rver": s3rver, "nproc": os.cpu_count(), "kernel": os.uname().release}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-bin", required=True, help="checkpoint_bench")
    parser.add_argument("--trainyard-bin", required=True)
    parser.add_argument("--endpoint", required=True, help="s3rver, http://127.0.0.1:PORT")
    parser.add_argument("--work", required=True, help="scratch directory (must exist)")
    parser.add_argument("--out", required=True, help="results JSON")
    parser.add_argument("--file-mib", type=int, default=1024)
    parser.add_argument("--dir-files", type=int, default=256)
    parser.add_argument("--dir-file-mib", type=int, default=4)
    parser.add_argument("--lag-sizes-mb", default="1,16,64")
    parser.add_argument("--lag-files", type=int, default=20)
    parser.add_argument("--lag-interval-ms", type=int, default=1000)
    parser.add_argument("--ddp-runs", type=int, default=5, help="runs of each configuration")
    parser.add_argument("--ddp-steps", type=int, default=3000)
    parser.add_argument("--ddp-checkpoint-every", type=int, default=10)
    parser.add_argument("--ddp-batch-size", type=int, default=64)
    parser.add_argument("--s3rver-pid", type=int, required=True, help="for its CPU time")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: transfers, what-if, lag, ddp")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_children)
    signal.signal(signal.SIGINT, stop_children)
    skip = set(filter(None, args.skip.split(",")))
    os.environ["BENCH_S3_ENDPOINT"] = args.endpoint
    env = tool_environment(args.work)

    result = {"started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "versions": versions(),
              "endpoint": args.endpoint, "settings": {k: v for k, v in vars(args).items() if k not in ("out",)}}
    boto3.client("s3", endpoint_url=args.endpoint, region_name=REGION, aws_access_key_id=KEY,
                 aws_secret_access_key=SECRET).create_bucket(Bucket=BUCKET)
    result["transfers"] = []
    what_if = "what-if" not in skip
    if "transfers" not in skip or what_if:
        log(f"making data: {args.file_mib} MiB file, {args.dir_files} x {args.dir_file_mib} MiB files")
        data = make_data(args.work, args.file_mib, args.dir_files, args.dir_file_mib)
        tools = Tools(args, data, args.work)
        if "transfers" not in skip:
            result["transfers"] = run_transfers(tools, data, args.work, env, args.s3rver_pid)
        if what_if:
            result["what_if"] = run_transfers(tools, data, args.work, env, args.s3rver_pid, names=list(WHAT_IF))
        shutil.rmtree(os.path.join(args.work, "src"), ignore_errors=True)
    result["ratios"] = ratios(result["transfers"])
    if "lag" not in skip:
        result["sync_lag"] = run_sync_lag(args, args.work, env, args.s3rver_pid)
    if "ddp" not in skip:
        result["ddp"] = run_ddp(args, args.work, env, args.s3rver_pid)
    result["memory"] = memory_summary(result)
    result["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(summarize(result))
    failed = [r for r in result["transfers"] if "error" in r] + [r for r in result.get("ddp", {}).get("runs", [])
                                                                 if "error" in r]
    return 1 if failed or "error" in result.get("sync_lag", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
