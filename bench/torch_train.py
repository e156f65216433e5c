#!/usr/bin/python3
"""PyTorch's side of bench_train (bench/train_bench.cpp): the same training work, run by PyTorch.

bench_train starts this script and drives it, so that minidl and PyTorch alternate unit by unit on
a noisy 2-core machine. Two modes:

  torch_train.py --serve   A coprocess. Loads Fashion-MNIST once, then reads one command per line
                           on stdin and answers one JSON line on stdout:
      config T B           torch.set_num_threads(T); OpenBLAS threads B (0: OpenBLAS's default as
                           the process started, 2 here). PyTorch's own threads do not govern
                           OpenBLAS (reference/performance.md), so both are set.
      mlp_epoch            one shuffled epoch of the MLP            -> {"s": seconds, "loss": mean}
      cnn_steps K          K training steps of the CNN               -> {"s": seconds for all K}
      infer R              R passes over the 10k test set, no grad   -> {"s": seconds per pass}
      quit
  torch_train.py --rss [--quick]
                           The MLP training process alone, for its peak memory: imports torch,
                           loads train (bytes) and test sets, trains one epoch (--quick: 100 steps), runs
                           the test-set inference, then prints {"bench": "mlp_rss", "vmhwm_mib": x,
                           "ru_maxrss_mib": y}. VmHWM (/proc/self/status) is this process's own
                           high-water mark; ru_maxrss can include the parent's at fork time.

The work mirrors bench/train_bench.cpp exactly:
  MLP  784-256-128-10, ReLU, batch 128, SGD(lr 0.01, momentum 0.9), nn.CrossEntropyLoss, a fresh
       permutation each epoch (torch.randperm + index_select per batch: the fastest idiomatic
       shuffled loader; torch.utils.data.DataLoader over a TensorDataset collates sample by
       sample in Python and would make PyTorch look several times slower), the last batch partial.
  CNN  conv32(3x3, pad 1)-ReLU-maxpool2-conv64(3x3, pad 1)-ReLU-maxpool2-fc128-ReLU-fc10, batch 64,
       Adam(lr 1e-3), same loss and loader.
  Inference  the MLP in eval mode under torch.no_grad(), batches of 1000 over the 10k test images,
       logits and argmax.
Data as in bench/train_bench.cpp: the training images stay a uint8 tensor (the file's bytes, as
torchvision keeps MNIST-style data) and each batch is decoded to float32 pixel / 255 (torchvision's
ToTensor values); the test images are decoded to float32 once, for inference. Labels are int64.
"""
import ctypes
import gzip
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn

DATA_DIR = os.environ.get("MINIDL_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"
MLP_BATCH = 128
CNN_BATCH = 64
INFER_BATCH = 1000


def read_idx(stem, header):
    """The data bytes of an IDX file as a uint8 tensor (torchvision's way: frombuffer of a
    bytearray copy, so the tensor is writable)."""
    path = os.path.join(DATA_DIR, stem)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if opener is gzip.open else path, "rb") as f:
        raw = f.read()
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=header)


def load(split, as_bytes=False):
    """(images [N, 1, 28, 28]: uint8 when as_bytes, else float32 in [0, 1]; labels int64 [N])."""
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(prefix + "-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28)
    if not as_bytes:
        x = x.float().div_(255.0)
    y = read_idx(prefix + "-labels-idx1-ubyte", 8).long()
    return x, y


def decode(xb):
    """A batch of uint8 pixels as float32 in [0, 1] (a float32 batch as it is)."""
    return xb.float().div_(255.0) if xb.dtype == torch.uint8 else xb


def make_mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def make_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


class Shuffled:
    """Endless shuffled batches: a fresh permutation per pass, the last batch of a pass partial."""

    def __init__(self, x, y, batch, seed):
        self.x, self.y, self.batch = x, y, batch
        self.gen = torch.Generator().manual_seed(seed)
        self.perm, self.pos = None, 0

    def epoch(self):
        perm = torch.randperm(self.x.shape[0], generator=self.gen)
        for i in range(0, perm.numel(), self.batch):
            idx = perm[i:i + self.batch]
            yield decode(self.x.index_select(0, idx)), self.y.index_select(0, idx)

    def next(self):
        if self.perm is None or self.pos >= self.perm.numel():
            self.perm, self.pos = torch.randperm(self.x.shape[0], generator=self.gen), 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return decode(self.x.index_select(0, idx)), self.y.index_select(0, idx)


def train_step(model, opt, loss_fn, x, y):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def mlp_epoch(state, max_steps=None):
    model, opt, loss_fn, loader = state
    model.train()
    total, steps = 0.0, 0
    for x, y in loader.epoch():
        total += train_step(model, opt, loss_fn, x.reshape(-1, 784), y).item()
        steps += 1
        if max_steps is not None and steps >= max_steps:
            break
    return total / steps


def infer(model, x_test):
    model.eval()
    with torch.no_grad():
        flat = x_test.reshape(-1, 784)
        preds = [model(flat[i:i + INFER_BATCH]).argmax(1) for i in range(0, flat.shape[0],
                                                                           INFER_BATCH)]
    model.train()
    return torch.cat(preds)


def vmhwm_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def rss_main(quick):
    torch.set_num_threads(1)  # the MLP's best setting; threads do not change the memory
    x, y = load("train", as_bytes=True)
    x_test, _ = load("test")
    torch.manual_seed(0)
    model = make_mlp()
    state = (model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
             nn.CrossEntropyLoss(), Shuffled(x.reshape(-1, 784), y, MLP_BATCH, 1))
    mlp_epoch(state, 100 if quick else None)
    infer(model, x_test)
    print(json.dumps({"bench": "mlp_rss", "vmhwm_mib": vmhwm_mib(),
                      "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "torch": torch.__version__}), flush=True)


def serve():
    blas = ctypes.CDLL("libopenblas.so.0")
    blas_default = blas.openblas_get_num_threads()
    x, y = load("train", as_bytes=True)
    x_test, _ = load("test")
    torch.manual_seed(0)
    mlp = make_mlp()
    mlp_state = (mlp, torch.optim.SGD(mlp.parameters(), lr=0.01, momentum=0.9),
                 nn.CrossEntropyLoss(), Shuffled(x.reshape(-1, 784), y, MLP_BATCH, 1))
    cnn = make_cnn()
    cnn_opt = torch.optim.Adam(cnn.parameters(), lr=1e-3)
    cnn_loader = Shuffled(x, y, CNN_BATCH, 2)
    loss_fn = nn.CrossEntropyLoss()

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
            elif cmd[0] == "mlp_epoch":
                t0 = time.perf_counter()
                loss = mlp_epoch(mlp_state)
                reply({"s": time.perf_counter() - t0, "loss": loss})
            elif cmd[0] == "cnn_steps":
                k = int(cmd[1])
                t0 = time.perf_counter()
                for _ in range(k):
                    bx, by = cnn_loader.next()
                    loss = train_step(cnn, cnn_opt, loss_fn, bx, by)
                reply({"s": time.perf_counter() - t0, "loss": loss.item()})
            elif cmd[0] == "infer":
                r = int(cmd[1])
                t0 = time.perf_counter()
                for _ in range(r):
                    preds = infer(mlp, x_test)
                s = (time.perf_counter() - t0) / r
                reply({"s": s, "check": int(preds[-1])})
            else:
                reply({"error": "unknown command " + cmd[0]})
        except Exception as e:  # reported to bench_train, which prints it
            reply({"error": repr(e)})


def main():
    args = sys.argv[1:]
    if "--serve" in args:
        serve()
    elif "--rss" in args:
        rss_main("--quick" in args)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
