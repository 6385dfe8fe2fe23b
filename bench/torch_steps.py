#!/usr/bin/python3
"""PyTorch's side of the benchmark: the same steps as bench/flint_steps.ts, driven over stdin by bench/run.ts
("mlp", "cnn", "op"), answering each command with the time of one block."""
import json
import sys
import time

import torch
import torch.nn.functional as F

device = sys.argv[1] if len(sys.argv) > 1 else "cpu"
if len(sys.argv) > 2 and sys.argv[2] != "--amp":
    torch.set_num_threads(int(sys.argv[2]))
BLOCK_STEPS, OPS_PER_BLOCK = 10, 2000  # as in bench/models.ts


def sync():
    if device != "cpu":
        torch.cuda.synchronize()


def mlp(x, p):
    w1, b1, w2, b2 = p
    return F.linear(F.linear(x, w1, b1).relu(), w2, b2)


def cnn(x, p):
    c1, cb1, c2, cb2, w, b = p
    h1 = F.conv2d(x, c1, cb1, stride=2, padding=1).relu()
    h2 = F.conv2d(h1, c2, cb2, stride=2, padding=1).relu()
    return F.linear(F.adaptive_avg_pool2d(h2, 1).flatten(1), w, b)


def setup(input_shape, shapes, classes):
    """Parameters, input and targets, seeded as stepData in bench/models.ts."""
    torch.manual_seed(0)
    params = [(torch.randn(s, device=device) * 0.05).requires_grad_() for s in shapes]
    x = torch.randn(input_shape, device=device)
    y = torch.randint(0, classes, (input_shape[0],), device=device)
    return params, x, y


def make_step(forward, input_shape, shapes, classes=10):
    params, x, y = setup(input_shape, shapes, classes)

    def step():
        loss = F.cross_entropy(forward(x, params), y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=0.01)
                p.grad = None
    return step


def wide(x, p):
    w1, b1, w2, b2, w3, b3 = p
    return F.linear(F.linear(F.linear(x, w1, b1).relu(), w2, b2).relu(), w3, b3)


def make_amp_step(forward, input_shape, shapes, classes=10):
    """The step of bench/amp_steps.ts: autocast (float16 on CUDA, bfloat16 on the CPU) and PyTorch's GradScaler."""
    params, x, y = setup(input_shape, shapes, classes)
    cuda = device != "cpu"
    opt = torch.optim.SGD(params, lr=0.01, foreach=False)  # p -= lr * grad, one param at a time, as Flint's step
    scaler = torch.cuda.amp.GradScaler(enabled=cuda)

    def step():
        with torch.autocast("cuda" if cuda else "cpu", dtype=torch.float16 if cuda else torch.bfloat16):
            loss = F.cross_entropy(forward(x, params), y)
        scaler.scale(loss).backward()
        scaler.step(opt)  # unscales, checks for inf/NaN (one host read), steps unless they overflowed
        scaler.update()
        for p in params:
            p.grad = None
    return step


def block_of(step):
    def run():
        t0 = time.perf_counter()
        for _ in range(BLOCK_STEPS):
            step()
        sync()
        return (time.perf_counter() - t0) * 1000 / BLOCK_STEPS
    return run


a = torch.ones(1, device=device)
b = torch.ones(1, device=device)


def op_block():
    t0 = time.perf_counter()
    for _ in range(OPS_PER_BLOCK):
        a.add(b)
    sync()
    return (time.perf_counter() - t0) * 1e9 / OPS_PER_BLOCK


torch.manual_seed(0)
opt_params = [torch.randn(100, 200, device=device).requires_grad_() for _ in range(50)]  # OPT_* in bench/models.ts
for p in opt_params:
    p.grad = torch.randn(100, 200, device=device)
adamw = torch.optim.AdamW(opt_params, lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)


def adamw_block():
    t0 = time.perf_counter()
    for _ in range(BLOCK_STEPS):
        adamw.step()
    sync()
    return (time.perf_counter() - t0) * 1000 / BLOCK_STEPS


blocks = {
    "mlp": block_of(make_step(mlp, (128, 784), [(256, 784), (256,), (10, 256), (10,)])),
    "cnn": block_of(make_step(cnn, (64, 1, 28, 28), [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32), (10,)])),
    "tiny": block_of(make_step(mlp, (16, 20), [(32, 20), (32,), (4, 32), (4,)], classes=4)),
    "adamw": adamw_block,
    "op": op_block,
}
if device != "cpu" or "--amp" in sys.argv:  # bench/models.ts AMP_MODELS
    blocks["cnn-amp"] = block_of(make_amp_step(cnn, (64, 1, 28, 28), [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32), (10,)]))
    blocks["wide-amp"] = block_of(make_amp_step(wide, (512, 1024), [(4096, 1024), (4096,), (4096, 4096), (4096,), (10, 4096), (10,)]))
for f in blocks.values():
    for _ in range(3):
        f()
print(json.dumps({"ready": True, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    f = blocks.get(line.strip())
    if f is None:
        break
    print(f(), flush=True)
