#!/usr/bin/env python3
"""bench/start: how long from CreateTrainingJob until the training program runs.

Starts a fresh `trainyard server` (tests/e2e/harness.py), then for each instance
count runs hello jobs one after another and, per job, computes

  start latency = max over instances of the time of the agent's
                  "[trainyard] started ..." log line  -  CreationTime

i.e. until the LAST instance's training process has been exec'd. Both times are
taken by the same host clock (the server's NowMs for CreationTime, the agent's
for the log line), in milliseconds. It also records the agent's
"[trainyard] preparing ..." line (written right after the agent registered),
SecondaryStatusTransitions, Create->Completed as the server saw it
(LastModifiedTime of the Completed record - CreationTime) and as the client saw
it (wall clock from sending CreateTrainingJob to seeing Completed, which
includes the polling interval).

Then it measures an idle agent's memory: a job whose program is /bin/sleep, its
agents' VmRSS / VmHWM / RssAnon / RssFile / Pss read from /proc while the
program sleeps, then the job is stopped.

Prints a Markdown report and writes raw JSON to bench/out/start-<UTC date>.json.

  python3 bench/start/bench_start.py [--jobs 50] [--instances 1,4] [--warmup 2]
  python3 bench/start/bench_start.py --cleanup STATE_DIR   # used by run.sh's trap
"""

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import harness  # noqa: E402  (tests/e2e/harness.py: Server, signed raw calls, kill_instances)

HELLO = os.path.join(REPO, "examples", "hello")
STARTED = "[trainyard] started "
PREPARING = "[trainyard] preparing "
URL_FILE = "bench-server-url"
PID_FILE = "bench-server-pid"


# --- small helpers ----------------------------------------------------------

def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default, 'linear')."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(values):
    if not values:
        return {}
    return {"n": len(values), "min": min(values), "p50": percentile(values, 50),
            "p90": percentile(values, 90), "p99": percentile(values, 99), "max": max(values),
            "mean": statistics.fmean(values)}


def call(server, target, body, service="SageMaker"):
    status, out, _ = server.raw(json.dumps(body).encode(), target=f"{service}.{target}")
    if status != 200:
        raise RuntimeError(f"{target} -> HTTP {status}: {out}")
    return out


def job_logs(server, name):
    lines, after = [], 0
    while True:
        out = call(server, "GetTrainingJobLogs", {"TrainingJobName": name, "AfterId": after},
                   service="Trainyard")
        lines += out["Lines"]
        if not out["Lines"] or out["LastId"] == after:
            return lines
        after = out["LastId"]


def job_request(name, instances, out_dir, entrypoint=None):
    spec = {"TrainingImage": "hello", "TrainingInputMode": "File"}
    if entrypoint:
        spec["ContainerEntrypoint"] = entrypoint
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/trainyard-bench",
        "AlgorithmSpecification": spec,
        "HyperParameters": {"epochs": "1", "lr": "0.1", "sleep-seconds": "0"},
        "OutputDataConfig": {"S3OutputPath": "file://" + out_dir},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": instances, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def wait_status(server, name, statuses, poll_s, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while True:
        job = call(server, "DescribeTrainingJob", {"TrainingJobName": name})
        if job["TrainingJobStatus"] in statuses:
            return job, time.time()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: still {job['TrainingJobStatus']} after {timeout_s} s")
        time.sleep(poll_s)


def agent_pids(server, job=None):
    """PIDs of this server's `trainyard agent` processes (same match as
    harness.kill_instances), or only those of one job."""
    marker = ("--server\0" + server.url + "\0").encode()
    job_marker = ("\0--job\0" + job + "\0").encode() if job else b""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if marker in cmd and b"\0agent\0" in cmd and job_marker in cmd:
                pids.append(int(pid))
        except OSError:
            pass
    return sorted(pids)


def proc_kb(pid, path, keys):
    out = {}
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


# --- the measurements -------------------------------------------------------

