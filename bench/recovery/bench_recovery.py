"""bench/recovery: detection latency, restart overhead and steps lost for real
faults on a two-instance pytorch-ddp job (see README.md).

For each fault kind, one long job with checkpoints (file://, every --every
steps) takes --faults faults on algo-2, one at a time: each after training has
resumed and a new checkpoint is durable. For each fault:
  detection  = the restart record's FaultTime - the moment of injection
  overhead   = the record's ResumedTime (every training process started
               again; the program's own start-up, e.g. importing torch, is
               not counted) - the moment of injection
  steps lost = the last step rank 0 logged before the restart - the step
               the next attempt resumed from (steps are logged every 10, so
               this undercounts by at most 9)
Each fault comes a random 0..--jitter seconds after a checkpoint became
durable, so that steps lost are not always near zero. Kinds: process (SIGKILL of algo-2's training process), agent (SIGKILL of
algo-2's agent), network (algo-2's link down; needs root and bridged
instances). Run with pyenv's python3 (boto3); the server runs the job with
Debian's torch."""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))

from faults import (DDP, bridge_flags, can_bridge, checkpoint_steps, ddp_request, describe_execution,  # noqa: E402
                    instance, kill_agent, kill_training, logged_steps, new_bridge, remove_bridge, set_link,
                    wait_for)
from harness import Server, job_request  # noqa: E402


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_kind(kind, args, scratch):
    network = "bridge" if kind == "network" else "host"
    server_args = ["--image", "pytorch-ddp=" + DDP, "--max-restarts", str(args.faults + 5),
                   "--restart-grace-seconds", str(args.restart_grace)]
    bridge = None
    if network == "bridge":  # a bridge of its own, removed at the end
        bridge, subnet = new_bridge("tybench")
        server_args += bridge_flags(bridge, subnet)
    server = Server(extra_args=server_args).start()
    name = f"bench-{kind}"
    checkpoints = os.path.join(scratch, f"ckpt-{kind}")
    results = []
    rng = random.Random(args.seed)
    try:
        sm = server.boto3()
        request = ddp_request(job_request, name, "file://" + checkpoints, args.steps, args.every)
        request["HyperParameters"]["step-delay-ms"] = str(args.step_delay_ms)
        sm.create_training_job(**request)
        for n in range(args.faults):
            # Training runs (again) and a checkpoint newer than the last fault is durable.
            floor = max(checkpoint_steps(checkpoints) or [0])
            wait_for(lambda: (checkpoint_steps(checkpoints) or [0])[-1] > floor, 300, "a new durable checkpoint")
            time.sleep(rng.uniform(0, args.jitter))  # not always just after a checkpoint
            known = len(describe_execution(server, name)["Trainyard"]["Restarts"])
            status = sm.describe_training_job(TrainingJobName=name)
            if status["TrainingJobStatus"] != "InProgress":
                raise RuntimeError(f"{name} ended early: {status.get('FailureReason')}")
            if kind == "process":
                injected = kill_training(name, "algo-2")
            elif kind == "agent":
                injected = kill_agent(name, "algo-2")
            else:
                link = instance(describe_execution(server, name), "algo-2")["NetworkLink"]
                injected = set_link(link, up=False)
            try:
                # The first restart after the fault noticed it; training is back once the newest has resumed.
                records = wait_for(lambda: _restarts_since(server, name, known), 120,
                                   f"the restart after fault {n + 1} of {name}", interval=0.1)
            except AssertionError:
                print(server.trainyard("jobs", "describe", name).stdout, file=sys.stderr)
                print(server.trainyard("logs", name).stdout[-4000:], file=sys.stderr)
                raise
            results.append({"fault": n + 1, "kind": kind, "injected": injected,
                            "detection_s": records[0]["FaultTime"] - injected,
                            "overhead_s": records[-1]["ResumedTime"] - injected,
                            "restarts": len(records),
                            "cause": records[0]["Cause"], "replaced": records[0]["Replaced"]})
            print(f"  {kind} #{n + 1}: detected {results[-1]['detection_s']:.3f} s, "
                  f"training again {results[-1]['overhead_s']:.3f} s after the fault", flush=True)
        # The last resume is logged once torch has loaded; then the job can go.
        wait_for(lambda: len(logged_steps(server.trainyard("logs", name, "--instance", "algo-1").stdout))
                 >= args.faults, 120, "the last resume in the log", interval=0.5)
        sm.stop_training_job(TrainingJobName=name)
        wait_for(lambda: sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] != "Stopping", 120,
                 "the stop")
        # Rank 0 (algo-1, never the one faulted) logs every 10th step and each resume, in order.
        resumes = logged_steps(server.trainyard("logs", name, "--instance", "algo-1").stdout)
        for r, (last_step, resumed) in zip(results, resumes):
            r["steps_lost"] = max(0, last_step - resumed)
    finally:
        server.cleanup()
        if bridge:
            remove_bridge(bridge)
    return results


