#!/usr/bin/python3
"""One rank of Python's side of bench/dist_allreduce.ts: torch.distributed (backend gloo, init_method
tcp://127.0.0.1:PORT), answering the same stdin commands as bench/dist_allreduce_child.ts with the same loop.
    python3 bench/torch_allreduce.py RANK WORLD_SIZE PORT"""
import datetime
import functools
import json
import sys
import time

import torch
import torch.distributed as dist

rank, world_size, port = (int(a) for a in sys.argv[1:4])
dist.init_process_group(
    "gloo",
    init_method=f"tcp://127.0.0.1:{port}",
    rank=rank,
    world_size=world_size,
    timeout=datetime.timedelta(seconds=60),
)
print(json.dumps({"rank": rank, "worldSize": world_size, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

buffers = {}  # one zero buffer per size for the whole run, as on Flint's side


def timed(op, warmup, iters):
    """[mean, median] ms per call of op over iters calls, after warmup untimed ones (the last lines both ranks up)."""
    for _ in range(warmup):
        op()
    ms = []
    t0 = last = time.perf_counter()
    for _ in range(iters):
        op()
        now = time.perf_counter()
        ms.append((now - last) * 1e3)
        last = now
    return [(last - t0) / iters * 1e3, sorted(ms)[iters // 2]]


while True:
    line = sys.stdin.readline()
    if not line:
        break
    cmd, *args = line.split()
    if cmd == "check":
        t = torch.full((8,), float(rank + 1))
        dist.all_reduce(t)
        print(json.dumps(t.tolist()), flush=True)
    elif cmd == "block":
        warmup = int(args[0])
        ms = []
        for spec in args[1:]:
            n, iters = (int(x) for x in spec.split(":"))
            t = buffers.setdefault(n, torch.zeros(n))
            ms.append(timed(functools.partial(dist.all_reduce, t), warmup, iters))
        print(json.dumps(ms), flush=True)
    elif cmd == "barrier":
        print(json.dumps(timed(dist.barrier, int(args[0]), int(args[1]))), flush=True)
    else:
        raise SystemExit(f"torch_allreduce.py: unknown command {line!r}")
dist.destroy_process_group()
