"""The reference loaders' side of bench/vision_loader.ts: warm up, say ready (with what the run used), then for each
command line naming a loader ("jpeg" or "png") run one epoch of it and print its images/s; anything else ends."""
import json
import sys
import time

import torch


def epoch(loader, limit=None):
    t0 = time.perf_counter()
    n = 0
    for b, (xb, _) in enumerate(loader):
        n += xb.shape[0]
        if b + 1 == limit:
            break
    return n / (time.perf_counter() - t0)


def serve(loaders, info):
    for loader in loaders.values():  # warm-up: starts the workers, loads the libraries' code
        epoch(loader, 3)
    print(json.dumps({'ready': True, 'threads': torch.get_num_threads(), **info}), flush=True)
    for line in sys.stdin:
        k = line.strip()
        if k not in loaders:
            break
        print(epoch(loaders[k]), flush=True)