def run_loop(args, scratch):
    """The peer: restart_loop.py (a hand-written restart loop) under the same process kills."""
    import signal
    import subprocess
    checkpoints = os.path.join(scratch, "ckpt-loop")
    os.makedirs(checkpoints, exist_ok=True)
    events_path = os.path.join(scratch, "loop-events.jsonl")
    output_path = os.path.join(scratch, "loop-output.log")
    rng = random.Random(args.seed)
    with open(output_path, "w") as output:
        loop = subprocess.Popen([sys.executable, os.path.join(HERE, "restart_loop.py"), "--checkpoint-dir", checkpoints,
                                 "--events", events_path, "--steps", str(args.steps), "--checkpoint-every",
                                 str(args.every), "--step-delay-ms", str(args.step_delay_ms)],
                                stdout=output, stderr=subprocess.STDOUT)

    def events():
        with open(events_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def loop_steps():
        steps = []
        for name in os.listdir(checkpoints):
            m = re.match(r"checkpoint-(\d+)\.pt$", name)
            if m:
                steps.append(int(m.group(1)))
        return sorted(steps)

    results = []
    try:
        wait_for(lambda: os.path.exists(events_path), 60, "the restart loop")
        for n in range(args.faults):
            floor = (loop_steps() or [0])[-1]
            wait_for(lambda: (loop_steps() or [0])[-1] > floor, 300, "a new checkpoint")
            time.sleep(rng.uniform(0, args.jitter))
            victim = [e for e in events() if e["event"] == "started" and e["rank"] == 1][-1]["pid"]
            injected = time.time()
            os.kill(victim, signal.SIGKILL)
            seen = wait_for(lambda: [e for e in events() if e["time"] > injected and e["event"] == "started"
                                     and e["rank"] == 1], 120, "the loop's restart")
            exits = [e for e in events() if e["time"] > injected and e["event"] == "exit" and e["pid"] == victim]
            results.append({"fault": n + 1, "kind": "loop-process", "injected": injected,
                            "detection_s": exits[0]["time"] - injected, "overhead_s": seen[0]["time"] - injected})
            print(f"  loop-process #{n + 1}: detected {results[-1]['detection_s']:.3f} s, "
                  f"training again {results[-1]['overhead_s']:.3f} s after the fault", flush=True)
        wait_for(lambda: len(logged_steps(_read_text(output_path))) >= args.faults, 120,
                 "the loop's last resume (logged once torch has loaded)", interval=0.5)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.wait(timeout=60)
    with open(output_path) as f:
        resumes = logged_steps(f.read())
    for r, (last_step, resumed) in zip(results, resumes):
        r["steps_lost"] = max(0, last_step - resumed)
    return results


def _read_text(path):
    with open(path) as f:
        return f.read()


def _restarts_since(server, name, known):
    """The restart records after the first `known`, once the newest has resumed training."""
    records = describe_execution(server, name)["Trainyard"]["Restarts"][known:]
    return records if records and "ResumedTime" in records[-1] else None


def summarize(results):
    summary = {}
    for kind in sorted({r["kind"] for r in results}):
        rs = [r for r in results if r["kind"] == kind]
        lost = [r["steps_lost"] for r in rs if "steps_lost" in r]
        summary[kind] = {
            "faults": len(rs),
            "detection_p50_s": percentile([r["detection_s"] for r in rs], 50),
            "detection_p99_s": percentile([r["detection_s"] for r in rs], 99),
            "overhead_p50_s": percentile([r["overhead_s"] for r in rs], 50),
            "overhead_p99_s": percentile([r["overhead_s"] for r in rs], 99),
            "steps_lost_max": max(lost) if lost else None,
            "steps_lost_median": statistics.median(lost) if lost else None,
            "restarts_per_fault_max": max(r.get("restarts", 1) for r in rs),
        }
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", type=int, default=20, help="faults of each kind")
    parser.add_argument("--kinds", default="process,agent,network,loop-process",
                        help="loop-process: the peer, a hand-written restart loop, under the same process kills")
    parser.add_argument("--steps", type=int, default=1_000_000, help="the job's steps (it is stopped at the end)")
    parser.add_argument("--every", type=int, default=100, help="checkpoint interval in steps")
    parser.add_argument("--step-delay-ms", type=float, default=2.0)
    parser.add_argument("--restart-grace", type=int, default=5)
    parser.add_argument("--jitter", type=float, default=1.0,
                        help="inject each fault a random 0..JITTER s after a new checkpoint is durable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="trainyard-bench-recovery-")
    results = []
    try:
        for kind in args.kinds.split(","):
            if kind == "network" and not can_bridge():
                print("network: skipped (needs root for network namespaces)")
                continue
            print(f"{kind}: {args.faults} faults", flush=True)
            results += run_loop(args, scratch) if kind == "loop-process" else run_kind(kind, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary = summarize(results)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "args": vars(args),
              "cpus": os.cpu_count(), "load": os.getloadavg(), "summary": summary, "faults": results}
    out = args.out or os.path.join(HERE, "..", "out", time.strftime("recovery-%Y%m%dT%H%M%SZ.json", time.gmtime()))
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\n{'kind':<8} {'faults':>6} {'detect p50':>11} {'p99':>7} {'restart p50':>12} {'p99':>7} "
          f"{'steps lost max':>15}")
    for kind, s in summary.items():
        print(f"{kind:<8} {s['faults']:>6} {s['detection_p50_s']:>10.3f}s {s['detection_p99_s']:>6.3f}s "
              f"{s['overhead_p50_s']:>11.3f}s {s['overhead_p99_s']:>6.3f}s {str(s['steps_lost_max']):>15}")
    if "process" in summary and "loop-process" in summary:
        ours, loop = summary["process"], summary["loop-process"]
        print(f"\nkilled training process, trainyard / hand-written restart loop: detection p50 "
              f"{ours['detection_p50_s'] / loop['detection_p50_s']:.1f}x, restart p50 "
              f"{ours['overhead_p50_s'] / loop['overhead_p50_s']:.1f}x")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
