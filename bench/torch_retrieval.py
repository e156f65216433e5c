#!/usr/bin/python3
"""PyTorch's side of bench_retrieval: retrieval metrics of N embeddings against each other.

The computation bench/retrieval_bench.cpp times for minidl, written as one would in PyTorch without
faiss: tiles of 256 queries, torch.cdist against all N samples, the query itself masked out,
torch.topk of the k nearest (k = the largest class size - 1, at least 8), then Precision@1,
R-precision, MAP@R and Recall@{1,2,4,8} from the neighbour labels with relevance masks (the formulas
of pytorch-metric-learning's AccuracyCalculator). Queries whose class has no other member are left
out, as there.

Data: --data PATH holds raw float32 [N, D] then int64 [N] (written by bench_retrieval).
Default mode: a warm-up, then the median seconds of several evaluations; prints one JSON line
{"seconds", "precision_at_1", "r_precision", "map_at_r", "threads", "torch"}.
--mem: one evaluation in this fresh process; prints {"extra_mib": VmHWM - VmRSS} where the peak is
reset (/proc/self/clear_refs) just before the evaluation, after import and data load.
Threads: the faster of 1 and 2 intra-op threads in a one-evaluation trial (reported); --mem runs
at PyTorch's default. Usage:
  torch_retrieval.py --data PATH --n N --d D [--quick] [--mem]
  torch_retrieval.py --data PATH --n N --d D --serve
    the coprocess bench_retrieval drives (bench/torch_serve.py's protocol; see serve()).
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch

TILE = 256
RECALL_AT = (1, 2, 4, 8)


def evaluate(x, y):
    n = x.shape[0]
    counts = torch.bincount(y)
    r = counts[y] - 1  # other members of each query's class
    k = int(min(n - 1, max(int(r.max()), max(RECALL_AT))))
    pos = torch.arange(1, k + 1, dtype=torch.float64)
    sums = torch.zeros(3 + len(RECALL_AT), dtype=torch.float64)
    used = 0
    for s in range(0, n, TILE):
        q = x[s:s + TILE]
        t = q.shape[0]
        d = torch.cdist(q, x)
        d[torch.arange(t), torch.arange(s, s + t)] = float("inf")
        _, idx = torch.topk(d, k, dim=1, largest=False, sorted=True)
        rel = y[idx] == y[s:s + t, None]
        rq = r[s:s + t]
        valid = rq > 0
        mask = pos[None, :] <= rq[:, None]
        relm = (rel & mask).double()
        cum = relm.cumsum(1)
        denom = rq.clamp(min=1).double()
        ap = (cum * relm / pos).sum(1) / denom
        rp = relm.sum(1) / denom
        p1 = rel[:, 0].double()
        parts = [p1, rp, ap] + [rel[:, :kk].any(1).double() for kk in RECALL_AT]
        for j, v in enumerate(parts):
            sums[j] += v[valid].sum()
        used += int(valid.sum())
    vals = (sums / used).tolist()
    return {"precision_at_1": vals[0], "r_precision": vals[1], "map_at_r": vals[2],
            "recall": vals[3:]}


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return float(line.split()[1])
    return float("nan")


def serve(x, y):
    """The coprocess of bench_retrieval (bench/torch_serve.py's protocol): "eval K" runs K
    evaluations -> {"s": seconds for all K, "precision_at_1", "map_at_r"}."""
    from torch_serve import serve as serve_units

    def eval_unit(k):
        with torch.no_grad():
            t0 = time.perf_counter()
            for _ in range(int(k)):
                res = evaluate(x, y)
            return {"s": time.perf_counter() - t0, "precision_at_1": res["precision_at_1"],
                    "map_at_r": res["map_at_r"]}

    serve_units({"eval": eval_unit})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mem", action="store_true")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    raw = np.fromfile(args.data, dtype=np.uint8)
    xb = args.n * args.d * 4
    x = torch.from_numpy(raw[:xb].view(np.float32).reshape(args.n, args.d).copy())
    y = torch.from_numpy(raw[xb:xb + args.n * 8].view(np.int64).copy())

    if args.serve:
        serve(x, y)
        return
    if args.mem:
        before = status_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        res = evaluate(x, y)
        peak = status_kib("VmHWM")
        print(json.dumps({"extra_mib": (peak - before) / 1024.0,
                          "precision_at_1": res["precision_at_1"]}))
        return

    with torch.no_grad():
        evaluate(x, y)  # warm-up
        # PyTorch's best thread count here: its default (1 on this 2-core machine, while OpenBLAS
        # runs cdist's matmul on 2 threads) or 2, whichever evaluates faster once.
        trial = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            evaluate(x, y)
            trial[threads] = time.perf_counter() - t0
        torch.set_num_threads(min(trial, key=trial.get))
        times = []
        for _ in range(3 if args.quick else 7):
            t0 = time.perf_counter()
            res = evaluate(x, y)
            times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": statistics.median(times), "precision_at_1": res["precision_at_1"],
                      "r_precision": res["r_precision"], "map_at_r": res["map_at_r"],
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
