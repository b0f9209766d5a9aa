"""The summary of a bench/checkpoint run: ratios against the goals and the
Markdown tables bench_checkpoint.py prints (see README.md)."""

TOOLS = ["trainyard", "aws-cp", "aws-sync", "s3cmd", "curl"]
CASES = [("file", "up"), ("file", "down"), ("dir", "up"), ("dir", "down")]
# The what-if part: trainyard's store with other S3Options, 1 GiB file only, not in the ratios.
WHAT_IF = {"trainyard-1put": ["--multipart-threshold-mib", "2048"],   # one streamed PUT
           "trainyard-1part": ["--multipart-threshold-mib", "2048", "--part-size-mib", "2048"],  # and one GET
           "trainyard-64x4": ["--part-size-mib", "64", "--parallelism", "4"]}


def size_label(mib):
    return f"{mib // 1024} GiB" if mib % 1024 == 0 else f"{mib} MiB"


def transfer_table(transfers, cell, settings):
    """One row per tool, one column per case; cell(row) gives the text."""
    by = {(r["tool"], r["case"], r["direction"]): r for r in transfers}
    one = size_label(settings["file_mib"])
    many = f"{settings['dir_files']} x {size_label(settings['dir_file_mib'])}"
    lines = [f"| tool | {one} up | {one} down | {many} up | {many} down |", "|---|---:|---:|---:|---:|"]
    for tool in TOOLS:
        cells = []
        for case, direction in CASES:
            r = by.get((tool, case, direction))
            cells.append("–" if r is None else "failed" if "error" in r else cell(r))
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return lines


def ratios(transfers):
    by = {(r["tool"], r["case"], r["direction"]): r for r in transfers if "error" not in r}
    out = {}
    for case, direction in CASES:
        ours = by.get(("trainyard", case, direction))
        if not ours:
            continue
        for other in ("aws-cp", "aws-sync", "curl"):
            theirs = by.get((other, case, direction))
            if theirs:
                out[f"{case}-{direction}/{other}"] = ours["mb_per_s"] / theirs["mb_per_s"]
    return out


def summarize(result):
    lines = ["", "## Throughput (one run each; MB = 10^6 bytes; downloads checked by SHA-256)", ""]
    lines += transfer_table(result["transfers"], lambda r: f"{r['mb_per_s']:.0f} MB/s", result["settings"])
    lines += ["", "CPU seconds, client / s3rver:", ""]
    lines += transfer_table(result["transfers"], lambda r: f"{r['client_cpu_s']:.1f} / {r['server_cpu_s']:.1f}",
                            result["settings"])
    lines += ["", "| trainyard / other | ratio | goal | met |", "|---|---:|---:|---|"]
    for key, value in result["ratios"].items():
        goal = 0.8 if key.endswith("/curl") else 1.5
        lines.append(f"| {key} | {value:.2f}x | {goal}x | {'yes' if value >= goal else 'NO'} |")
    if result.get("what_if"):
        one = size_label(result["settings"]["file_mib"])
        lines += ["", f"## What-if: trainyard's store with other S3Options ({one} file)", "",
                  "| variant | options | up | down | CPU up (client / s3rver) | CPU down | VmHWM up / down |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for name, options in WHAT_IF.items():
            rows = {r["direction"]: r for r in result["what_if"] if r["tool"] == name and "error" not in r}
            if len(rows) < 2:
                lines.append(f"| {name} | {' '.join(options)} | failed | | | | |")
                continue
            up, down = rows["up"], rows["down"]
            lines.append(f"| {name} | {' '.join(options)} | {up['mb_per_s']:.0f} MB/s | {down['mb_per_s']:.0f} MB/s | "
                         f"{up['client_cpu_s']:.1f} / {up['server_cpu_s']:.1f} s | "
                         f"{down['client_cpu_s']:.1f} / {down['server_cpu_s']:.1f} s | "
                         f"{up['driver']['vmhwm_kb'] / 1024:.0f} / {down['driver']['vmhwm_kb'] / 1024:.0f} MiB |")
    lag = result.get("sync_lag", {})
    if "by_size" in lag:
        lines += ["", "## Sync lag (on_durable lag_ms; goal p50 <= 1000 ms)", "",
                  "| size | files | p50 | p99 | max | close->durable p50 | met |",
                  "|---:|---:|---:|---:|---:|---:|---|"]
        for size, s in lag["by_size"].items():
            met = s["lag_p50_ms"] is not None and s["lag_p50_ms"] <= 1000
            lines.append(f"| {size} MiB | {s['reported']}/{s['files']} | {s['lag_p50_ms']:.0f} ms | "
                         f"{s['lag_p99_ms']:.0f} ms | {s['lag_max_ms']} ms | {s['close_to_durable_p50_ms']:.0f} ms | "
                         f"{'yes' if met else 'NO'} |")
    ddp = result.get("ddp")
    if ddp:
        s = ddp["summary"]
        lines += ["", "## pytorch-ddp step time (goal: slowdown <= 2%)", "",
                  "| config | runs | median ms/step | min | max | all runs | agents' CPU | s3rver CPU |",
                  "|---|---:|---:|---:|---:|---|---:|---:|"]
        for key in ("without", "with_checkpoints"):
            c = s[key]
            if c["runs"]:
                each = ", ".join(f"{r['step_ms']:.2f}" for r in ddp["runs"]
                                 if r["checkpoints"] == (key != "without") and "step_ms" in r)
                lines.append(f"| {key} | {c['runs']} | {c['step_ms_median']:.3f} | {c['step_ms_min']:.3f} | "
                             f"{c['step_ms_max']:.3f} | {each} | {c['agent_cpu_s_median']:.1f} s | "
                             f"{c['s3rver_cpu_s_median']:.1f} s |")
        if s["slowdown"] is not None:
            lines.append(f"\nslowdown {s['slowdown'] * 100:+.1f}% ({'met' if s['slowdown'] <= 0.02 else 'NOT met'})")
    mem = result["memory"]
    lines += ["", "## Peak memory (VmHWM)", ""]
    for key, value in mem.items():
        lines.append(f"- {key}: {value}")
    return "\n".join(lines)


def memory_summary(result):
    mem = {}
    for r in result["transfers"]:
        if r["tool"] == "trainyard" and "driver" in r:
            mem[f"checkpoint_bench {r['case']} {r['direction']} (VmHWM)"] = f"{r['driver']['vmhwm_kb'] / 1024:.1f} MiB"
    for r in result["transfers"]:
        if r["case"] == "file" and r["tool"] != "trainyard":
            mem[f"{r['tool']} file {r['direction']} (VmHWM, polled)"] = f"{r['vmhwm_kb'] / 1024:.1f} MiB"
    if "vmhwm_kb" in result.get("sync_lag", {}):
        mem["checkpoint_bench sync-lag, the mirror (VmHWM)"] = f"{result['sync_lag']['vmhwm_kb'] / 1024:.1f} MiB"
    for r in result.get("ddp", {}).get("runs", []):
        if r["agent_vmhwm_kb"]:
            mem[f"agents of {r['job']} (VmHWM)"] = ", ".join(f"{k / 1024:.1f}" for k in r["agent_vmhwm_kb"]) + " MiB"
    return mem
