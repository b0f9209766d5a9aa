#!/usr/bin/env python3
"""hello: a dependency-free training program for the SageMaker container contract.

It fits y = w*x + b by gradient descent, one "epoch" at a time, and shows every
part of the contract a training program touches:

* hyperparameters from /opt/ml/input/config/hyperparameters.json (values may be
  JSON-encoded, as the SageMaker Python SDK sends them) and from `--name value`
  arguments (script mode), the arguments winning;
* the `train` channel (every file in it is read and its lines counted; rows
  "x,y" of numbers become the training data, otherwise synthetic data is used);
* `epoch=N loss=X accuracy=Y` lines for MetricDefinitions;
* a checkpoint per epoch, written atomically, and resuming from the newest;
* model.json in the model directory, summary.txt in the output data directory;
* the failure file and a non-zero exit code on `--fail-with-code N`;
* SIGTERM: stop after the current epoch (its checkpoint is written) and exit 0.

Every path comes from the environment first (SM_MODEL_DIR, SM_CHANNEL_TRAIN,
SM_OUTPUT_DATA_DIR, SM_OUTPUT_DIR, SM_INPUT_CONFIG_DIR, SM_CHECKPOINT_DIR,
SM_HOSTS, SM_CURRENT_HOST), falling back to the /opt/ml layout, so it runs
both inside an instance namespace and with paths given only by environment.
Python standard library only.
"""

import argparse
import json
import os
import random
import re
import signal
import sys
import threading

CHECKPOINT_NAME = re.compile(r"^checkpoint-epoch-(\d+)\.json$")


def env_path(name, default):
    return os.environ.get(name) or default


def load_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def decode_hyperparameter(value):
    """The training toolkit json.loads each value and falls back to the raw string."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def parse_args(argv, hyperparameters):
    def hp(name, default):
        for key in (name, name.replace("-", "_")):
            if key in hyperparameters:
                return decode_hyperparameter(hyperparameters[key])
        return default

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=hp("epochs", 5))
    parser.add_argument("--lr", type=float, default=hp("lr", 0.1))
    parser.add_argument("--sleep-seconds", type=float, default=hp("sleep-seconds", 0))
    parser.add_argument("--fail-with-code", type=int, default=hp("fail-with-code", 0))
    # Other hyperparameters (and the SDK's sagemaker_* ones) are accepted and ignored.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"ignoring arguments: {unknown}", flush=True)
    return args


def hosts_and_current(config_dir):
    resource = load_json(os.path.join(config_dir, "resourceconfig.json"), {})
    hosts = json.loads(os.environ["SM_HOSTS"]) if os.environ.get("SM_HOSTS") else resource.get("hosts", ["algo-1"])
    current = os.environ.get("SM_CURRENT_HOST") or resource.get("current_host") or hosts[0]
    return hosts, current


def read_channel(channel_dir):
    """Counts the lines of every file below the channel and collects numeric x,y rows."""
    files, lines, rows = 0, 0, []
    if not os.path.isdir(channel_dir):
        return files, lines, rows
    for root, _, names in sorted(os.walk(channel_dir)):
        for name in sorted(names):
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            files += 1
            lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            for line in data.decode("utf-8", "replace").splitlines():
                parts = line.split(",")
                try:
                    rows.append((float(parts[0]), float(parts[1])))
                except (ValueError, IndexError):
                    pass  # a header or a non-numeric row
    return files, lines, rows


def synthetic_data():
    rng = random.Random(0)
    return [(x, 2.0 * x + 1.0 + rng.gauss(0, 0.1)) for x in (rng.uniform(-1, 1) for _ in range(200))]


def newest_checkpoint(checkpoint_dir):
    if not os.path.isdir(checkpoint_dir):
        return None
    epochs = [int(m.group(1)) for m in map(CHECKPOINT_NAME.match, os.listdir(checkpoint_dir)) if m]
    if not epochs:
        return None
    return load_json(os.path.join(checkpoint_dir, f"checkpoint-epoch-{max(epochs)}.json"), None)


def write_atomically(path, text):
    """Readers (and checkpoint sync) see the old file or the whole new one."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def train_epoch(data, w, b, lr):
    """One full-batch gradient step; returns the new parameters, loss and accuracy."""
    n = len(data)
    grad_w = sum(2 * (w * x + b - y) * x for x, y in data) / n
    grad_b = sum(2 * (w * x + b - y) for x, y in data) / n
    w, b = w - lr * grad_w, b - lr * grad_b
    loss = sum((w * x + b - y) ** 2 for x, y in data) / n
    accuracy = sum(1 for x, y in data if abs(w * x + b - y) < 0.25) / n
    return w, b, loss, accuracy


