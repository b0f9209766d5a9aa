#!/usr/bin/python3
"""pytorch-ddp: data-parallel training on CPU (Gloo) under the SageMaker container contract.

One process per instance: rank = index of SM_CURRENT_HOST in SM_HOSTS, world size =
len(SM_HOSTS); the rendezvous is MASTER_ADDR (default: the first host) and MASTER_PORT
(default 7777). A small seeded MLP learns a synthetic binary classification. Every
number is a pure function of the seed and the step (the model's initial weights, each
step's batch for each rank), so a run that is interrupted and resumed from a checkpoint
ends with exactly the weights of an uninterrupted one; `final weights sha256=...`
shows it.

Checkpoints: rank 0 writes checkpoint-<step>.pt every --checkpoint-every steps into
SM_CHECKPOINT_DIR (default /opt/ml/checkpoints), atomically (tmp file, fsync, rename),
keeping the newest 3. On start every rank resumes from the newest checkpoint rank 0
finds. On SIGTERM (to any rank) all ranks agree to stop at the end of the current
step, rank 0 checkpoints it, and every rank exits 0.

Needs Debian's python3-torch: run it with /usr/bin/python3 (it re-executes itself
there if started by another Python without torch).
"""

import signal

STOP_REQUESTED = False


def _request_stop(signum, frame):
    global STOP_REQUESTED
    STOP_REQUESTED = True


# Before the slow imports, so an early SIGTERM is not fatal.
signal.signal(signal.SIGTERM, _request_stop)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

DEBIAN_PYTHON = "/usr/bin/python3"
try:
    import torch
except ImportError:
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    raise
import torch.distributed as dist  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402

CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)\.pt$")
FEATURES = 16
KEEP_CHECKPOINTS = 3


def load_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def parse_args(argv):
    """Script mode passes hyperparameters as --name value; hyperparameters.json is the fallback."""
    config_dir = os.environ.get("SM_INPUT_CONFIG_DIR") or "/opt/ml/input/config"
    hyperparameters = load_json(os.path.join(config_dir, "hyperparameters.json"), {})

    def hp(name, default):
        for key in (name, name.replace("-", "_")):
            if key in hyperparameters:
                try:
                    return json.loads(hyperparameters[key])
                except ValueError:
                    return hyperparameters[key]
        return default

    parser = argparse.ArgumentParser(description="DDP on CPU with Gloo")
    parser.add_argument("--steps", type=int, default=hp("steps", 300))
    parser.add_argument("--checkpoint-every", type=int, default=hp("checkpoint-every", 20))
    parser.add_argument("--batch-size", type=int, default=hp("batch-size", 64), help="per rank")
    parser.add_argument("--lr", type=float, default=hp("lr", 0.05))
    parser.add_argument("--seed", type=int, default=hp("seed", 0))
    parser.add_argument("--step-delay-ms", type=float, default=hp("step-delay-ms", 0),
                        help="sleep after each step, to make a run long enough to interrupt")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"ignoring arguments: {unknown}", flush=True)
    return args, config_dir


def cluster(config_dir):
    """(rank, world size, master address, master port) from SM_HOSTS / SM_CURRENT_HOST."""
    resource = load_json(os.path.join(config_dir, "resourceconfig.json"), {})
    hosts = json.loads(os.environ["SM_HOSTS"]) if os.environ.get("SM_HOSTS") else resource.get("hosts", ["algo-1"])
    current = os.environ.get("SM_CURRENT_HOST") or resource.get("current_host") or hosts[0]
    master_addr = os.environ.get("MASTER_ADDR") or hosts[0]
    master_port = int(os.environ.get("MASTER_PORT") or 7777)
    return hosts.index(current), len(hosts), master_addr, master_port


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(FEATURES, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))


