// Limits on untrusted input: every reader of a file or a JSON text checks these before it
// allocates or recurses, and a breach is a minidl::Error naming the limit and the value found.
// They are generous for real data (Fashion-MNIST, a ResNet's safetensors header, a 100-column CSV)
// and small enough that a hostile file cannot crash the process or run it out of memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/error.h"

namespace minidl::limits {

// JSON nesting ('[' and '{' open at once). nlohmann's dump() and destructor recurse; a 100k-deep
// text would overflow the stack. minidl's own JSON (safetensors headers, loss cases,
// checkpoints' metadata) is at most 4 deep.
constexpr std::size_t kMaxJsonDepth = 64;
// Dims of one tensor read from a file or JSON (PyTorch refuses more than 64 as well in most ops).
constexpr std::size_t kMaxDims = 64;
// The safetensors reference implementation refuses headers over 100 MB; so do we, before
// allocating.
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Elements in a JSON tensor of a loss case (the text itself is the real bound; this keeps the
// evaluator's memory within a few hundred MB).
constexpr std::int64_t kMaxJsonElements = std::int64_t{1} << 25;
// Bytes of one CSV line; longer is a corrupt or non-CSV file.
constexpr std::size_t kMaxCsvLineBytes = std::size_t{16} << 20;
// Decompressed bytes a gzip'd file may inflate to unless the caller raises it (IdxReadOptions,
// CsvOptions max_bytes): 8 GiB, far above Fashion-MNIST's 47 MB, below what a corrupt header
// could claim.
constexpr std::uint64_t kDefaultMaxBytes = std::uint64_t{8} << 30;
// Epochs a checkpoint may say are done (2^31: a run of a billion epochs is not a real one; the
// count 2^63-1 in a corrupt file made a resumed fit run zero epochs without a word).
constexpr std::int64_t kMaxEpochs = std::int64_t{1} << 31;
// Characters of one error message and of an untrusted value quoted in one: kMaxMessageChars and
// kMaxQuotedChars in tensor/error.h (every file includes it), applied by clip().

}  // namespace minidl::limits
