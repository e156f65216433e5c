#include "data/idx.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <vector>

#include "data/gzip.h"
#include "tensor/file_util.h"
#include "tensor/parallel.h"

namespace minidl::data {
namespace {

using Byte = unsigned char;

bool known_type(std::uint8_t code) {
  switch (code) {
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x0E:
      return true;
    default:
      return false;
  }
}

std::uint32_t load_be32(const Byte* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

std::uint64_t load_be64(const Byte* p) {
  return static_cast<std::uint64_t>(load_be32(p)) << 32 | load_be32(p + 4);
}

// One big-endian element of C++ type S at p.
template <typename S>
S load(const Byte* p) {
  if constexpr (std::is_same_v<S, std::uint8_t>) {
    return p[0];
  } else if constexpr (std::is_same_v<S, std::int8_t>) {
    return static_cast<std::int8_t>(p[0]);
  } else if constexpr (std::is_same_v<S, std::int16_t>) {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] << 8 | p[1]));
  } else if constexpr (std::is_same_v<S, std::int32_t>) {
    return static_cast<std::int32_t>(load_be32(p));
  } else if constexpr (std::is_same_v<S, float>) {
    return std::bit_cast<float>(load_be32(p));
  } else {
    return std::bit_cast<double>(load_be64(p));
  }
}

template <typename S>
void store(S v, Byte* p) {
  if constexpr (sizeof(S) == 1) {
    p[0] = static_cast<Byte>(v);
  } else {
    using U = std::conditional_t<sizeof(S) == 2, std::uint16_t,
                                 std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>>;
    U u = std::bit_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(S); ++i)
      p[i] = static_cast<Byte>(u >> (8 * (sizeof(S) - 1 - i)));
  }
}

// Calls fn(S{}) with the C++ type of an IDX type code.
template <typename Fn>
void with_idx_type(IdxType type, Fn&& fn) {
  switch (type) {
    case IdxType::kUInt8:
      return fn(std::uint8_t{});
    case IdxType::kInt8:
      return fn(std::int8_t{});
    case IdxType::kInt16:
      return fn(std::int16_t{});
    case IdxType::kInt32:
      return fn(std::int32_t{});
    case IdxType::kFloat32:
      return fn(float{});
    case IdxType::kFloat64:
      return fn(double{});
  }
}

template <typename Fn>
void with_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case kFloat32:
      return fn(float{});
    case kFloat64:
      return fn(double{});
    case kInt64:
      return fn(std::int64_t{});
  }
}

// Converts n big-endian S elements at in to D, times scale for floating D. Rounding goes through
// double, so float(v * (1/255.0)) equals float32 division v / 255.f for every byte v.
template <typename S, typename D>
void convert(const Byte* in, D* out, std::int64_t n, double scale) {
  if constexpr (std::is_same_v<S, std::uint8_t>) {
    D table[256];
    for (int v = 0; v < 256; ++v)
      table[v] = std::is_floating_point_v<D> ? static_cast<D>(v * scale) : static_cast<D>(v);
    parallel_for(n, kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) out[i] = table[in[i]];
    });
  } else {
    parallel_for(n, kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        const S v = load<S>(in + i * static_cast<std::int64_t>(sizeof(S)));
        if constexpr (std::is_floating_point_v<D>)
          out[i] = static_cast<D>(static_cast<double>(v) * scale);
        else
          out[i] = static_cast<D>(v);
      }
    });
  }
}

std::string hex(std::uint64_t v, int digits) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += kDigits[(v >> (4 * i)) & 0xF];
  return s;
}

// Range of values type S can hold, as doubles (exact for every IDX integer type).
template <typename S>
std::pair<double, double> value_range() {
  if constexpr (std::is_floating_point_v<S>)
    return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  else
    return {static_cast<double>(std::numeric_limits<S>::min()),
            static_cast<double>(std::numeric_limits<S>::max())};
}

}  // namespace

const char* idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::kUInt8:
      return "ubyte";
    case IdxType::kInt8:
      return "byte";
    case IdxType::kInt16:
      return "short";
    case IdxType::kInt32:
      return "int";
    case IdxType::kFloat32:
      return "float";
    case IdxType::kFloat64:
      return "double";
  }
  return "unknown";
}

std::size_t idx_type_size(IdxType type) {
  std::size_t size = 0;
  with_idx_type(type, [&](auto tag) { size = sizeof(tag); });
  return size;
}

