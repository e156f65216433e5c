// NumPy .npy files (layer 3, namespace minidl::data): embeddings and labels exchanged with NumPy,
// faiss, hnswlib and scikit-learn, beside safetensors for weights.
//
// Layout (numpy/lib/format.py, "NEP 1"):
//   magic    6 bytes  \x93NUMPY
//   version  2 bytes  major, minor: 1.0 (2-byte header length), 2.0 or 3.0 (4-byte length;
//                     3.0 only allows a UTF-8 header)
//   hlen     2 or 4 bytes, little-endian
//   header   hlen bytes of ASCII: a Python dict literal
//              {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }
//            padded with spaces and a final '\n' so the data starts on a 64-byte boundary
//   data     product(shape) elements, C order
// Supported: descr '<f4' (float32), '<f8' (float64), '<i8' (int64), C order, any rank (shape ()
// is a 0-d tensor). Everything else (big-endian, Fortran order, other types, a header that is
// not a dict of exactly those keys, truncated data or bytes after it) throws minidl::Error naming
// the file, what was expected and what was found.
#pragma once

#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace minidl::data {

Tensor read_npy(const std::string& path);
// The same from the bytes of a file in memory; `name` appears in errors.
Tensor parse_npy(std::string_view bytes, const std::string& name = "npy");

// Writes t (float32, float64 or int64, any rank) as a version 1.0 .npy file (2.0 when the header
// needs more than 65535 bytes), atomically (tensor/file_util.h).
void write_npy(const std::string& path, const Tensor& t);
std::string encode_npy(const Tensor& t);

}  // namespace minidl::data
