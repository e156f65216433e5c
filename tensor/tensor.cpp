#include "tensor/tensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <ostream>

#include "tensor/allocator.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl {

// ---- dtype ----
std::size_t dtype_size(DType dt) {
  switch (dt) {
    case kFloat32:
      return 4;
    case kFloat64:
    case kInt64:
      return 8;
  }
  return 0;
}

const char* dtype_name(DType dt) {
  switch (dt) {
    case kFloat32:
      return "float32";
    case kFloat64:
      return "float64";
    case kInt64:
      return "int64";
  }
  return "?";
}

bool is_floating(DType dt) { return dt == kFloat32 || dt == kFloat64; }

DType promote(DType a, DType b) {
  if (a == kFloat64 || b == kFloat64) return kFloat64;
  if (a == kFloat32 || b == kFloat32) return kFloat32;
  return kInt64;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::optional<std::int64_t> checked_numel(const Shape& s) {
  bool zero = false;
  for (auto d : s) {
    if (d < 0) return std::nullopt;
    zero = zero || d == 0;
  }
  // Zero first: [0, 2^62, 2^62] is empty, not an overflow.
  if (zero) return 0;
  std::int64_t n = 1;
  for (auto d : s)
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
  return n;
}

std::int64_t shape_numel(const Shape& s, const char* op) {
  if (const auto n = checked_numel(s)) return *n;
  for (auto d : s) MINIDL_CHECK(d >= 0, op, ": negative dimension in shape ", shape_str(s));
  MINIDL_FAIL(op, ": shape ", shape_str(s), " has more than 2^63-1 elements");
}

// ---- storage ----
Storage::Storage(std::size_t n) : ptr(storage_alloc(n)), nbytes(n) {}
Storage::~Storage() { storage_free(ptr, nbytes); }

// ---- Tensor ----
// Byte sizes and byte offsets are int64 like element counts (and so fit a size_t).
static_assert(sizeof(std::size_t) >= sizeof(std::int64_t));

Tensor::Tensor(Shape shape, DType dtype) : shape_(std::move(shape)), dtype_(dtype) {
  numel_ = shape_numel(shape_, "tensor");
  const auto es = static_cast<std::int64_t>(dtype_size(dtype_));
  MINIDL_CHECK(numel_ <= std::numeric_limits<std::int64_t>::max() / es, "tensor: shape ",
               shape_str(shape_), " of ", dtype_name(dtype_), " needs more than 2^63-1 bytes");
  const auto nbytes = static_cast<std::size_t>(numel_ * es);
  try {
    storage_ = std::make_shared<Storage>(nbytes);
  } catch (const std::bad_alloc&) {
    // A size that fits the types but not the machine (storage_alloc hands back its idle cache
    // and retries before it gives up).
    MINIDL_FAIL("tensor: cannot allocate ", nbytes, " bytes for shape ", shape_str(shape_), " (",
                dtype_name(dtype_), ")");
  }
}

std::int64_t Tensor::size(std::int64_t axis) const {
  MINIDL_CHECK(dim() > 0, "size: a 0-d tensor has no axes");
  return shape_[static_cast<std::size_t>(detail::norm_axis(axis, dim(), "size"))];
}

void* Tensor::raw() {
  MINIDL_CHECK(defined(), "tensor: access to an undefined tensor");
  return static_cast<char*>(storage_->ptr) +
         offset_ * static_cast<std::int64_t>(dtype_size(dtype_));
}

const void* Tensor::raw() const {
  MINIDL_CHECK(defined(), "tensor: access to an undefined tensor");
  return static_cast<const char*>(storage_->ptr) +
         offset_ * static_cast<std::int64_t>(dtype_size(dtype_));
}

void Tensor::check_type(DType want) const {
  MINIDL_CHECK(defined(), "tensor: access to an undefined tensor");
  MINIDL_CHECK(dtype_ == want, "tensor: data<", dtype_name(want), ">() on a ", dtype_name(dtype_),
               " tensor of shape ", shape_str(shape_));
}

Tensor Tensor::clone() const {
  MINIDL_CHECK(defined(), "clone: undefined tensor");
  Tensor out(shape_, dtype_);
  if (numel_ > 0) std::memcpy(out.raw(), raw(), nbytes());
  return out;
}

namespace {
template <typename S, typename D>
void convert(const S* src, D* dst, std::int64_t n) {
  parallel_for(n, kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) dst[i] = static_cast<D>(src[i]);
  });
}
}  // namespace