def batch_for(step, rank, batch_size, seed, true_weights):
    """The batch rank `rank` trains on at `step`: depends on nothing else."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step * 1009 + rank)
    x = torch.randn(batch_size, FEATURES, generator=generator)
    y = (x @ true_weights > 0).long()
    return x, y


def weights_digest(model):
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def checkpoint_steps(checkpoint_dir):
    if not os.path.isdir(checkpoint_dir):
        return []
    return sorted(int(m.group(1)) for m in map(CHECKPOINT_NAME.match, os.listdir(checkpoint_dir)) if m)


def save_atomically(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_checkpoint(checkpoint_dir, step, model, optimizer):
    os.makedirs(checkpoint_dir, exist_ok=True)
    state = {"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
    save_atomically(state, os.path.join(checkpoint_dir, f"checkpoint-{step}.pt"))
    for old in checkpoint_steps(checkpoint_dir)[:-KEEP_CHECKPOINTS]:
        os.remove(os.path.join(checkpoint_dir, f"checkpoint-{old}.pt"))
    print(f"saved checkpoint-{step}.pt", flush=True)


def restore(checkpoint_dir, rank, model, optimizer):
    """Loads rank 0's newest checkpoint on every rank; returns the step it holds (0: none)."""
    steps = checkpoint_steps(checkpoint_dir) if rank == 0 else []
    step = torch.tensor([steps[-1] if steps else 0])
    dist.broadcast(step, src=0)
    step = int(step.item())
    if step == 0:
        return 0
    path = os.path.join(checkpoint_dir, f"checkpoint-{step}.pt")
    have = torch.tensor([1 if os.path.exists(path) else 0])
    dist.all_reduce(have, op=dist.ReduceOp.MIN)
    if have.item():  # every rank has the file (a shared or restored directory)
        state = torch.load(path)
    else:  # some rank does not: rank 0 sends its copy
        box = [torch.load(path) if rank == 0 else None]
        dist.broadcast_object_list(box, src=0)
        state = box[0]
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if rank == 0:  # the file's digest, to compare with the checkpoint store's
        with open(path, "rb") as f:
            print(f"resumed from checkpoint-{step}.pt sha256={hashlib.sha256(f.read()).hexdigest()}", flush=True)
    return step


def train(args, rank, world, model_dir, checkpoint_dir):
    torch.manual_seed(args.seed)
    true_weights = torch.randn(FEATURES, generator=torch.Generator().manual_seed(args.seed + 12345))
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    start = restore(checkpoint_dir, rank, model, optimizer)
    ddp = DistributedDataParallel(model)
    loss_fn = torch.nn.CrossEntropyLoss()

    step = start
    started = time.monotonic()
    while step < args.steps:
        step += 1
        x, y = batch_for(step, rank, args.batch_size, args.seed, true_weights)
        optimizer.zero_grad()
        logits = ddp(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        # One small all-reduce per step: the stop vote and the metrics.
        shared = torch.tensor([1.0 if STOP_REQUESTED else 0.0, loss.item(),
                               (logits.argmax(dim=1) == y).float().mean().item()])
        dist.all_reduce(shared)
        if rank == 0 and (step % 10 == 0 or step == args.steps):
            print(f"step={step} loss={shared[1].item() / world:.6f} accuracy={shared[2].item() / world:.4f}",
                  flush=True)
        if rank == 0 and step % args.checkpoint_every == 0:
            save_checkpoint(checkpoint_dir, step, model, optimizer)
        if shared[0].item() > 0:
            if rank == 0 and step % args.checkpoint_every != 0:
                save_checkpoint(checkpoint_dir, step, model, optimizer)
            print(f"SIGTERM: stopped after step {step}", flush=True)
            return False
        if args.step_delay_ms > 0:
            time.sleep(args.step_delay_ms / 1000.0)

    print(f"trained steps {start + 1}..{args.steps} in {time.monotonic() - started:.2f} s", flush=True)
    print(f"final weights sha256={weights_digest(model)}", flush=True)
    if rank == 0:
        os.makedirs(model_dir, exist_ok=True)
        save_atomically(model.state_dict(), os.path.join(model_dir, "model.pt"))
    return True


def main(argv):
    args, config_dir = parse_args(argv)
    rank, world, master_addr, master_port = cluster(config_dir)
    model_dir = os.environ.get("SM_MODEL_DIR") or "/opt/ml/model"
    checkpoint_dir = os.environ.get("SM_CHECKPOINT_DIR") or "/opt/ml/checkpoints"
    if STOP_REQUESTED:  # SIGTERM while starting: no progress to save
        print("SIGTERM before training started", flush=True)
        return 0
    torch.set_num_threads(1)
    print(f"rank {rank} of {world}, master {master_addr}:{master_port}, torch {torch.__version__}", flush=True)
    dist.init_process_group("gloo", init_method=f"tcp://{master_addr}:{master_port}", rank=rank,
                            world_size=world, timeout=timedelta(seconds=60))
    train(args, rank, world, model_dir, checkpoint_dir)
    dist.barrier()  # nobody leaves while rank 0 may still be writing
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and fsynced. Skip the interpreter's teardown of torch
    # (about 0.4 s here), so a SIGTERM-ed run is gone within about 0.1 s.
    os._exit(exit_code)
