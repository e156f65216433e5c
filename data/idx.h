// IDX files: the format of MNIST and Fashion-MNIST (LeCun's "THE IDX FILE FORMAT").
//
// Layout, all integers big-endian:
//   magic  4 bytes  0x00 0x00 <type code> <number of dims>   (0x00000803: ubyte, 3 dims)
//   dims   4 bytes each                                      (60000, 28, 28)
//   data   product(dims) elements of the type, row-major, big-endian
// Type codes: 0x08 ubyte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
//
// Files may be gzip'd (detected by content, not name); they are inflated piece by piece while
// another thread converts the previous piece, so the decode is about the cost of the inflate. Every
// inconsistency (bad magic, unknown type code, truncated header or data, bytes left after the data,
// a corrupt gzip stream) throws minidl::Error naming the file, what was expected and what was
// found.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/limits.h"
#include "tensor/tensor.h"

namespace minidl::data {

enum class IdxType : std::uint8_t {
  kUInt8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};
// "ubyte", "byte", "short", "int", "float", "double" (the spec's names).
const char* idx_type_name(IdxType type);
std::size_t idx_type_size(IdxType type);

struct IdxReadOptions {
  // dtype of the returned tensor. Integer data reads into any dtype; float data not into int64.
  DType dtype = kFloat32;
  // Floating dtypes only: each value is multiplied by this (1.0 / 255 maps ubyte pixels to [0, 1],
  // bit-identical to torchvision's ToTensor).
  double scale = 1.0;
  // When >= 0, the file must have this many dims (3 for image files, 1 for label files).
  std::int64_t expected_ndim = -1;
  // Data bytes (after gunzip) the header may declare: a gzip'd file can claim far more than its
  // size suggests (deflate inflates up to 1032:1), so the bound is checked before allocating.
  std::uint64_t max_bytes = limits::kDefaultMaxBytes;
};

// Reads an IDX file (plain or gzip) into a tensor of shape dims.
//   read_idx(p, {.dtype = kFloat32, .scale = 1.0 / 255})  images in [0, 1]
//   read_idx(p, {.dtype = kInt64})                        class labels
Tensor read_idx(const std::string& path, const IdxReadOptions& options = {});
// The same from the bytes of a file in memory (plain or gzip); `name` appears in errors.
Tensor parse_idx(std::string_view bytes, const std::string& name,
                 const IdxReadOptions& options = {});

// The elements of a ubyte IDX file as they are, one byte each (a quarter of the memory of the
// float32 tensor read_idx makes), and its dims. Other element types are an error. ByteDataset
// (data/dataset.h) keeps images this way and decodes them per batch.
struct IdxBytes {
  Shape dims;
  std::vector<std::uint8_t> data;  // row-major
};
IdxBytes read_idx_bytes(const std::string& path, std::int64_t expected_ndim = -1,
                        std::uint64_t max_bytes = limits::kDefaultMaxBytes);

struct IdxWriteOptions {
  IdxType type = IdxType::kUInt8;
  bool gzip = false;
};

// Writes t (any rank >= 1) as an IDX file, atomically. Values must be representable in the type
// (integers in range for the integer types); the first one that is not is an error.
void write_idx(const std::string& path, const Tensor& t, const IdxWriteOptions& options = {});
// The IDX bytes of t (no gzip).
std::string encode_idx(const Tensor& t, IdxType type, const std::string& name = "encode_idx");

}  // namespace minidl::data