def fail(output_dir, code):
    message = f"hello: failing on purpose with exit code {code} (--fail-with-code {code})"
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "failure"), "w") as f:
        f.write(message + "\n")
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


def main(argv):
    config_dir = env_path("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")
    model_dir = env_path("SM_MODEL_DIR", "/opt/ml/model")
    output_dir = env_path("SM_OUTPUT_DIR", "/opt/ml/output")
    output_data_dir = env_path("SM_OUTPUT_DATA_DIR", os.path.join(output_dir, "data"))
    checkpoint_dir = env_path("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints")
    channel_dir = env_path("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")

    args = parse_args(argv, load_json(os.path.join(config_dir, "hyperparameters.json"), {}))
    hosts, current_host = hosts_and_current(config_dir)
    is_master = current_host == hosts[0]
    print(f"hello on {current_host} of {hosts}: epochs={args.epochs} lr={args.lr} "
          f"sleep-seconds={args.sleep_seconds}", flush=True)
    if args.fail_with_code:
        fail(output_dir, args.fail_with_code)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

    files, lines, rows = read_channel(channel_dir)
    print(f"train channel {channel_dir}: {files} files, {lines} lines, {len(rows)} numeric rows", flush=True)
    data = rows or synthetic_data()

    w, b, first_epoch, loss, accuracy = 0.0, 0.0, 1, None, None
    checkpoint = newest_checkpoint(checkpoint_dir)
    if checkpoint:
        w, b, first_epoch = checkpoint["w"], checkpoint["b"], checkpoint["epoch"] + 1
        loss, accuracy = checkpoint.get("loss"), checkpoint.get("accuracy")
        print(f"resumed from checkpoint epoch={checkpoint['epoch']}", flush=True)

    epoch = first_epoch - 1
    for epoch in range(first_epoch, args.epochs + 1):
        w, b, loss, accuracy = train_epoch(data, w, b, args.lr)
        print(f"epoch={epoch} loss={loss:.6f} accuracy={accuracy:.4f}", flush=True)
        if is_master:  # hosts share one checkpoint location: one writer
            state = {"epoch": epoch, "w": w, "b": b, "loss": loss, "accuracy": accuracy}
            write_atomically(os.path.join(checkpoint_dir, f"checkpoint-epoch-{epoch}.json"), json.dumps(state))
        if args.sleep_seconds > 0:
            stop.wait(args.sleep_seconds)  # returns early on SIGTERM
        if stop.is_set():
            print(f"SIGTERM: stopping after epoch {epoch}; its checkpoint is saved", flush=True)
            return 0

    if is_master:
        model = {"w": w, "b": b, "epochs": args.epochs, "lr": args.lr, "loss": loss, "accuracy": accuracy,
                 "train_files": files, "train_lines": lines}
        write_atomically(os.path.join(model_dir, "model.json"), json.dumps(model, indent=2) + "\n")
    summary = (f"host={current_host} epochs={args.epochs} last_epoch={epoch} loss={loss} accuracy={accuracy} "
               f"train_files={files} train_lines={lines}\n")
    write_atomically(os.path.join(output_data_dir, f"summary-{current_host}.txt" if len(hosts) > 1
                                  else "summary.txt"), summary)
    print(f"done: w={w:.4f} b={b:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
