// Weights on disk in the safetensors format (https://github.com/huggingface/safetensors), which
// PyTorch, JAX and others read:
//
//   bytes 0..7    N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N  a JSON object: {"<name>": {"dtype": "F32" | "F64" | "I64", "shape": [...],
//                 "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value", ...}}
//                 (optional metadata, string to string), padded with spaces
//   the rest      the data buffer: each tensor's raw little-endian row-major bytes at
//                 [begin, end) relative to the start of the buffer
//
// Writing: tensors in name order, packed back to back, the header padded so the data starts on
// an 8-byte boundary, the file written atomically (temp file + rename). Reading validates every
// field (header length against the file size, the JSON, dtypes, shapes, offsets inside the buffer,
// not overlapping, and matching dtype size x element count); a truncated or corrupt file is a
// minidl::Error naming the file and the problem.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "nn/module.h"

namespace minidl::nn {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsContents {
  StateDict tensors;
  Metadata metadata;
};

// The file's bytes, and back. `source` names the bytes in error messages (the path).
std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata = {});
SafetensorsContents decode_safetensors(std::string_view bytes,
                                       const std::string& source = "<memory>");

void save_safetensors(const std::string& path, const StateDict& tensors,
                      const Metadata& metadata = {});
SafetensorsContents load_safetensors(const std::string& path);

// The module's state_dict (parameters and buffers, PyTorch names) to a file, and back. Loading
// checks names, shapes and dtypes. strict: any missing key, unexpected key or mismatch throws an
// error that names the file and lists every problem, and nothing is loaded. Non-strict: what
// matches is loaded and the report lists the rest.
void save_weights(const Module& module, const std::string& path, const Metadata& metadata = {});
LoadReport load_weights(Module& module, const std::string& path, bool strict = true);

}  // namespace minidl::nn