def run_job(server, name, instances, out_dir, poll_s, quiesce=True):
    t_send = time.time()
    call(server, "CreateTrainingJob", job_request(name, instances, out_dir))
    t_acked = time.time()
    job, t_seen = wait_status(server, name, ("Completed", "Failed", "Stopped"), poll_s)
    if job["TrainingJobStatus"] != "Completed":
        raise RuntimeError(f"{name}: {job['TrainingJobStatus']}: {job.get('FailureReason')}")
    created_ms = round(job["CreationTime"] * 1000)
    lines = job_logs(server, name)
    started = {l["Instance"]: l["Time"] for l in lines if l["Stream"] == "agent" and l["Text"].startswith(STARTED)}
    preparing = {l["Instance"]: l["Time"] for l in lines if l["Stream"] == "agent" and l["Text"].startswith(PREPARING)}
    if len(started) != instances:
        raise RuntimeError(f"{name}: {len(started)} of {instances} instances logged '{STARTED.strip()}'")
    # Agents leave after their next report once the job is over (up to a heartbeat
    # later). Unless told not to, wait for them, so that the next job's start does
    # not share the CPUs with this job's teardown.
    lingered_ms = None
    if quiesce:
        deadline = time.monotonic() + 5
        while agent_pids(server) and time.monotonic() < deadline:
            time.sleep(0.005)
        lingered_ms = (time.time() - t_seen) * 1000
    return {
        "name": name,
        "instances": instances,
        "creation_ms": created_ms,
        "start_latency_ms": max(started.values()) - created_ms,
        "first_start_latency_ms": min(started.values()) - created_ms,
        "registered_latency_ms": max(preparing.values()) - created_ms if preparing else None,
        "started_ms_by_instance": {h: t - created_ms for h, t in sorted(started.items())},
        "preparing_ms_by_instance": {h: t - created_ms for h, t in sorted(preparing.items())},
        "completed_server_s": job["LastModifiedTime"] - job["CreationTime"],
        "completed_client_s": t_seen - t_send,
        "create_call_ms": (t_acked - t_send) * 1000,
        "agents_gone_after_completed_seen_ms": lingered_ms,
        "client_send_to_creation_ms": created_ms - t_send * 1000,
        "secondary_status_transitions": [
            {"Status": t["Status"], "Start_ms": round(t["StartTime"] * 1000) - created_ms,
             "End_ms": round(t["EndTime"] * 1000) - created_ms if "EndTime" in t else None}
            for t in job.get("SecondaryStatusTransitions", [])],
    }


def idle_agent_memory(server, instances, out_dir, settle_s=2.0, samples=5):
    name = f"bench-idle-{instances}x-{int(time.time())}"
    call(server, "CreateTrainingJob",
         job_request(name, instances, out_dir, entrypoint=["/bin/sleep", "30"]))
    try:
        deadline = time.monotonic() + 60
        while True:
            started = [l for l in job_logs(server, name)
                       if l["Stream"] == "agent" and l["Text"].startswith(STARTED)]
            if len(started) == instances:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: programs did not start")
            time.sleep(0.1)
        time.sleep(settle_s)  # a few heartbeats: the agent is now in its steady idle loop
        pids_now = agent_pids(server, name)  # while the job runs: after the stop they are gone
        by_file = rss_by_mapping(pids_now[0]) if pids_now else {}
        own_ns = [own_namespaces(pid) for pid in pids_now]
        per_sample = []
        for _ in range(samples):
            snap = {}
            for pid in agent_pids(server, name):
                status = proc_kb(pid, "status", {"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"})
                status.update(proc_kb(pid, "smaps_rollup", {"Pss"}))
                snap[pid] = status
            per_sample.append(snap)
            time.sleep(0.5)
    finally:
        call(server, "StopTrainingJob", {"TrainingJobName": name})
        wait_status(server, name, ("Stopped", "Completed", "Failed"), 0.1, timeout_s=60)
    pids = sorted({pid for snap in per_sample for pid in snap})
    worst = {}
    for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Pss", "Threads"):
        worst[key] = max((snap[p].get(key, 0) for snap in per_sample for p in snap), default=0)
    return {"job": name, "instances": instances, "agent_pids": pids, "samples": per_sample,
            "max_kb": worst, "rss_kb_by_mapping": by_file,
            "agents_in_own_mnt_and_uts_namespaces": bool(own_ns) and all(own_ns)}


def own_namespaces(pid):
    """True when the process has a mount and UTS namespace other than ours."""
    try:
        return all(os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}")
                   for ns in ("mnt", "uts"))
    except OSError:
        return False


def rss_by_mapping(pid):
    """Rss (kB) of one process per mapped file ([heap], [stack], anonymous...), largest first."""
    totals, current = {}, None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split()
                if not head:
                    continue
                if "-" in head[0] and not head[0].endswith(":"):
                    current = head[5] if len(head) > 5 else "[anonymous]"
                    current = os.path.basename(current) if current.startswith("/") else current
                elif head[0] == "Rss:" and current is not None:
                    totals[current] = totals.get(current, 0) + int(head[1])
    except OSError:
        return {}
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def drain_server_output(server, path):
    """The harness leaves the server's stdout/stderr on pipes; a hundred jobs'
    worth of log lines would fill them and block the server. Copy them to a file."""
    log = open(path, "a")

    def copy(stream):
        try:
            for line in stream:
                log.write(line)
                log.flush()
        except (OSError, ValueError):
            pass
    for stream in (server.proc.stdout, server.proc.stderr):
        threading.Thread(target=copy, args=(stream,), daemon=True).start()


