#!/usr/bin/env python3
"""Turns run.sh's per-run results (JSON Lines from api_load, with server CPU
and load average added) into bench/out/api-<date>.json and a Markdown table.

  report.py RESULTS_JSONL OUT_JSON --trainyard-bin PATH [--prebuilt] --jobs N --client NAME --duration S
"""
import argparse
import datetime
import json
import os
import platform
import subprocess

OPERATIONS = {
    "describe": "DescribeTrainingJob",
    "list": "ListTrainingJobs MaxResults=100",
    "list_filter": "ListTrainingJobs MaxResults=100 NameContains",
    "list_pages": "ListTrainingJobs MaxResults=100, every page via NextToken",
    "create": "CreateTrainingJob",
}
GOAL_RATIO = 50
GOAL_DESCRIBE_P99_MS = 5.0


def git(*args):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    try:
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def moto_version():
    try:
        import moto  # noqa: PLC0415 (optional: only for the record)
        return moto.__version__
    except ImportError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fmt(value, digits):
    return "—" if value is None else f"{value:.{digits}f}"


def table(runs):
    moto = {(r["workload"], r["concurrency"]): r for r in runs if r["server"] == "moto"}
    lines = ["| server | operation | concurrency | req/s | p50 ms | p99 ms | server CPU ms/req | errors | trainyard/moto |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        ratio = ""
        other = moto.get((r["workload"], r["concurrency"]))
        if r["server"] == "trainyard" and other and other["throughput"] > 0:
            ratio = f"{r['throughput'] / other['throughput']:.1f}x"
        errors = str(r["errors"]) if r["errors"] == 0 else f"**{r['errors']}**"
        lines.append(f"| {r['server']} | {OPERATIONS[r['workload']]} | {r['concurrency']} | {r['throughput']:.0f} | "
                     f"{fmt(r['p50_ms'], 2)} | {fmt(r['p99_ms'], 2)} | {fmt(r['server_cpu_ms_per_request'], 3)} | "
                     f"{errors} | {ratio} |")
    return "\n".join(lines)


def goals(runs):
    moto = {(r["workload"], r["concurrency"]): r for r in runs if r["server"] == "moto"}
    checks = []
    for r in runs:
        if r["server"] != "trainyard" or r["workload"] != "describe":
            continue
        other = moto.get((r["workload"], r["concurrency"]))
        ratio = r["throughput"] / other["throughput"] if other and other["throughput"] > 0 else None
        valid = r["errors"] == 0 and other is not None and other["errors"] == 0
        checks.append({
            "concurrency": r["concurrency"],
            "ratio": ratio,
            "ratio_met": valid and ratio is not None and ratio >= GOAL_RATIO,
            "p99_ms": r["p99_ms"],
            "p99_met": valid and r["p99_ms"] <= GOAL_DESCRIBE_P99_MS,
            "valid": valid,
        })
    return checks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("out_json")
    parser.add_argument("--trainyard-bin", required=True)
    parser.add_argument("--prebuilt", action="store_true",
                        help="the binary was given (TRAINYARD_BIN), not built from this checkout")
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--client", required=True)
    parser.add_argument("--duration", type=float, required=True)
    args = parser.parse_args()

    with open(args.results) as f:
        results = [json.loads(line) for line in f if line.strip()]
    measured = [r for r in results if r["phase"] == "measure"]
    seeding = {r["server"]: r for r in results if r["phase"] == "seed"}
    checks = goals(measured)
    document = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release()},
        # The checkout at report time; it describes the binary only when run.sh built it.
        "trainyard": {"binary": args.trainyard_bin,
                      "built_from": "given (TRAINYARD_BIN)" if args.prebuilt else "this checkout",
                      "checkout_head": git("rev-parse", "HEAD"),
                      "checkout_dirty": bool(git("status", "--porcelain", "--untracked-files=no"))},
        "moto_version": moto_version(),
        "jobs": args.jobs,
        "client": args.client,
        "duration_seconds": args.duration,
        "goals": {"min_describe_ratio": GOAL_RATIO, "max_describe_p99_ms": GOAL_DESCRIBE_P99_MS,
                  "checks": checks},
        "seeding": seeding,
        "runs": measured,
        "warmup": [r for r in results if r["phase"] == "warmup"],
    }
    with open(args.out_json, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")

    print(f"\n{args.jobs} jobs stored; {args.duration:g} s per run; client {args.client}; "
          f"{os.cpu_count()} CPUs shared by client and servers\n")
    print(table(measured))
    print("\nSeeding (CreateTrainingJob x %d, concurrency 8): %s" % (args.jobs, "; ".join(
        f"{s} {r['seconds']:.1f} s ({r['throughput']:.0f} req/s, {r['errors']} errors)" for s, r in seeding.items())))
    print("\nGoals for DescribeTrainingJob (>= %dx moto's throughput, p99 <= %g ms):" % (GOAL_RATIO, GOAL_DESCRIBE_P99_MS))
    for c in checks:
        ratio = "—" if c["ratio"] is None else f"{c['ratio']:.1f}x"
        status = "" if c["valid"] else " (run had errors: not valid)"
        print(f"  concurrency {c['concurrency']:>2}: ratio {ratio} {'met' if c['ratio_met'] else 'NOT met'}, "
              f"p99 {c['p99_ms']:.2f} ms {'met' if c['p99_met'] else 'NOT met'}{status}")
    loads = [r["loadavg_1m_before"] for r in measured] + [r["loadavg_1m_after"] for r in measured]
    if loads:
        print(f"\n1-minute load average during the runs: {min(loads):.1f} .. {max(loads):.1f} "
              f"(other processes on the machine compete for the same cores)")


if __name__ == "__main__":
    main()
