#!/usr/bin/env python3
"""faiss's side of bench_ann (bench/ann_bench.cpp): reads DIR/base.npy, queries.npy, gt.npy (the
ground truth minidl computed), runs faiss on one thread and prints one JSON line per point:
IndexFlatL2; IndexIVFFlat nlist 256 (64 with --quick) over nprobe; with --hnsw IndexHNSWFlat
M 16, efConstruction 200 over efSearch (slow to build: about 2 minutes at 60k x 784); --hnsw-only
runs that alone (on the files an earlier bench_ann run left)."""
import json
import sys
import time

import numpy as np

try:
    import faiss
except ImportError:
    print("python3-faiss is not installed", file=sys.stderr)
    sys.exit(3)

d = sys.argv[1]
quick = "--quick" in sys.argv
# Process CPU time (all threads) unless --wall, as bench_ann measures its own side.
clock = time.perf_counter if "--wall" in sys.argv else time.process_time
faiss.omp_set_num_threads(1)
xb = np.load(d + "/base.npy")
xq = np.load(d + "/queries.npy")
gt = np.load(d + "/gt.npy")
k = gt.shape[1]
dim = xb.shape[1]


def recall(ids):
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(ids, gt))
    return hits / (k * len(gt))


def emit(index, params, ids, secs, build, mem):
    print(json.dumps({"lib": "faiss", "index": index, "params": params,
                      "recall": round(recall(ids), 4), "qps": round(len(xq) / secs, 1),
                      "build_s": round(build, 3), "mem_mb": round(mem / 1048576.0, 1)}),
          flush=True)


hnsw_only = "--hnsw-only" in sys.argv
if not hnsw_only:
    flat = faiss.IndexFlatL2(dim)
    flat.add(xb)
    t = clock()
    _, ids = flat.search(xq, k)
    emit("exact", "IndexFlatL2", ids, clock() - t, 0.0, xb.nbytes)

if "--exact-only" in sys.argv:
    sys.exit(0)

nlist = 64 if quick else 256
quant = faiss.IndexFlatL2(dim)
ivf = faiss.IndexIVFFlat(quant, dim, nlist)
t = clock()
if not hnsw_only:
    ivf.train(xb)
    ivf.add(xb)
build = clock() - t
for nprobe in [] if hnsw_only else [1, 2, 4, 8, 16, 32, 64]:
    if nprobe > nlist:
        break
    ivf.nprobe = nprobe
    t = clock()
    _, ids = ivf.search(xq, k)
    emit("ivf", "nlist=%d nprobe=%d" % (nlist, nprobe), ids, clock() - t, build,
         xb.nbytes + xb.shape[0] * 8)

if "--hnsw" in sys.argv or hnsw_only:
    h = faiss.IndexHNSWFlat(dim, 16)
    h.hnsw.efConstruction = 200
    t = clock()
    h.add(xb)
    build = clock() - t
    for ef in [10, 20, 40, 80, 160]:
        h.hnsw.efSearch = ef
        t = clock()
        _, ids = h.search(xq, k)
        emit("hnsw", "M=16 efC=200 ef=%d" % ef, ids, clock() - t, build,
             xb.nbytes + xb.shape[0] * 16 * 2 * 4)
