"""torchvision's side of bench/vision_loader.ts, as a child process driven over stdin: each command line
("jpeg" or "png") runs one epoch of that folder and prints its images/s.
  jpeg: ImageFolder + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor, batch 64, shuffled, drop_last
  png:  ImageFolder + ToTensor (no resize), batch 64
  /usr/bin/python3 bench/torchvision_loader.py CACHE_DIR NUM_WORKERS
"""
import os
import sys

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
from loader_protocol import serve

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

serve(loaders, {'workers': workers})