def fmt_ms(x):
    return f"{x:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=50, help="measured jobs per instance count")
    ap.add_argument("--instances", default="1,4", help="comma-separated instance counts")
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured jobs before each instance count")
    ap.add_argument("--poll", type=float, default=0.05, help="DescribeTrainingJob poll interval, s")
    ap.add_argument("--no-quiesce", action="store_true",
                    help="create the next job as soon as one is Completed, without waiting for its agents to exit")
    ap.add_argument("--state-dir", help="server state directory (default: a new temporary one)")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "out"), help="where the JSON goes")
    ap.add_argument("--goal-p50-ms", type=float, default=100.0)
    ap.add_argument("--goal-agent-mb", type=float, default=10.0)
    ap.add_argument("--cleanup", metavar="STATE_DIR", help="kill a crashed run's server and agents, then exit")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="one more argument for `trainyard server` (repeatable), e.g. --server-arg=--no-collective-check")
    args = ap.parse_args()

    if args.cleanup:
        return cleanup(args.cleanup)

    state_dir = args.state_dir or tempfile.mkdtemp(prefix="trainyard-bench-start-")
    os.makedirs(state_dir, exist_ok=True)
    out_dir = os.path.join(state_dir, "output")
    server = harness.Server(state_dir=state_dir, extra_args=["--image", f"hello={HELLO}"] + args.server_arg)
    # The harness puts "--grace-period 2" first; the server also needs the image mapping.

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
               "binary": os.path.abspath(harness.BIN), "host": platform.node(),
               "kernel": platform.release(), "cpus": os.cpu_count(),
               "euid": os.geteuid(), "namespaces": os.geteuid() == 0,
               "jobs_per_count": args.jobs, "quiesce": not args.no_quiesce, "warmup_per_count": args.warmup, "poll_s": args.poll,
               "ld_preload": os.environ.get("LD_PRELOAD", ""), "server_args": args.server_arg,
               "loadavg_before": loadavg(), "runs": {}, "idle_agent": {}}
    try:
        server.start()
        drain_server_output(server, os.path.join(state_dir, "server.log"))
        with open(os.path.join(state_dir, URL_FILE), "w") as f:
            f.write(server.url)
        with open(os.path.join(state_dir, PID_FILE), "w") as f:
            f.write(str(server.proc.pid))
        print(f"server {server.url} (pid {server.proc.pid}), state {state_dir}, "
              f"euid {os.geteuid()} -> {'namespaces on' if os.geteuid() == 0 else 'no namespaces'}",
              file=sys.stderr)
        stamp = int(time.time())
        for count in [int(c) for c in args.instances.split(",") if c]:
            for i in range(args.warmup):
                run_job(server, f"bench-warm-{count}x-{stamp}-{i}", count, out_dir, args.poll,
                        not args.no_quiesce)
            jobs = []
            for i in range(args.jobs):
                r = run_job(server, f"bench-{count}x-{stamp}-{i:03d}", count, out_dir, args.poll,
                            not args.no_quiesce)
                jobs.append(r)
                print(f"  {count}x job {i + 1:3d}/{args.jobs}: start {r['start_latency_ms']:4d} ms "
                      f"(registered {r['registered_latency_ms']} ms), completed "
                      f"{r['completed_server_s']:.2f} s", file=sys.stderr)
            results["runs"][str(count)] = {
                "jobs": jobs,
                "start_latency_ms": summary([j["start_latency_ms"] for j in jobs]),
                "first_start_latency_ms": summary([j["first_start_latency_ms"] for j in jobs]),
                "registered_latency_ms": summary([j["registered_latency_ms"] for j in jobs
                                                  if j["registered_latency_ms"] is not None]),
                "completed_server_s": summary([j["completed_server_s"] for j in jobs]),
                "completed_client_s": summary([j["completed_client_s"] for j in jobs]),
                "create_call_ms": summary([j["create_call_ms"] for j in jobs]),
                "agents_gone_after_completed_seen_ms": summary(
                    [j["agents_gone_after_completed_seen_ms"] for j in jobs
                     if j["agents_gone_after_completed_seen_ms"] is not None]),
            }
        for count in (1, 4):
            results["idle_agent"][str(count)] = idle_agent_memory(server, count, out_dir)
        results["loadavg_after"] = loadavg()
    finally:
        try:
            server.cleanup()  # SIGTERM the server, SIGKILL every agent session, remove nothing (state_dir given)
        finally:
            if not args.state_dir:
                subprocess.run(["rm", "-rf", state_dir], check=False)

    report(results, args)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"start-{results['date']}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nraw results: {os.path.relpath(path, os.getcwd())}")
    return 0


