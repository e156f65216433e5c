// Run-time element types. float32 is the default for models, float64 exists so gradient checks and
// reference comparisons are exact, int64 carries indices and labels. There is no bool dtype:
// comparisons return 0/1 in the promoted dtype, which multiplies straight into masks.
#pragma once

#include <cstddef>
#include <cstdint>
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
std::int64_t shape_numel(const Shape& s);

}  // namespace minidl
