"""fastai's tabular_learner(dls, layers=[200,100]) + fit_one_cycle(EPOCHS, LR), reproduced in plain PyTorch.

Data: test/fixtures/tabular/<table>.csv processed by fastai_procs.py (fastai's TabularPandas, bs 64; the training
loader reshuffles every epoch and drops the last partial batch, as FilteredBase.dataloaders does).
Model (fastai/tabular/model.py TabularModel, fastai/layers.py): Embedding(n_cat, emb_sz_rule(n_cat)) with
trunc-normal std 0.01 init, plain nn.BatchNorm1d on the continuous inputs, LinBnDrop(lin_first=True):
Linear(no bias) -> ReLU -> BatchNorm (weight 1, bias 1e-3), last Linear with bias, SigmoidRange if y_range.
Optimizer (fastai/optimizer.py Adam): decoupled wd 0.01 (p *= 1 - lr*wd) but not on norm params or biases
(Learner.wd_bn_bias=False), grad_avg with dampening, sqr_avg (0.99), debiased step, eps 1e-5.
Schedule (fastai/callback/schedule.py fit_one_cycle): lr combined_cos(0.25, lr/25, lr, lr/1e5), mom
combined_cos(0.25, 0.95, 0.85, 0.95), set before each training batch from pct_train.
Loss: CrossEntropyLossFlat / MSELossFlat. Metric on the validation rows after the last epoch: accuracy, or R²
(sklearn r2_score, as fastai's R2Score).

usage: /usr/bin/python3 bench/tabular_fastai.py --table wine --epochs 10 --lr 1e-2 --seeds 0,1,2,3,4 [--yrange lo,hi]
       add --baseline for the sklearn reference (Ridge R² / LogisticRegression accuracy) on the same data.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "tabular"))
import fastai_procs  # noqa: E402


def emb_sz_rule(n_cat):
    return min(600, round(1.6 * n_cat**0.56))


def bn(nf):
    """fastai BatchNorm(nf, ndim=1): bias 1e-3, weight 1."""
    m = nn.BatchNorm1d(nf)
    m.bias.data.fill_(1e-3)
    m.weight.data.fill_(1.0)
    return m


class Embedding(nn.Embedding):
    def __init__(self, ni, nf, std=0.01):
        super().__init__(ni, nf)
        self.weight.data.normal_().fmod_(2).mul_(std).add_(0.0)  # fastai trunc_normal_


class TabularModel(nn.Module):
    def __init__(self, emb_szs, n_cont, out_sz, layers, y_range=None):
        super().__init__()
        self.embeds = nn.ModuleList([Embedding(ni, nf) for ni, nf in emb_szs])
        self.emb_drop = nn.Dropout(0.0)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        self.n_emb, self.n_cont = sum(e.embedding_dim for e in self.embeds), n_cont
        sizes = [self.n_emb + n_cont] + layers + [out_sz]
        act = nn.ReLU(inplace=True)
        mods = []
        for i in range(len(sizes) - 1):
            last = i == len(sizes) - 2
            if last:
                mods.append(nn.Sequential(nn.Linear(sizes[i], sizes[i + 1])))
            else:
                norm = bn(sizes[i + 1])  # LinBnDrop builds the norm before the Linear (RNG order)
                mods.append(nn.Sequential(nn.Linear(sizes[i], sizes[i + 1], bias=False), act, norm))
        self.layers = nn.Sequential(*mods)
        self.y_range = y_range

    def forward(self, x_cat, x_cont):
        x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], 1)
        x = self.emb_drop(x)
        x = torch.cat([x, self.bn_cont(x_cont)], 1)
        x = self.layers(x)
        if self.y_range is not None:
            lo, hi = self.y_range
            x = torch.sigmoid(x) * (hi - lo) + lo
        return x


def norm_bias_params(m):
    """fastai norm_bias_params(m, with_bias=True): every norm layer's params and every bias."""
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm)):
        return list(m.parameters())
    res = [p for c in m.children() for p in norm_bias_params(c)]
    if getattr(m, "bias", None) is not None:
        res.append(m.bias)
    return res


