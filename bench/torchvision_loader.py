"""torchvision's side of bench/vision_loader.ts, as a child process driven over stdin: each command line
("jpeg" or "png") runs one epoch of that folder and prints its images/s.
  jpeg: ImageFolder + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor, batch 64, shuffled, drop_last
  png:  ImageFolder + ToTensor (no resize), batch 64
  /usr/bin/python3 bench/torchvision_loader.py CACHE_DIR NUM_WORKERS
"""
import json
import os
import sys
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

cache, workers = sys.argv[1], int(sys.argv[2])
T = {
    'jpeg': transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()]),
    'png': transforms.ToTensor(),
}
DIRS = {'jpeg': 'jpeg224/train', 'png': 'png28/train'}
loaders = {
    k: DataLoader(
        datasets.ImageFolder(os.path.join(cache, DIRS[k]), T[k]),
        batch_size=64,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    for k in T
}


def epoch(k, limit=None):
    t0 = time.perf_counter()
    n = 0
    for b, (xb, _) in enumerate(loaders[k]):
        n += xb.shape[0]
        if b + 1 == limit:
            break
    return n / (time.perf_counter() - t0)


for k in loaders:  # warm-up: starts the workers, loads the libraries' code
    epoch(k, 3)
print(json.dumps({'ready': True, 'threads': torch.get_num_threads(), 'workers': workers}), flush=True)
for line in sys.stdin:
    k = line.strip()
    if k not in loaders:
        break
    print(epoch(k), flush=True)
