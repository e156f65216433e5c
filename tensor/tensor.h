// Tensor: an n-d array with a run-time dtype, a shape and contiguous, 64-byte-aligned storage.
//
// Handles are cheap: copying a Tensor shares its storage (like a PyTorch tensor object); `clone()`
// makes an independent copy. Every tensor is row-major contiguous; a view (reshape, narrow along
// the first axis) shares storage at an element offset. Kernels that need another layout copy.
// Tensor knows nothing of gradients: that is autograd's Variable, one layer up.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/error.h"

namespace minidl {

// Raw storage block; owns `nbytes` from the caching allocator (tensor/allocator.h).
struct Storage {
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* ptr = nullptr;
  std::size_t nbytes = 0;
};

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = kFloat32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = kFloat64;
};
template <>
struct DTypeOf<std::int64_t> {
  static constexpr DType value = kInt64;
};

// A nested initializer list of numbers: tensor({{1, 2}, {3, 4}}).
class NestedList {
 public:
  NestedList(double v) : value_(v), is_leaf_(true) {}  // NOLINT: implicit by design
  NestedList(std::initializer_list<NestedList> items) : items_(items) {}
  bool is_leaf() const { return is_leaf_; }
  double value() const { return value_; }
  const std::vector<NestedList>& items() const { return items_; }

 private:
  double value_ = 0;
  bool is_leaf_ = false;
  std::vector<NestedList> items_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() is false
  // Uninitialised contents.
  Tensor(Shape shape, DType dtype = kFloat32);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t numel() const { return numel_; }
  // size(-1) is the last axis.
  std::int64_t size(std::int64_t axis) const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }

  template <typename T>
  T* data() {
    check_type(DTypeOf<T>::value);
    return static_cast<T*>(raw());
  }
  template <typename T>
  const T* data() const {
    check_type(DTypeOf<T>::value);
    return static_cast<const T*>(raw());
  }
  void* raw();
  const void* raw() const;

  // Independent copy.
  Tensor clone() const;
  // Converted copy (or this tensor itself, shared, if the dtype already matches).
  Tensor to(DType dtype) const;
  // A view with the same storage and a new shape of the same numel; one axis may be -1.
  Tensor reshape(Shape shape) const;
  // View of rows [start, start+length) along axis 0; shares storage.
  Tensor narrow_rows(std::int64_t start, std::int64_t length) const;

  // Value of a one-element tensor, as double.
  double item() const;
  // Element at a flat (row-major) index, as double; for tests and printing.
  double at(std::int64_t flat_index) const;
  // Copies out as a std::vector<double>, whatever the dtype.
  std::vector<double> to_vector() const;
  // Copies out as a std::vector<T> with T matching dtype().
  template <typename T>
  std::vector<T> values() const {
    const T* p = data<T>();
    return std::vector<T>(p, p + numel_);
  }

  // In-place helpers used by optimizers and data loaders (not tracked by autograd).
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  // Copies src's values (same shape; dtype converted) into this tensor's storage.
  Tensor& copy_(const Tensor& src);

  // Shares storage with `other` (same block)?
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }
  // No other handle (copy or view) shares this tensor's storage, so it may be taken over without
  // a copy (the autograd engine keeps a fresh gradient as a leaf's .grad this way).
  bool storage_unique() const { return storage_ != nullptr && storage_.use_count() == 1; }

  // PyTorch-like repr: tensor([[1., 2.], [3., 4.]], dtype=float64); summarised when large.
  std::string repr() const;

 private:
  void check_type(DType want) const;
  std::shared_ptr<Storage> storage_;
  std::int64_t offset_ = 0;  // in elements
  std::int64_t numel_ = 0;
  Shape shape_;
  DType dtype_ = kFloat32;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- creation ----
Tensor empty(Shape shape, DType dtype = kFloat32);
Tensor zeros(Shape shape, DType dtype = kFloat32);
Tensor ones(Shape shape, DType dtype = kFloat32);
Tensor full(Shape shape, double value, DType dtype = kFloat32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// 0-d tensor holding one value.
Tensor scalar_tensor(double value, DType dtype = kFloat32);
// [start, end) by step, like torch.arange.
Tensor arange(double start, double end, double step = 1.0, DType dtype = kFloat32);
Tensor arange(std::int64_t end, DType dtype = kInt64);
// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, std::int64_t steps, DType dtype = kFloat32);
// n x m identity (m = n when negative).
Tensor eye(std::int64_t n, std::int64_t m = -1, DType dtype = kFloat32);
// From flat values: 1-D without a shape; with one, that shape ({} is 0-d and needs one value).
Tensor from_vector(const std::vector<float>& values);
Tensor from_vector(const std::vector<double>& values);
Tensor from_vector(const std::vector<std::int64_t>& values);
Tensor from_vector(const std::vector<float>& values, Shape shape);
Tensor from_vector(const std::vector<double>& values, Shape shape);
Tensor from_vector(const std::vector<std::int64_t>& values, Shape shape);
// From nested initializer lists; the shape is read off the nesting, which must be rectangular.
Tensor tensor(const NestedList& values, DType dtype = kFloat32);

}  // namespace minidl
