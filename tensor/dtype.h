// Run-time element types. float32 is the default for models, float64 exists so gradient checks and
// reference comparisons are exact, int64 carries indices and labels. There is no bool dtype:
// comparisons return 0/1 in the promoted dtype, which multiplies straight into masks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minidl {

enum class DType : std::uint8_t { kFloat32, kFloat64, kInt64 };
inline constexpr DType kFloat32 = DType::kFloat32;
inline constexpr DType kFloat64 = DType::kFloat64;
inline constexpr DType kInt64 = DType::kInt64;

using Shape = std::vector<std::int64_t>;
using Axes = std::vector<std::int64_t>;

std::size_t dtype_size(DType dt);
const char* dtype_name(DType dt);  // "float32", "float64", "int64"
bool is_floating(DType dt);
// PyTorch's promotion among our three types: float64 > float32 > int64.
DType promote(DType a, DType b);

// "[2,3]" for messages and graph dumps.
std::string shape_str(const Shape& s);

// Element count of a shape, the one checked product of sizes: 0 when any dim is 0 (whatever the
// others, as in PyTorch: torch.empty(0, 2**62, 2**62) exists), else the product of the dims.
// Throws minidl::Error naming `op` and the shape when a dim is negative or the product exceeds
// 2^63-1:  "tensor: shape [4294967296,4294967296] has more than 2^63-1 elements".
// Every Tensor's numel comes through here, so a product over the dims of an existing tensor
// with no 0 dim cannot overflow; a new shape (broadcast, concat, pad, conv output, a shape given
// by the user) is checked with this before any arithmetic on it.
std::int64_t shape_numel(const Shape& s, const char* op = "tensor");
// The same without the throw: nullopt on a negative dim or a product past 2^63-1.
std::optional<std::int64_t> checked_numel(const Shape& s);

}  // namespace minidl
