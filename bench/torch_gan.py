#!/usr/bin/python3
"""PyTorch's side of bench_gan (bench/gan_bench.cpp): the reference work of issue 10, run by
PyTorch 1.13 on the CPU.

The non-saturating GAN on the 8-Gaussian ring (radius 2, std 0.02): G and D both MLPs
2-128-128-{2,1} with ReLU (PyTorch's default init), noise z ~ N(0, I_2), batch 256,
Adam(1e-3, betas (0.5, 0.999)) for both players, one D step then one G step per iteration:
  D: softplus(-D(x)).mean() + softplus(D(G(z).detach())).mean()
  G: softplus(-D(G(z))).mean()
(softplus(x) = -logsigmoid(-x), BigGAN-PyTorch's form, as minidl's losses.)

  torch_gan.py --serve   the coprocess bench_gan drives (units "ring K" and "dcgan K"; see serve())
  torch_gan.py --iters K --reps R [--threads T] [--seed S] [--measure] [--model dcgan]
               [--clock cpu]
prints one JSON line {"ms_per_iter": [R medians...], "modes": m, "high_quality": h}: each rep
times K iterations (after 20 warm-up iterations); with --measure it then evaluates 2000 samples
(modes covered: >= 1% of them within 0.1 of a centre; high quality: within 0.1 of some centre).

--model dcgan times bench_gan's DCGAN step instead (gan_fashion's DCGAN on 28x28 images, batch 64,
Adam(2e-4, (0.5, 0.999)), non-saturating, fixed random "real" images; 3 warm-up iterations):
  G: z [64] - linear 64x7x7 - BN - ReLU - convT 4x4/2 32 - BN - ReLU - convT 4x4/2 1 - tanh
  D: conv 4x4/2 32 - LeakyReLU 0.2 - conv 4x4/2 64 - BN - LeakyReLU 0.2 - linear 1
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def ring_centres():
    a = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
    return torch.stack([2 * torch.cos(a), 2 * torch.sin(a)], 1)


CENTRES = ring_centres()


def sample_ring(n):
    k = torch.randint(0, 8, (n,))
    return CENTRES[k] + 0.02 * torch.randn(n, 2)


def mlp(out):
    return nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                         nn.Linear(128, out))


def dcgan():
    g = nn.Sequential(nn.Linear(64, 64 * 7 * 7), nn.BatchNorm1d(64 * 7 * 7), nn.ReLU(),
                      nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1),
                      nn.BatchNorm2d(32), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 4, 2, 1),
                      nn.BatchNorm2d(64), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(64 * 7 * 7, 1))
    return g, d


def sp(x):
    return -F.logsigmoid(-x)


def make_iteration(model, seed):
    """(one training iteration of `model` ("mlp": the ring GAN, "dcgan"), its warm-up count, G)."""
    torch.manual_seed(seed)
    if model == "dcgan":
        G, D = dcgan()
        lr, B, Z, warm = 2e-4, 64, 64, 3
        real = torch.rand(B, 1, 28, 28) * 2 - 1
        sample = lambda n: real
    else:
        G, D = mlp(2), mlp(1)
        lr, B, Z, warm = 1e-3, 256, 2, 20
        sample = sample_ring
    g_opt = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))

    def iteration():
        x = sample(B)
        fake = G(torch.randn(B, Z)).detach()
        d_loss = sp(-D(x)).mean() + sp(D(fake)).mean()
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = sp(-D(G(torch.randn(B, Z)))).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()

    return iteration, warm, G


def serve():
    """The coprocess of bench_gan (bench/torch_serve.py's protocol): units "ring K" and "dcgan K",
    K iterations each -> {"s": wall seconds for all K}; each model is built (and warmed up) at its
    first unit, from seed 0."""
    from torch_serve import serve as serve_units
    import time as _time
    state = {}

    def unit(model):
        def run(k):
            if model not in state:
                it, warm, _ = make_iteration(model, 0)
                for _ in range(warm):
                    it()
                state[model] = it
            it = state[model]
            t0 = _time.perf_counter()
            for _ in range(int(k)):
                it()
            return {"s": _time.perf_counter() - t0}
        return run

    serve_units({"ring": unit("mlp"), "dcgan": unit("dcgan")})


def main():
    if "--serve" in sys.argv[1:]:
        serve()
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--model", default="mlp", choices=["mlp", "dcgan"])
    ap.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    iteration, warm, G = make_iteration(a.model, a.seed)
    for _ in range(warm):
        iteration()
    times = []
    for _ in range(a.reps):
        clock = time.process_time if a.clock == "cpu" else time.perf_counter
        t = clock()
        for _ in range(a.iters):
            iteration()
        times.append(1000 * (clock() - t) / a.iters)
    out = {"ms_per_iter": times}
    if a.measure:
        with torch.no_grad():
            s = G(torch.randn(2000, 2))
        d = torch.cdist(s, CENTRES)
        best, k = d.min(1)
        good = best <= 0.1
        counts = torch.bincount(k[good], minlength=8)
        out["modes"] = int((counts >= 20).sum())
        out["high_quality"] = float(good.double().mean())
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