class Adam:
    """fastai Adam: weight_decay, average_grad(dampening), average_sqr_grad, step_stat, adam_step."""

    def __init__(self, model, wd=0.01, sqr_mom=0.99, eps=1e-5):
        self.params = list(model.parameters())
        no_wd = {id(p) for p in norm_bias_params(model)}
        self.do_wd = [id(p) not in no_wd for p in self.params]
        self.wd, self.sqr_mom, self.eps = wd, sqr_mom, eps
        self.lr, self.mom = 1e-3, 0.9
        self.state = [dict() for _ in self.params]

    @torch.no_grad()
    def step(self):
        lr, mom, sqr_mom = self.lr, self.mom, self.sqr_mom
        for p, do_wd, st in zip(self.params, self.do_wd, self.state):
            if p.grad is None:
                continue
            if do_wd and self.wd != 0:
                p.data.mul_(1 - lr * self.wd)
            g = st.setdefault("grad_avg", torch.zeros_like(p))
            g.mul_(mom).add_(p.grad, alpha=1 - mom)
            s = st.setdefault("sqr_avg", torch.zeros_like(p))
            s.mul_(sqr_mom).addcmul_(p.grad, p.grad, value=1 - sqr_mom)
            st["step"] = st.get("step", 0) + 1
            debias1 = (1 - mom) * (1 - mom ** st["step"]) / (1 - mom)
            debias2 = (1 - sqr_mom) * (1 - sqr_mom ** st["step"]) / (1 - sqr_mom)
            p.data.addcdiv_(g, (s / debias2).sqrt() + self.eps, value=-lr / debias1)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()


def sched_cos(start, end, pos):
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def combined_cos(pct, start, middle, end):
    """fastai combine_scheds([pct, 1-pct], [SchedCos(start, middle), SchedCos(middle, end)]), float32 pcts."""
    pcts = torch.cumsum(torch.tensor([0, pct, 1 - pct]), 0)
    scheds = [(start, middle), (middle, end)]

    def inner(pos):
        if int(pos) == 1:
            return sched_cos(*scheds[-1], 1.0)
        idx = int((pos >= pcts).nonzero().max())
        actual = (pos - pcts[idx]) / (pcts[idx + 1] - pcts[idx])
        return sched_cos(*scheds[idx], actual.item())

    return inner


def metric_of(pred, targ):
    """Accuracy for a classification's logits, R² for a regression (scikit-learn's r2_score)."""
    if pred.shape[-1] > 1:
        return float((pred.argmax(-1) == targ.view(-1)).float().mean())
    from sklearn.metrics import r2_score

    return float(r2_score(targ.view(-1).numpy(), pred.view(-1).numpy()))


def validate(model, loss_fn, valid, bs=64):
    """fastai's validation pass after each epoch: eval mode, no grad, batches of bs, the loss averaged by rows and
    the metric on all the predictions; returns (loss, metric)."""
    model.eval()
    total, preds = 0.0, []
    with torch.no_grad():
        for i in range(0, len(valid[2]), bs):
            yb = valid[2][i:i + bs]
            pred = model(valid[0][i:i + bs], valid[1][i:i + bs])
            total += float(loss_fn(pred, yb)) * len(yb)
            preds.append(pred)
    model.train()
    return total / len(valid[2]), metric_of(torch.cat(preds), valid[2])


