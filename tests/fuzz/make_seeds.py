#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/ (small, committed): tests/fuzz/corpus/<target>/.

Run by hand from the repository root: python3 tests/fuzz/make_seeds.py. The checkpoint seed is
written by the make_checkpoint_seed program of the fuzz build (scripts/fuzz --seeds does both).
Uses only the standard library.
"""
import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx(type_code, dims, payload):
    head = bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return head + payload


def npy(descr, shape, payload, version=1):
    """A .npy file as numpy/lib/format.py writes it (header padded to 64 bytes, final newline)."""
    dims = f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}"
    size_len = 2 if version == 1 else 4
    total = 6 + 2 + size_len + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + payload


def main():
    seeds = {
        "ubyte_images": idx(0x08, [2, 3, 3], bytes(range(18))),
        "ubyte_labels": idx(0x08, [4], bytes([0, 1, 2, 9])),
        "int8": idx(0x09, [3], bytes([0x80, 0, 0x7F])),
        "short": idx(0x0B, [2, 2], struct.pack(">4h", -1, 2, 300, -32768)),
        "int": idx(0x0C, [3], struct.pack(">3i", 1, -2, 2**31 - 1)),
        "float": idx(0x0D, [2], struct.pack(">2f", 1.5, -0.25)),
        "double": idx(0x0E, [1, 2], struct.pack(">2d", 3.0, float("nan"))),
        "empty_dim": idx(0x08, [0, 5], b""),
    }
    for name, data in seeds.items():
        put("idx_fuzz", name, data)
        put("idx_gzip_fuzz", name + ".gz", gzip.compress(data, 6, mtime=0))
    put("idx_gzip_fuzz", "two_members.gz",
        gzip.compress(seeds["ubyte_labels"][:6], mtime=0) + gzip.compress(seeds["ubyte_labels"][6:], mtime=0))

    # csv_fuzz: the first byte selects the options (tests/fuzz/csv_fuzz.cpp).
    csvs = {
        "classes": "\x00a,b,y\n1,2,0\n3.5,-4,1\n",
        "names": "\x00w,species\n1,setosa\n2,virginica\n",
        "quoted": '\x00a,"b ""q""",y\n"1",2,0\n# comment\n\n3, 4 ,1\r\n',
        "missing": "\x10a,b,y\n,NA,0\nnan,inf,1\n",
        "float_label": "\x04x;t\n1;0.5\n2;1e3\n",
        "semicolon_noheader": "\x03" + "1;2;3\n4;5;6\n",
        "cr_only": "\x00a,y\r1,0\r2,1\r",
    }
    for name, text in csvs.items():
        put("csv_fuzz", name, text)

    def safetensors(header, data=b""):
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        return struct.pack("<Q", len(h)) + h + data

    with open(os.path.join(os.path.dirname(ROOT), "..", "fixtures", "tiny.safetensors"), "rb") as f:
        put("safetensors_fuzz", "tiny", f.read())
    put("safetensors_fuzz", "f32", safetensors(
        {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
         "__metadata__": {"format": "pt"}}, struct.pack("<4f", 1, 2, 3, 4)))
    put("safetensors_fuzz", "empty_and_scalar", safetensors(
        {"e": {"dtype": "F64", "shape": [0, 3], "data_offsets": [0, 0]},
         "s": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]}}, struct.pack("<q", -5)))

    cases = {
        "mse": {"loss": "mse_loss", "params": {"reduction": "sum"},
                "inputs": {"input": {"shape": [2], "dtype": "float64", "data": [1.0, 2.0]},
                           "target": {"shape": [2], "dtype": "float64", "data": [0.5, 4.0]}}},
        "cross_entropy": {"loss": "cross_entropy", "params": {"label_smoothing": 0.1},
                          "inputs": {"input": {"shape": [2, 3], "data": [1, 2, 3, 0, -1, 2]},
                                     "target": {"shape": [2], "dtype": "int64", "data": [2, 0]}}},
        "triplet": {"loss": "triplet_margin_loss", "params": {"margin": 0.5, "swap": True},
                    "inputs": {"anchor": {"shape": [2, 2], "data": [0, 1, 1, 0]},
                               "positive": {"shape": [2, 2], "data": [0, 1.1, 1, 0.2]},
                               "negative": {"shape": [2, 2], "data": [1, 1, 0, 0]}}},
        "bad": {"loss": "mse_loss", "inputs": {"input": {"shape": [1], "data": [1]}}},
    }
    for name, case in cases.items():
        put("loss_eval_fuzz", name + ".json", json.dumps(case))

    for name, (descr, shape, fmt, values, version) in {
        "f4_2x3": ("<f4", (2, 3), "<6f", [1, 2, 3, 4, 5, 6], 1),
        "f8_vector": ("<f8", (2,), "<2d", [0.5, -1.0], 1),
        "i8_labels": ("<i8", (3,), "<3q", [0, 9, 4], 1),
        "f4_scalar": ("<f4", (), "<1f", [7], 1),
        "f4_empty": ("<f4", (0, 4), "<0f", [], 1),
        "f8_v2": ("<f8", (1, 1), "<1d", [3.0], 2),
    }.items():
        put("npy_fuzz", name, npy(descr, shape, struct.pack(fmt, *values), version))


if __name__ == "__main__":
    main()
