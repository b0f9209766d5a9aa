"""The peer bench/recovery compares with: the restart loop people write by hand
when they have no training platform (the bash `until train; do ...; done` or
its Python equivalent), at its best.

It runs the ranks of examples/pytorch-ddp as local processes sharing one
checkpoint directory, waits for any of them to end (waitpid: it notices an
exit at once), and when one fails it kills the others and starts them all
again, resuming from the newest checkpoint. No health checks, no checkpoint
mirroring, no hang or network detection: a rank that blocks on a dead peer
blocks until Gloo's own timeout.

Every event goes to --events as a JSON line: {"event": "started"|"exit",
"time": epoch seconds, "rank": r, "pid": p, "status": s}. SIGTERM ends it.
Run with Debian's python3 or any Python: the ranks run /usr/bin/python3."""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

TRAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "pytorch-ddp", "train.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--checkpoint-dir", required=True)
    parser.add_argument("--events", required=True)
    args, train_args = parser.parse_known_args()  # the rest goes to train.py
    hosts = [f"algo-{r + 1}" for r in range(args.ranks)]
    events = open(args.events, "a", buffering=1)
    running = {}
    stopping = False

    def log(**event):
        events.write(json.dumps(dict(time=time.time(), **event)) + "\n")

    def start_all():
        port = free_port()
        for rank, host in enumerate(hosts):
            env = dict(os.environ, SM_HOSTS=json.dumps(hosts), SM_CURRENT_HOST=host, MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port), SM_CHECKPOINT_DIR=args.checkpoint_dir,
                       SM_MODEL_DIR=os.path.join(args.checkpoint_dir, "..", f"model-{host}"),
                       SM_INPUT_CONFIG_DIR="/nonexistent")
            proc = subprocess.Popen(["/usr/bin/python3", TRAIN] + train_args, env=env,
                                    stdout=sys.stdout, stderr=sys.stderr)
            running[proc.pid] = (rank, proc)
            log(event="started", rank=rank, pid=proc.pid)

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for _, proc in running.values():
            proc.kill()

    signal.signal(signal.SIGTERM, stop)
    start_all()
    while running:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid not in running:
            continue
        rank, _ = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        log(event="exit", rank=rank, pid=pid, status=code)
        if stopping:
            continue
        if code != 0:
            for _, proc in running.values():  # the others cannot go on without it
                proc.kill()
                proc.wait()
            running.clear()
            start_all()
        elif not running:
            break


if __name__ == "__main__":
    main()
