#!/usr/bin/python3
"""PyTorch's side of bench_train (bench/train_bench.cpp): the same training work, run by PyTorch.

bench_train starts this script and drives it, so that minidl and PyTorch alternate unit by unit on
a noisy 2-core machine. Two modes:

  torch_train.py --serve   A coprocess (bench/torch_serve.py's protocol, with its "config T B"
                           thread setting). Loads Fashion-MNIST once; the units:
      mlp_epoch            one shuffled epoch of the MLP            -> {"s": seconds, "loss": mean}
      cnn_steps K          K training steps of the CNN               -> {"s": seconds for all K}
      infer R              R passes over the 10k test set, no grad   -> {"s": seconds per pass}
      conv_fwd K           K forwards of the CNN's two convolutions  -> {"s": seconds for all K}
      conv_bwd K           K backwards of them (only those timed)    -> {"s": seconds for all K}
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


def conv_inputs():
    """The Fashion CNN's two convolutions at batch 64: conv 1->32 on [64, 1, 28, 28] (the image
    batch, no grad, as in the network) and conv 32->64 on [64, 32, 14, 14] (an activation: its
    input requires grad), with fixed random inputs and upstream gradients."""
    g = torch.Generator().manual_seed(3)
    c1, c2 = nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1)
    x1 = torch.rand(CNN_BATCH, 1, 28, 28, generator=g)
    x2 = torch.rand(CNN_BATCH, 32, 14, 14, generator=g).requires_grad_()
    g1 = torch.randn(CNN_BATCH, 32, 28, 28, generator=g)
    g2 = torch.randn(CNN_BATCH, 64, 14, 14, generator=g)
    return c1, c2, x1, x2, g1, g2


def serve():
    from torch_serve import serve as serve_units
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
    c1, c2, x1, x2, g1, g2 = conv_inputs()

    def unit_mlp_epoch():
        t0 = time.perf_counter()
        loss = mlp_epoch(mlp_state)
        return {"s": time.perf_counter() - t0, "loss": loss}

    def unit_cnn_steps(k):
        t0 = time.perf_counter()
        for _ in range(int(k)):
            bx, by = cnn_loader.next()
            loss = train_step(cnn, cnn_opt, loss_fn, bx, by)
        return {"s": time.perf_counter() - t0, "loss": loss.item()}

    def unit_infer(r):
        r = int(r)
        t0 = time.perf_counter()
        for _ in range(r):
            preds = infer(mlp, x_test)
        return {"s": (time.perf_counter() - t0) / r, "check": int(preds[-1])}

    def unit_conv_fwd(k):
        # Forward as in training (recording for autograd), both convolutions; the outputs are
        # dropped each iteration.
        t0 = time.perf_counter()
        for _ in range(int(k)):
            y1, y2 = c1(x1), c2(x2)
        return {"s": time.perf_counter() - t0, "check": float(y1[0, 0, 0, 0] + y2[0, 0, 0, 0])}

    def unit_conv_bwd(k):
        # Only the backward passes are timed: weight and bias gradients of both, and the input
        # gradient of the second (its input requires grad, as an activation does).
        total = 0.0
        for _ in range(int(k)):
            y1, y2 = c1(x1), c2(x2)
            c1.zero_grad(set_to_none=True)
            c2.zero_grad(set_to_none=True)
            x2.grad = None
            t0 = time.perf_counter()
            y1.backward(g1)
            y2.backward(g2)
            total += time.perf_counter() - t0
        return {"s": total, "check": float(c2.weight.grad[0, 0, 0, 0])}

    serve_units({"mlp_epoch": unit_mlp_epoch, "cnn_steps": unit_cnn_steps, "infer": unit_infer,
                 "conv_fwd": unit_conv_fwd, "conv_bwd": unit_conv_bwd})


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