Tensor Tensor::to(DType dtype) const {
  MINIDL_CHECK(defined(), "to: undefined tensor");
  if (dtype == dtype_) return *this;
  Tensor out(shape_, dtype);
  detail::dispatch(dtype_, "to", [&](auto s) {
    using S = decltype(s);
    detail::dispatch(dtype, "to", [&](auto d) {
      using D = decltype(d);
      convert(data<S>(), out.data<D>(), numel_);
    });
  });
  return out;
}

Tensor Tensor::reshape(Shape shape) const {
  MINIDL_CHECK(defined(), "reshape: undefined tensor");
  std::int64_t infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      MINIDL_CHECK(infer < 0, "reshape: more than one -1 in ", shape_str(shape));
      infer = static_cast<std::int64_t>(i);
    } else {
      MINIDL_CHECK(shape[i] >= 0, "reshape: negative dimension in ", shape_str(shape));
    }
  }
  // The product of the given dims (the -1 counted as 1), checked: a product that wrapped around
  // could match numel_ and turn a nonsense shape into a view.
  const auto infer_at = static_cast<std::size_t>(infer);
  if (infer >= 0) shape[infer_at] = 1;
  const std::optional<std::int64_t> product = checked_numel(shape);
  if (infer >= 0) shape[infer_at] = -1;
  MINIDL_CHECK(product.has_value(), "reshape: cannot reshape ", shape_str(shape_), " into ",
               shape_str(shape), ", which has more than 2^63-1 elements");
  std::int64_t known = *product;
  if (infer >= 0) {
    MINIDL_CHECK(known != 0 && numel_ % known == 0, "reshape: cannot reshape ", shape_str(shape_),
                 " into ", shape_str(shape));
    shape[infer_at] = numel_ / known;
    known = numel_;
  }
  MINIDL_CHECK(known == numel_, "reshape: cannot reshape ", shape_str(shape_), " (", numel_,
               " elements) into ", shape_str(shape));
  Tensor out = *this;
  out.shape_ = std::move(shape);
  return out;
}

Tensor Tensor::narrow_rows(std::int64_t start, std::int64_t length) const {
  MINIDL_CHECK(dim() >= 1, "narrow_rows: needs rank >= 1, got ", shape_str(shape_));
  // length <= rows - start, not start + length <= rows: a huge length ("to the end") would wrap.
  MINIDL_CHECK(start >= 0 && length >= 0 && start <= shape_[0] && length <= shape_[0] - start,
               "narrow_rows: ", length, " rows from row ", start, " out of range for shape ",
               shape_str(shape_));
  Tensor out = *this;
  std::int64_t row = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  out.offset_ += start * row;
  out.shape_[0] = length;
  out.numel_ = length * row;
  return out;
}

double Tensor::at(std::int64_t i) const {
  MINIDL_CHECK(i >= 0 && i < numel_, "at: index ", i, " out of range for ", numel_, " elements");
  return detail::dispatch(dtype_, "at", [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(data<T>()[i]);
  });
}

double Tensor::item() const {
  MINIDL_CHECK(defined() && numel_ == 1, "item: needs a one-element tensor, got shape ",
               shape_str(shape_));
  return at(0);
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out(static_cast<std::size_t>(numel_));
  detail::dispatch(dtype_, "to_vector", [&](auto tag) {
    using T = decltype(tag);
    const T* p = data<T>();
    for (std::int64_t i = 0; i < numel_; ++i)
      out[static_cast<std::size_t>(i)] = static_cast<double>(p[i]);
  });
  return out;
}