namespace {

// An IDX header as read, the reader left at the first data byte.
struct Header {
  IdxType type;
  Shape dims;
  std::uint64_t count;  // data bytes
  std::size_t header_bytes;
};

Header read_header(ByteReader& in, std::int64_t expected_ndim) {
  const std::string& name = in.name();
  const char* after = in.gzipped() ? " (after gunzip)" : "";
  Byte magic_bytes[4];
  const std::size_t got = in.read(magic_bytes, 4);
  MINIDL_CHECK(got == 4, "read_idx: ", name, ": truncated header: the file has ", got, " bytes",
               after, ", an IDX file needs at least 4 (the magic number)");
  const Byte* p = magic_bytes;
  const std::uint32_t magic = load_be32(p);
  MINIDL_CHECK(p[0] == 0 && p[1] == 0, "read_idx: ", name, ": bad magic number ", hex(magic, 8),
               ": an IDX file starts with two zero bytes, a type code and the number of dims ",
               "(0x00000803 for ubyte images, 0x00000801 for ubyte labels)");
  MINIDL_CHECK(known_type(p[2]), "read_idx: ", name, ": unsupported IDX type code ", hex(p[2], 2),
               " (magic ", hex(magic, 8), "); known codes: 0x08 ubyte, 0x09 byte, ",
               "0x0B short, 0x0C int, 0x0D float, 0x0E double");
  const auto type = static_cast<IdxType>(p[2]);
  const std::size_t ndim = p[3];
  MINIDL_CHECK(ndim >= 1, "read_idx: ", name, ": the header declares 0 dims (magic ", hex(magic, 8),
               "); an IDX file has at least one");
  const std::size_t header_bytes = 4 + 4 * ndim;
  std::vector<Byte> dim_bytes(4 * ndim);
  const std::size_t got_dims = in.read(dim_bytes.data(), dim_bytes.size());
  MINIDL_CHECK(got_dims == dim_bytes.size(), "read_idx: ", name, ": truncated header: ", ndim,
               " dims need a ", header_bytes, "-byte header, the file has ", 4 + got_dims, " bytes",
               after);
  // Up to 255 dims of up to 2^32 each: saturate the byte count at a cap instead of letting the
  // product wrap around (a wrapped product could match a short file and pass).
  constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 48;
  Shape dims;
  std::uint64_t count = idx_type_size(type);
  for (std::size_t i = 0; i < ndim; ++i) {
    const std::uint32_t d = load_be32(dim_bytes.data() + 4 * i);
    dims.push_back(d);
    const unsigned __int128 c = static_cast<unsigned __int128>(count) * d;
    count = c > kMaxBytes ? kMaxBytes + 1 : static_cast<std::uint64_t>(c);
  }
  MINIDL_CHECK(count <= kMaxBytes, "read_idx: ", name, ": dims ", shape_str(dims),
               " would hold more than 2^48 bytes of ", idx_type_name(type),
               " data: corrupt header");
  MINIDL_CHECK(expected_ndim < 0 || static_cast<std::size_t>(expected_ndim) == ndim,
               "read_idx: ", name, ": expected ", expected_ndim, " dims, the file has ", ndim, " ",
               shape_str(dims));
  return {type, dims, count, header_bytes};
}

std::string need_msg(const Header& h) {
  return detail::concat("dims ", shape_str(h.dims), " of ", idx_type_name(h.type), " need ",
                        h.count, " bytes after the ", h.header_bytes, "-byte header");
}

// A corrupt header can claim terabytes: refuse what the file cannot hold before allocating, then
// what the caller's max_bytes does not allow (a gzip file can inflate 1032-fold).
void check_holds(ByteReader& in, const Header& h, std::uint64_t max_bytes) {
  const std::uint64_t bound = in.max_remaining();
  MINIDL_CHECK(
      h.count <= bound, "read_idx: ", in.name(), ": truncated data: ", need_msg(h),
      in.gzipped()
          ? detail::concat(", but the rest of this gzip file inflates to at most ", bound, " bytes")
          : detail::concat(", found ", bound, " (", h.count - bound, " missing)"));
  MINIDL_CHECK(h.count <= max_bytes, "read_idx: ", in.name(), ": dims ", shape_str(h.dims), " of ",
               idx_type_name(h.type), " need ", h.count,
               " bytes, more than max_bytes = ", max_bytes,
               " (raise IdxReadOptions::max_bytes if the file is right)");
}

void check_no_trailing(ByteReader& in, const Header& h) {
  const std::uint64_t extra = in.skip_rest();
  MINIDL_CHECK(extra == 0, "read_idx: ", in.name(), ": ", extra, " trailing bytes: ", need_msg(h),
               in.gzipped() ? " (after gunzip)" : "", ", found ", h.count + extra);
}

Tensor read_idx(ByteReader& in, const IdxReadOptions& options) {
  const std::string& name = in.name();
  const char* after = in.gzipped() ? " (after gunzip)" : "";
  const Header h = read_header(in, options.expected_ndim);
  const IdxType type = h.type;
  const Shape& dims = h.dims;
  const std::uint64_t count = h.count;
  const bool float_data = type == IdxType::kFloat32 || type == IdxType::kFloat64;
  MINIDL_CHECK(!(float_data && options.dtype == kInt64), "read_idx: ", name, ": cannot read ",
               idx_type_name(type), " data as int64");
  MINIDL_CHECK(is_floating(options.dtype) || options.scale == 1.0, "read_idx: ", name, ": scale ",
               options.scale, " needs a floating dtype, got ", dtype_name(options.dtype));
  check_holds(in, h, options.max_bytes);
  Tensor out(dims, options.dtype);
  const std::size_t es = idx_type_size(type);
  // Pieces of 1 MiB (a whole number of elements for every type): small enough to stay in cache,
  // large enough that handing one to the converter thread costs nothing.
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  std::vector<Byte> buffers[2] = {std::vector<Byte>(std::min<std::uint64_t>(kPiece, count)),
                                  std::vector<Byte>(count > kPiece ? kPiece : 0)};
  std::future<void> converting;  // after the buffers: destroyed (waited for) first
  auto convert_piece = [&out, &options, type, es](const Byte* src, std::size_t bytes,
                                                  std::uint64_t done) {
    with_idx_type(type, [&](auto s) {
      with_dtype(options.dtype, [&](auto d) {
        using S = decltype(s);
        using D = decltype(d);
        convert<S, D>(src, out.data<D>() + done / es, static_cast<std::int64_t>(bytes / es),
                      options.scale);
      });
    });
  };
  std::uint64_t done = 0;
  for (int cur = 0; done < count; cur ^= 1) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, count - done));
    const std::size_t k = in.read(buffers[cur].data(), want);
    MINIDL_CHECK(k == want, "read_idx: ", name, ": truncated data: ", need_msg(h), after,
                 ", found ", done + k, " (", count - done - k, " missing)");
    if (converting.valid()) converting.get();
    if (count <= kPiece) {
      convert_piece(buffers[cur].data(), k, done);  // small file: no thread
    } else {
      converting = std::async(std::launch::async, convert_piece, buffers[cur].data(), k, done);
    }
    done += k;
  }
  if (converting.valid()) converting.get();
  check_no_trailing(in, h);
  return out;
}