def fit_one_cycle(model, loss_fn, train, n_epoch, lr_max, seed, valid=None, bs=64, div=25.0, div_final=1e5, pct_start=0.25):
    cats, conts, y = train
    opt = Adam(model)
    lr_s = combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final)
    mom_s = combined_cos(pct_start, 0.95, 0.85, 0.95)
    gen = torch.Generator().manual_seed(seed)
    n_iter = len(y) // bs  # drop_last
    pct_train = 0.0
    model.train()
    for _ in range(n_epoch):
        perm = torch.randperm(len(y), generator=gen)
        for i in range(n_iter):
            idx = perm[i * bs:(i + 1) * bs]
            opt.lr, opt.mom = lr_s(pct_train), mom_s(pct_train)
            loss = loss_fn(model(cats[idx], conts[idx]), y[idx])
            loss.backward()
            opt.step()
            opt.zero_grad()
            pct_train += 1.0 / (n_iter * n_epoch)  # TrainEvalCallback.after_batch
        if valid is not None:
            validate(model, loss_fn, valid)


def ce_flat(pred, targ):
    return nn.functional.cross_entropy(pred.view(-1, pred.shape[-1]), targ.view(-1).long())


def mse_flat(pred, targ):
    return nn.functional.mse_loss(pred.view(-1), targ.view(-1).float())


def as_tensors(part):
    cats, conts, y = part
    return torch.from_numpy(cats), torch.from_numpy(conts), torch.from_numpy(y.astype(np.int64 if y.dtype.kind == "i" else np.float32))


def one_run(state, train, valid, classification, epochs, lr, seed, y_range):
    torch.manual_seed(seed)
    emb_szs = [(len(state["classes"][n]), emb_sz_rule(len(state["classes"][n]))) for n in state["cat_names"]]
    out_sz = len(state["y_vocab"]) if classification else 1
    model = TabularModel(emb_szs, len(state["cont_names"]), out_sz, [200, 100], y_range=y_range)
    t0 = time.perf_counter()
    fit_one_cycle(model, ce_flat if classification else mse_flat, train, epochs, lr, seed, valid)
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        pred = model(valid[0], valid[1])
    return metric_of(pred, valid[2]), seconds


def baseline(state, train, valid, classification):
    """sklearn reference on the same processed data: conts + one-hot cats."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import r2_score

    sizes = [len(state["classes"][n]) for n in state["cat_names"]]

    def feats(part):
        cats, conts, _ = part
        onehot = [np.eye(k)[cats[:, j]] for j, k in enumerate(sizes)]
        return np.concatenate([conts.astype(np.float64)] + onehot, axis=1)

    xt, xv, yt, yv = feats(train), feats(valid), train[2][:, 0], valid[2][:, 0]
    if classification:
        m = LogisticRegression(max_iter=5000).fit(xt, yt)
        return "LogisticRegression accuracy", float((m.predict(xv) == yv).mean())
    m = Ridge(alpha=1.0).fit(xt, yt)
    return "Ridge r2", float(r2_score(yv, m.predict(xv)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True, choices=list(fastai_procs.TABLES))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--yrange", default=None, help="lo,hi; 'train' for the training targets' min,max")
    ap.add_argument("--baseline", action="store_true")
    a = ap.parse_args()
    classification = fastai_procs.TABLES[a.table] == "classification"
    state, train_np, valid_np = fastai_procs.load(a.table)
    if a.baseline:
        name, v = baseline(state, train_np, valid_np, classification)
        print(json.dumps({"table": a.table, "baseline": name, "value": v}))
        return
    y_range = None
    if a.yrange == "train":
        y_range = (float(train_np[2].min()), float(train_np[2].max()))
    elif a.yrange:
        y_range = tuple(float(v) for v in a.yrange.split(","))
    train, valid = as_tensors(train_np), as_tensors(valid_np)
    seeds = [int(s) for s in a.seeds.split(",")]
    runs = [one_run(state, train, valid, classification, a.epochs, a.lr, s, y_range) for s in seeds]
    values = [v for v, _ in runs]
    out = {"table": a.table, "metric": "accuracy" if classification else "r2", "values": values,
           "seconds": [t for _, t in runs],
           "mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0}
    if y_range is not None:
        out["yRange"] = list(y_range)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