namespace {
// n copies of v from p, in blocks of kBlock with a constant trip count: the form GCC vectorises at
// -O2. The plain loop stayed scalar: 10-20 us for 32768 floats, 3-6x a memcpy of the same bytes.
template <typename T>
void fill_run(T* __restrict p, std::int64_t n, T v) {
  std::int64_t i = 0;
  for (; i + detail::kBlock <= n; i += detail::kBlock)
    for (int j = 0; j < detail::kBlock; ++j) p[i + j] = v;
  for (; i < n; ++i) p[i] = v;
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  detail::dispatch(dtype_, "fill_", [&](auto tag) {
    using T = decltype(tag);
    T* p = data<T>();
    T v = static_cast<T>(value);
    parallel_for(numel_, kGrainElementwise,
                 [p, v](std::int64_t b, std::int64_t e) { fill_run(p + b, e - b, v); });
  });
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  MINIDL_CHECK(src.shape_ == shape_, "copy_: shape ", shape_str(src.shape_), " into ",
               shape_str(shape_));
  if (src.dtype_ == dtype_) {
    if (numel_ > 0 && raw() != src.raw()) std::memmove(raw(), src.raw(), nbytes());
    return *this;
  }
  Tensor conv = src.to(dtype_);
  std::memcpy(raw(), conv.raw(), nbytes());
  return *this;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.repr(); }

// ---- creation ----
Tensor empty(Shape shape, DType dtype) { return Tensor(std::move(shape), dtype); }
Tensor zeros(Shape shape, DType dtype) { return full(std::move(shape), 0.0, dtype); }
Tensor ones(Shape shape, DType dtype) { return full(std::move(shape), 1.0, dtype); }
Tensor full(Shape shape, double value, DType dtype) {
  Tensor t(std::move(shape), dtype);
  t.fill_(value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  MINIDL_CHECK(step != 0, "arange: step must be nonzero");
  MINIDL_CHECK(std::isfinite(start) && std::isfinite(end), "arange: non-finite bounds ", start,
               ", ", end);
  double count = std::ceil((end - start) / step);
  // Converting a double of 2^63 or more to int64 is undefined, so the count is checked first.
  MINIDL_CHECK(!(count >= 9.2233720368547758e18), "arange: [", start, ", ", end, ") by step ", step,
               " has more than 2^63-1 elements");
  std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
  Tensor t({n}, dtype);
  detail::dispatch(dtype, "arange", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor arange(std::int64_t end, DType dtype) {
  return arange(0.0, static_cast<double>(end), 1.0, dtype);
}

Tensor linspace(double start, double end, std::int64_t steps, DType dtype) {
  MINIDL_CHECK(steps >= 0, "linspace: steps must be >= 0, got ", steps);
  Tensor t({steps}, dtype);
  detail::dispatch(dtype, "linspace", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // Like PyTorch: the second half is computed from the end so the last value is exactly `end`.
    std::int64_t half = steps / 2;
    for (std::int64_t i = 0; i < steps; ++i)
      p[i] =
          static_cast<T>(i < half || steps == 1 ? start + delta * static_cast<double>(i)
                                                : end - delta * static_cast<double>(steps - 1 - i));
  });
  return t;
}

Tensor eye(std::int64_t n, std::int64_t m, DType dtype) {
  if (m < 0) m = n;
  MINIDL_CHECK(n >= 0, "eye: n must be >= 0, got ", n);
  Tensor t = zeros({n, m}, dtype);
  detail::dispatch(dtype, "eye", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n && i < m; ++i) p[i * m + i] = T(1);
  });
  return t;
}

namespace {
template <typename T>
Tensor from_vec(const std::vector<T>& v, Shape shape) {
  MINIDL_CHECK(shape_numel(shape, "from_vector") == static_cast<std::int64_t>(v.size()),
               "from_vector: ", v.size(), " values do not fill shape ", shape_str(shape));
  Tensor t(std::move(shape), DTypeOf<T>::value);
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(T));
  return t;
}

void nested_shape(const NestedList& l, Shape& shape, std::size_t depth) {
  if (l.is_leaf()) return;
  auto n = static_cast<std::int64_t>(l.items().size());
  if (depth == shape.size()) {
    shape.push_back(n);
    if (n > 0) nested_shape(l.items()[0], shape, depth + 1);
  }
}

void nested_fill(const NestedList& l, const Shape& shape, std::size_t depth,
                 std::vector<double>& out) {
  if (depth == shape.size()) {
    MINIDL_CHECK(l.is_leaf(), "tensor: nested list is not rectangular (too deep at level ", depth,
                 ")");
    out.push_back(l.value());
    return;
  }
  MINIDL_CHECK(!l.is_leaf() && static_cast<std::int64_t>(l.items().size()) == shape[depth],
               "tensor: nested list is not rectangular at level ", depth, " (expected ",
               shape[depth], " items)");
  for (const auto& it : l.items()) nested_fill(it, shape, depth + 1, out);
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, Shape shape) {
  return from_vec(v, std::move(shape));
}
Tensor from_vector(const std::vector<float>& v) {
  return from_vec(v, {static_cast<std::int64_t>(v.size())});
}
Tensor from_vector(const std::vector<double>& v, Shape shape) {
  return from_vec(v, std::move(shape));
}
Tensor from_vector(const std::vector<double>& v) {
  return from_vec(v, {static_cast<std::int64_t>(v.size())});
}
Tensor from_vector(const std::vector<std::int64_t>& v, Shape shape) {
  return from_vec(v, std::move(shape));
}
Tensor from_vector(const std::vector<std::int64_t>& v) {
  return from_vec(v, {static_cast<std::int64_t>(v.size())});
}

Tensor tensor(const NestedList& values, DType dtype) {
  Shape shape;
  nested_shape(values, shape, 0);
  std::vector<double> flat;
  nested_fill(values, shape, 0, flat);
  return from_vec(flat, Shape{static_cast<std::int64_t>(flat.size())}).reshape(shape).to(dtype);
}

}  // namespace minidl