IdxBytes read_idx_bytes(ByteReader& in, std::int64_t expected_ndim, std::uint64_t max_bytes) {
  const Header h = read_header(in, expected_ndim);
  MINIDL_CHECK(h.type == IdxType::kUInt8, "read_idx_bytes: ", in.name(), ": holds ",
               idx_type_name(h.type),
               " data; only ubyte files can be read as bytes (use read_idx)");
  check_holds(in, h, max_bytes);
  IdxBytes out{h.dims, std::vector<std::uint8_t>(static_cast<std::size_t>(h.count))};
  const std::size_t k = in.read(out.data.data(), out.data.size());
  MINIDL_CHECK(k == out.data.size(), "read_idx: ", in.name(), ": truncated data: ", need_msg(h),
               in.gzipped() ? " (after gunzip)" : "", ", found ", k, " (", h.count - k,
               " missing)");
  check_no_trailing(in, h);
  return out;
}

}  // namespace

IdxBytes read_idx_bytes(const std::string& path, std::int64_t expected_ndim,
                        std::uint64_t max_bytes) {
  ByteReader in(path);
  return read_idx_bytes(in, expected_ndim, max_bytes);
}

Tensor parse_idx(std::string_view bytes, const std::string& name, const IdxReadOptions& options) {
  ByteReader in(bytes, name);
  return read_idx(in, options);
}

Tensor read_idx(const std::string& path, const IdxReadOptions& options) {
  ByteReader in(path);
  return read_idx(in, options);
}

std::string encode_idx(const Tensor& t, IdxType type, const std::string& name) {
  MINIDL_CHECK(t.defined() && t.dim() >= 1 && t.dim() <= 255, "write_idx: ", name,
               ": needs a tensor of rank 1..255");
  for (std::int64_t d : t.shape())
    MINIDL_CHECK(d <= std::numeric_limits<std::uint32_t>::max(), "write_idx: ", name, ": dim ", d,
                 " of ", shape_str(t.shape()), " does not fit the 32-bit IDX header field");
  const std::size_t es = idx_type_size(type);
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(t.dim());
  std::string out(header + es * static_cast<std::size_t>(t.numel()), '\0');
  auto* p = reinterpret_cast<Byte*>(out.data());
  p[2] = static_cast<Byte>(type);
  p[3] = static_cast<Byte>(t.dim());
  for (std::int64_t i = 0; i < t.dim(); ++i)
    store(static_cast<std::uint32_t>(t.shape()[static_cast<std::size_t>(i)]), p + 4 + 4 * i);
  const Tensor v = t.to(kFloat64);
  const double* src = v.data<double>();
  with_idx_type(type, [&](auto tag) {
    using S = decltype(tag);
    const auto [lo, hi] = value_range<S>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const double x = src[i];
      if constexpr (!std::is_floating_point_v<S>)
        MINIDL_CHECK(x >= lo && x <= hi && std::floor(x) == x, "write_idx: ", name, ": value ", x,
                     " at flat index ", i, " is not representable as ", idx_type_name(type),
                     " (integers in [", lo, ", ", hi, "])");
      store(static_cast<S>(x), p + header + es * static_cast<std::size_t>(i));
    }
  });
  return out;
}

void write_idx(const std::string& path, const Tensor& t, const IdxWriteOptions& options) {
  std::string bytes = encode_idx(t, options.type, path);
  write_file_atomic(path, options.gzip ? gzip(bytes) : bytes);
}

}  // namespace minidl::data
