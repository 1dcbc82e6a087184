#!/usr/bin/env python3
"""The optimpact transformer written the straightforward PyTorch way, for the throughput comparison.

Same architecture as packages/transformer/src/model.ts: token + learned position embeddings, pre-LayerNorm
blocks (multi-head self-attention without mask, 4x ReLU MLP), dropout 0.1 on the embedding and both residual
branches, final LayerNorm, linear head on the last position; AdamW(lr=1e-3, weight_decay=0.01). Unlike the
TF.js model it computes every position of the last block (the textbook way).

Prints one JSON object: {"blas": [paths mapped], "openblasConfig": ..., "torch": ..., "results": [{size,
params, threads, trainExPerSec, inferExPerSec}, ...]} with, per size, the best of the thread settings.
"""
import argparse
import ctypes
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {"xs": (26, 2, 2), "s": (48, 2, 4), "m": (78, 2, 6), "l": (128, 2, 8)}  # d, layers, heads
V, T = 16, 20


class Block(nn.Module):
    def __init__(self, d, h, p):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln2 = nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        B, T_, d = x.shape
        hd = d // self.h
        a = self.ln1(x)
        q = self.q(a).view(B, T_, self.h, hd).transpose(1, 2)
        k = self.k(a).view(B, T_, self.h, hd).transpose(1, 2)
        v = self.v(a).view(B, T_, self.h, hd).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T_, d)
        x = x + self.drop(self.o(y))
        return x + self.drop(self.fc2(F.relu(self.fc1(self.ln2(x)))))


class Model(nn.Module):
    def __init__(self, d, layers, h, p=0.1):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        self.pos = nn.Parameter(torch.zeros(T, d))
        self.drop = nn.Dropout(p)
        self.blocks = nn.ModuleList(Block(d, h, p) for _ in range(layers))
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, V)

    def forward(self, tokens):
        x = self.drop(self.tok(tokens) + self.pos)
        for b in self.blocks:
            x = b(x)
        return self.head(self.lnf(x[:, -1]))


def blas_in_use():
    """Paths of the BLAS libraries mapped into this process, and OpenBLAS's own build string if loaded."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if ".so" in line})
    hits = [l for l in libs if any(k in os.path.basename(l).lower() for k in ("blas", "mkl"))]
    config = None
    for lib in hits:
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_config.restype = ctypes.c_char_p
            so.openblas_get_corename.restype = ctypes.c_char_p
            config = f"{so.openblas_get_config().decode()} core {so.openblas_get_corename().decode()}"
            break
        except (OSError, AttributeError):
            continue
    return hits, config


def bench(size, threads, batch, seconds):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    d, layers, h = SIZES[size]
    m = Model(d, layers, h)
    params = sum(p.numel() for p in m.parameters())
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.randint(0, V, (batch, T))
    y = torch.randint(0, V, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        step()
        n += 1
    train = n * batch / (time.perf_counter() - t0)
    m.eval()
    with torch.no_grad():
        m(x)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 2 or n < 3:
            m(x)
            n += 1
        infer = n * batch / (time.perf_counter() - t0)
    return {"size": size, "params": params, "threads": threads, "trainExPerSec": train, "inferExPerSec": infer}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="xs,s,m,l")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=4.0)
    a = ap.parse_args()
    results = []
    for size in a.sizes.split(","):
        runs = [bench(size, int(t), a.batch, a.seconds) for t in a.threads.split(",")]
        best = max(runs, key=lambda r: r["trainExPerSec"])
        best["allThreads"] = {str(r["threads"]): r["trainExPerSec"] for r in runs}
        results.append(best)
    blas, config = blas_in_use()
    print(json.dumps({"blas": blas, "openblasConfig": config, "torch": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