def report(r, args):
    print(f"## bench/start — {r['date']}\n")
    seen = [m.get("agents_in_own_mnt_and_uts_namespaces") for m in r["idle_agent"].values()]
    print(f"{r['cpus']} CPUs, kernel {r['kernel']}, server euid {r['euid']} "
          f"({'root' if r['euid'] == 0 else 'not root'}; agents seen in their own mount+UTS namespaces: "
          f"{'yes' if seen and all(seen) else 'no'}), "
          f"{r['jobs_per_count']} measured jobs per row after {r['warmup_per_count']} warm-up jobs, "
          f"{'each created once the previous job was Completed and its agents had exited' if r['quiesce'] else 'each created as soon as the previous job was Completed'}, "
          f"load average before {' '.join(r['loadavg_before'])}, after {' '.join(r.get('loadavg_after', ['?']))}"
          f"{', server arguments ' + ' '.join(r['server_args']) if r.get('server_args') else ''}.\n")
    print("Start latency = last instance's `[trainyard] started` line − CreationTime.\n")
    if r.get("ld_preload"):
        print(f"**LD_PRELOAD={r['ld_preload']}** (a what-if run, not the code as built).\n")
    print("| instances | p50 ms | p99 ms | max ms | Create→last agent registered, p50 ms | Create→Completed p50 s (server) | (client) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count, run in r["runs"].items():
        s, reg = run["start_latency_ms"], run["registered_latency_ms"]
        print(f"| {count} | {fmt_ms(s['p50'])} | {fmt_ms(s['p99'])} | {fmt_ms(s['max'])} | "
              f"{fmt_ms(reg['p50']) if reg else '-'} | {run['completed_server_s']['p50']:.2f} | "
              f"{run['completed_client_s']['p50']:.2f} |")
    print()
    print("| idle agents | VmRSS kB (max per agent) | VmHWM kB | RssAnon kB | RssFile kB | Pss kB | threads |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count, m in r["idle_agent"].items():
        k = m["max_kb"]
        print(f"| {count} | {k['VmRSS']} | {k['VmHWM']} | {k['RssAnon']} | {k['RssFile']} | {k['Pss']} | {k['Threads']} |")
    print()
    one = r["idle_agent"].get("1", {}).get("rss_kb_by_mapping", {})
    if one:
        top = list(one.items())[:8]
        print("Largest parts of one idle agent's RSS (kB): " + ", ".join(f"{k} {v}" for k, v in top) +
              f"; {len(one)} mappings in all.\n")
    goal_ms, goal_kb = args.goal_p50_ms, args.goal_agent_mb * 1024
    for count, run in r["runs"].items():
        p50 = run["start_latency_ms"]["p50"]
        print(f"- goal p50 <= {goal_ms:.0f} ms, {count} instance(s): {'met' if p50 <= goal_ms else 'NOT met'} ({p50:.0f} ms)")
    worst = max((m["max_kb"]["VmRSS"] for m in r["idle_agent"].values()), default=0)
    worst_hwm = max((m["max_kb"]["VmHWM"] for m in r["idle_agent"].values()), default=0)
    print(f"- goal agent < {args.goal_agent_mb:.0f} MB (VmRSS, MB = 1024 kB·1024): "
          f"{'met' if worst < goal_kb else 'NOT met'} (VmRSS {worst / 1024:.1f} MB, VmHWM {worst_hwm / 1024:.1f} MB)")


def cleanup(state_dir):
    """run.sh's trap: whatever a killed bench left behind (server and agents)."""
    try:
        with open(os.path.join(state_dir, URL_FILE)) as f:
            url = f.read().strip()
    except OSError:
        url = None
    try:
        with open(os.path.join(state_dir, PID_FILE)) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"\0server\0" in f.read():
                os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass
    if url:
        server = harness.Server(state_dir=state_dir)
        server.url = url
        server.kill_instances()
    return 0


if __name__ == "__main__":
    sys.exit(main())
