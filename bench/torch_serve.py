"""The coprocess loop every PyTorch side of a bench program shares (bench/harness.h's Coprocess).

A bench program starts `torch_<x>.py --serve`, which builds its state and calls serve(units). The
protocol: one command per line on stdin, one JSON line per reply on stdout.
  (hello)        {"ready": true, "torch": version, "blas_default": n, "torch_threads_default": n}
  config T B     torch.set_num_threads(T); OpenBLAS threads B (0: OpenBLAS's default as the
                 process started). PyTorch's own threads do not govern OpenBLAS
                 (reference/performance.md), so both are set.  -> {"ok": true, ...}
  NAME ARGS...   units[NAME](*ARGS) -> a dict, usually {"s": seconds, ...}
  quit
An exception in a unit is answered {"error": repr}; the bench program prints it and drops that
block.
"""
import ctypes
import json
import sys

import torch


def serve(units):
    blas = ctypes.CDLL("libopenblas.so.0")
    blas_default = blas.openblas_get_num_threads()

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "torch": torch.__version__, "blas_default": blas_default,
           "torch_threads_default": torch.get_num_threads()})
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        try:
            if cmd[0] == "quit":
                break
            if cmd[0] == "config":
                torch.set_num_threads(int(cmd[1]))
                blas.openblas_set_num_threads(int(cmd[2]) if int(cmd[2]) > 0 else blas_default)
                reply({"ok": True, "torch_threads": torch.get_num_threads(),
                       "blas_threads": blas.openblas_get_num_threads()})
            elif cmd[0] in units:
                reply(units[cmd[0]](*cmd[1:]))
            else:
                reply({"error": "unknown command " + cmd[0]})
        except Exception as e:  # reported by the bench program
            reply({"error": repr(e)})
