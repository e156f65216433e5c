#!/usr/bin/python3
"""torchvision's side of bench_detection: box_iou of N x N boxes and nms over N boxes.

Data: --data PATH holds raw float32 boxes [N, 4] (xyxy) then float32 scores [N], written by
bench/detection_bench.cpp. For each of 1 and 2 intra-op threads: a warm-up, then the median
seconds of --reps runs of each op; the faster thread count is reported. Prints one JSON line
{"box_iou_seconds", "box_iou_threads", "nms_seconds", "nms_threads", "nms_kept", "torch",
"torchvision"}. Usage:
  torch_detection.py --data PATH --n N [--reps R]
  torch_detection.py --serve --data PATH --n N
    the coprocess bench_detection drives (bench/torch_serve.py's protocol): "box_iou K" and
    "nms K" run K calls -> {"s": seconds for all K}; nms also answers "kept".
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch
import torchvision
from torchvision.ops import box_iou, nms


def median_seconds(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def serve(boxes, scores, threshold):
    from torch_serve import serve as serve_units

    def iou_unit(k):
        t = time.perf_counter()
        for _ in range(int(k)):
            box_iou(boxes, boxes)
        return {"s": time.perf_counter() - t}

    def nms_unit(k):
        t = time.perf_counter()
        for _ in range(int(k)):
            kept = nms(boxes, scores, threshold)
        return {"s": time.perf_counter() - t, "kept": int(kept.numel())}

    serve_units({"box_iou": iou_unit, "nms": nms_unit})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    raw = np.fromfile(a.data, dtype=np.float32)
    boxes = torch.from_numpy(raw[:4 * a.n].reshape(a.n, 4).copy())
    scores = torch.from_numpy(raw[4 * a.n:5 * a.n].copy())
    if a.serve:
        serve(boxes, scores, a.threshold)
        return
    best = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        t_iou = median_seconds(lambda: box_iou(boxes, boxes), a.reps)
        t_nms = median_seconds(lambda: nms(boxes, scores, a.threshold), a.reps)
        if "box_iou_seconds" not in best or t_iou < best["box_iou_seconds"]:
            best["box_iou_seconds"], best["box_iou_threads"] = t_iou, threads
        if "nms_seconds" not in best or t_nms < best["nms_seconds"]:
            best["nms_seconds"], best["nms_threads"] = t_nms, threads
    best["nms_kept"] = int(nms(boxes, scores, a.threshold).numel())
    best["torch"] = torch.__version__
    best["torchvision"] = torchvision.__version__
    print(json.dumps(best))


if __name__ == "__main__":
    main()
