"""fastai's side of bench/vision_loader.ts, as a child process driven over stdin: each command line ("jpeg" or
"png") runs one epoch of ImageDataLoaders.from_folder(cache/<folder>, item_tfms=Resize(224) (jpeg only),
batch_tfms=aug_transforms(), bs=64, num_workers=W) and prints its images/s.
With fastai installed it runs fastai itself. Without it (this machine: PyPI is unreachable, fastai is not in the
local wheel mirrors) it runs the same pipeline written out in torch from /work/shared/reference/fastai-augment.md,
step for step as fastai 2.7 does it, unfused: PIL open + convert RGB, Resize crop (random position), ToTensor as
uint8, collate, then in the main process IntToFloatTensor, affine_grid, the warp homography on the grid,
grid_sample (reflection), Brightness+Contrast lighting. It prints "impl" in its ready line.
  python bench/fastai_loader.py CACHE_DIR NUM_WORKERS
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from loader_protocol import serve

cache, workers = sys.argv[1], int(sys.argv[2])
DIRS = {'jpeg': 'jpeg224', 'png': 'png28'}

try:
    from fastai.vision.all import ImageDataLoaders, Resize, aug_transforms

    IMPL = 'fastai'

    def make(k):
        item = [Resize(224)] if k == 'jpeg' else []
        dls = ImageDataLoaders.from_folder(
            os.path.join(cache, DIRS[k]), train='train', valid_pct=None, item_tfms=item, batch_tfms=aug_transforms(), bs=64, num_workers=workers, device='cpu'
        )
        return dls.train

except ImportError:
    IMPL = 'torch re-implementation of fastai 2.7 (fastai not installable here)'

    class Items(torch.utils.data.Dataset):
        def __init__(self, root, size):
            self.files, self.ys = [], []
            classes = sorted(os.listdir(root))
            for c, name in enumerate(classes):
                for f in sorted(os.listdir(os.path.join(root, name))):
                    self.files.append(os.path.join(root, name, f))
                    self.ys.append(c)
            self.size = size

        def __len__(self):
            return len(self.files)

        def __getitem__(self, i):
            im = Image.open(self.files[i]).convert('RGB')  # PILImage.create
            if self.size is not None:  # Resize(size, method='crop'): the largest crop with the aspect, random position
                w, h = im.size
                s = min(w / self.size, h / self.size)
                cw, ch = round(self.size * s), round(self.size * s)
                x0, y0 = round((w - cw) * np.random.rand()), round((h - ch) * np.random.rand())
                im = im.crop((x0, y0, x0 + cw, y0 + ch)).resize((self.size, self.size), Image.BILINEAR)
            x = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1)  # ToTensor: uint8 CxHxW
            return x, self.ys[i]

    def find_coeffs(p1, p2):
        # fastai's find_coeffs: the 8x8 perspective system, per image
        m = []
        for i in range(p1[0].shape[0]):
            m.append(torch.stack([p2[0][i], p2[1][i], torch.ones_like(p2[0][i]), torch.zeros_like(p2[0][i]), torch.zeros_like(p2[0][i]), torch.zeros_like(p2[0][i]), -p1[0][i] * p2[0][i], -p1[0][i] * p2[1][i]]))
            m.append(torch.stack([torch.zeros_like(p2[0][i]), torch.zeros_like(p2[0][i]), torch.zeros_like(p2[0][i]), p2[0][i], p2[1][i], torch.ones_like(p2[0][i]), -p1[1][i] * p2[0][i], -p1[1][i] * p2[1][i]]))
        A = torch.stack(m).permute(2, 0, 1)
        B = torch.stack(p1, 0).permute(2, 1, 0).reshape(-1, 8, 1)  # [bs, (x0, y0, x1, y1, ...), 1]
        return torch.linalg.solve(A, B)[..., 0]

    def masked(v, neutral, p, bs):
        return (v - neutral) * torch.bernoulli(torch.full((bs,), p)) + neutral

    def after_batch(x):
        x = x.float() / 255  # IntToFloatTensor
        bs, _, h, w = x.shape
        f = 1 - 2 * torch.bernoulli(torch.full((bs,), 0.5))  # Flip
        eye = torch.eye(3).expand(bs, 3, 3).clone()
        Fm = eye.clone()
        Fm[:, 0, 0] = f
        th = masked(torch.empty(bs).uniform_(-10, 10), 0.0, 0.75, bs) * math.pi / 180  # Rotate
        R = eye.clone()
        R[:, 0, 0], R[:, 0, 1], R[:, 1, 0], R[:, 1, 1] = th.cos(), th.sin(), -th.sin(), th.cos()
        z = masked(torch.empty(bs).uniform_(1, 1.1), 1.0, 0.75, bs)  # Zoom
        s = 1 / z
        cx, cy = torch.rand(bs), torch.rand(bs)
        Z = eye.clone()
        Z[:, 0, 0], Z[:, 1, 1] = s, s
        Z[:, 0, 2], Z[:, 1, 2] = (1 - s) * (2 * cx - 1), (1 - s) * (2 * cy - 1)
        M = Fm @ R @ Z
        M[:, 0, 1] *= h / w
        M[:, 1, 0] *= w / h
        grid = F.affine_grid(M[:, :2], (bs, 3, h, w), align_corners=True)
        xt = masked(torch.empty(bs).uniform_(-0.2, 0.2), 0.0, 0.75, bs)  # Warp
        yt = masked(torch.empty(bs).uniform_(-0.2, 0.2), 0.0, 0.75, bs)
        orig = [torch.tensor(v).float().expand(bs) for v in (-1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0)]
        targ = [-1 - yt, -1 - xt, -1 + yt, 1 + xt, 1 + yt, -1 + xt, 1 - yt, 1 - xt]
        p1 = [torch.stack(targ[0::2]), torch.stack(targ[1::2])]  # [2][4, bs]
        p2 = [torch.stack(orig[0::2]), torch.stack(orig[1::2])]
        C = torch.cat([find_coeffs(p1, p2), torch.ones(bs, 1)], 1).view(bs, 3, 3)
        g = grid.view(bs, -1, 2)
        g = torch.cat([g, torch.ones_like(g[..., :1])], -1) @ C.transpose(1, 2)
        grid = (g[..., :2] / g[..., 2:]).view(bs, h, w, 2)
        x = F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection', align_corners=True)
        b = masked(torch.empty(bs).uniform_(0.4, 0.6), 0.5, 0.75, bs)  # Brightness
        c = torch.exp(masked(torch.empty(bs).uniform_(math.log(0.8), -math.log(0.8)), 0.0, 0.75, bs))  # Contrast
        logit = lambda v: -torch.log(1 / v.clamp(1e-7, 1 - 1e-7) - 1)
        x = torch.sigmoid((logit(x) + logit(b)[:, None, None, None]) * c[:, None, None, None])
        return x

    class Loader:
        def __init__(self, k):
            ds = Items(os.path.join(cache, DIRS[k], 'train'), 224 if k == 'jpeg' else None)
            self.dl = torch.utils.data.DataLoader(ds, batch_size=64, shuffle=True, drop_last=True, num_workers=workers, persistent_workers=workers > 0)

        def __iter__(self):
            for xb, yb in self.dl:
                yield after_batch(xb), yb

    def make(k):
        return Loader(k)


loaders = {k: make(k) for k in DIRS}

serve(loaders, {'impl': IMPL, 'workers': workers})
