#!/usr/bin/python3
"""PyTorch's side of bench_core's tiny_chain_1000: the cost per link of a chain of tiny ops.

Runs exactly what bench/core_bench.cpp runs for minidl: a 1x16 float32 leaf that requires grad,
1000 links of `x = x * 1.0001 + 0.001` (two ops per link), then `x.sum().backward()`, with the
graph torn down inside the timing. Eager PyTorch, one intra-op thread (torch.set_num_threads(1),
its best setting on this 2-core machine: tiny ops never gain from threads, and a second pool only
spins). OPENBLAS_CORETYPE is left as the environment has it (see reference/performance.md).

After a warm-up, prints one JSON line: {"bench": "tiny_chain_1000", "us_per_link": median over the
repetitions, "reps": n, "torch": version}. Usage: torch_chain.py [--quick].
torch_chain.py --serve is the coprocess bench_core drives (see serve()): bench_core then measures
both sides with bench/harness.h's method, blocks of chains alternating with minidl's.
"""
import json
import statistics
import sys
import time

import torch

LINKS = 1000


def chain(x0):
    """One forward + backward through the chain; returns seconds."""
    t0 = time.perf_counter()
    x = x0
    for _ in range(LINKS):
        x = x * 1.0001 + 0.001
    s = x.sum()
    s.backward()
    del x, s  # graph teardown counted, as on minidl's side
    return time.perf_counter() - t0


def serve():
    """The coprocess of bench_core (bench/torch_serve.py's protocol): "chains K" runs K chains
    -> {"s": seconds for all K, "grad": the last gradient}."""
    from torch_serve import serve as serve_units
    x0 = torch.zeros(1, 16, dtype=torch.float32, requires_grad=True)

    def chains(k):
        total = 0.0
        for _ in range(int(k)):
            total += chain(x0)
            grad = x0.grad[0, 0].item()
            x0.grad = None
        return {"s": total, "grad": grad}

    serve_units({"chains": chains})


def main():
    if "--serve" in sys.argv[1:]:
        serve()
        return
    quick = "--quick" in sys.argv[1:]
    torch.set_num_threads(1)
    x0 = torch.zeros(1, 16, dtype=torch.float32, requires_grad=True)
    for _ in range(3):  # warm-up: allocator, dispatcher caches
        chain(x0)
        x0.grad = None
    reps = 15 if quick else 51  # one chain per sample, as in core_bench.cpp
    times = []
    for _ in range(reps):
        times.append(chain(x0))
        grad = x0.grad[0, 0].item()  # consumed, and checked below
        x0.grad = None
    want = 1.0001 ** LINKS
    if abs(grad - want) > 1e-3 * want:
        print(f"torch_chain.py: WARNING gradient {grad}, expected {want}", file=sys.stderr)
    print(json.dumps({
        "bench": "tiny_chain_1000",
        "us_per_link": statistics.median(times) / LINKS * 1e6,
        "reps": reps,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
