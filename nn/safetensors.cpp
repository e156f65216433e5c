#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "tensor/file_util.h"
#include "tensor/json_scan.h"
#include "tensor/limits.h"

namespace minidl::nn {
namespace {

using nlohmann::json;

// The data is copied byte for byte, which is the format's little-endian layout only on a
// little-endian host; a big-endian port would swap bytes here.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

constexpr const char* kMetadataKey = "__metadata__";
constexpr std::uint64_t kMaxHeaderBytes = limits::kMaxSafetensorsHeaderBytes;

const char* format_dtype(DType dt) {
  switch (dt) {
    case kFloat32:
      return "F32";
    case kFloat64:
      return "F64";
    case kInt64:
      return "I64";
  }
  MINIDL_FAIL("safetensors: unknown dtype");
}

// Every dtype the format defines; minidl reads three of them.
bool is_format_dtype(const std::string& s) {
  static const std::set<std::string> all = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
                                            "I16",  "U16", "F16", "BF16",    "I32",
                                            "U32",  "F32", "F64", "I64",     "U64"};
  return all.count(s) > 0;
}

// A JSON value from the file, for a message: never dump() a structure (it may be huge or deep),
// and cut a long scalar.
std::string describe(const json& v) {
  if (v.is_structured())
    return std::string("an ") + v.type_name() + " of " + std::to_string(v.size()) + " items";
  return clip(v.dump());
}

// Errors name the file first: "safetensors: 'w.safetensors': <problem>". Callers build the
// problem text only on failure (`if (!ok) r.fail(...)` where it is costly): a check in a loop
// that formatted its message every time made a 100k-dim header quadratic.
struct Reader {
  const std::string& source;
  [[noreturn]] void fail(const std::string& problem) const {
    MINIDL_FAIL("safetensors: '", source, "': ", problem);
  }
  void check(bool ok, const std::string& problem) const {
    if (!ok) fail(problem);
  }
};

std::uint64_t read_u64_le(std::string_view bytes) {
  std::uint64_t v = 0;
  std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin, end;
};

Entry parse_entry(const Reader& r, const std::string& name, const json& info,
                  std::uint64_t buffer_size) {
  const std::string where = "tensor '" + clip(name) + "'";
  r.check(info.is_object(), where + ": expected an object with dtype, shape and data_offsets");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    r.check(info.contains(key), where + ": missing \"" + key + "\"");
  const json& jd = info.at("dtype");
  if (!jd.is_string()) r.fail(where + ": dtype must be a string, got " + describe(jd));
  std::string ds = jd.get<std::string>();
  Entry e{name, kFloat32, {}, 0, 0};
  if (ds == "F32")
    e.dtype = kFloat32;
  else if (ds == "F64")
    e.dtype = kFloat64;
  else if (ds == "I64")
    e.dtype = kInt64;
  else if (is_format_dtype(ds))
    r.fail(where + ": dtype " + ds + " is not supported by minidl (F32, F64, I64)");
  else
    r.fail(where + ": unknown dtype \"" + clip(ds) + "\"");

  const json& js = info.at("shape");
  if (!js.is_array()) r.fail(where + ": shape must be an array, got " + describe(js));
  if (js.size() > limits::kMaxDims)
    r.fail(where + ": shape has " + std::to_string(js.size()) + " dims, more than the limit " +
           std::to_string(limits::kMaxDims));
  bool empty = false;
  for (const json& d : js) {
    if (!(d.is_number_unsigned() || (d.is_number_integer() && d.get<std::int64_t>() >= 0)))
      r.fail(where + ": shape must hold non-negative integers, got " + describe(d));
    const auto n = d.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      r.fail(where + ": shape dim " + std::to_string(n) + " is more than 2^63-1");
    e.shape.push_back(static_cast<std::int64_t>(n));
    empty = empty || n == 0;
  }
  // A 0 dim anywhere makes the tensor empty whatever the other dims are (as in PyTorch; such a
  // tensor is accepted when its data_offsets span 0 bytes). Otherwise the element count is
  // bounded by the buffer as it is built, so it cannot overflow.
  const std::uint64_t elem = dtype_size(e.dtype);
  std::uint64_t numel = empty ? 0 : 1;
  for (std::size_t i = 0; !empty && i < e.shape.size(); ++i) {
    const auto n = static_cast<std::uint64_t>(e.shape[i]);
    if (numel > buffer_size / elem / n)
      r.fail(where + ": shape " + shape_str(e.shape) +
             " needs more bytes than the data buffer holds (" + std::to_string(buffer_size) + ")");
    numel *= n;
  }

  const json& jo = info.at("data_offsets");
  if (!(jo.is_array() && jo.size() == 2 && jo[0].is_number_unsigned() &&
        jo[1].is_number_unsigned()))
    r.fail(where + ": data_offsets must be [begin, end] non-negative integers, got " +
           describe(jo));
  e.begin = jo[0].get<std::uint64_t>();
  e.end = jo[1].get<std::uint64_t>();
  const std::string offsets = "[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]";
  r.check(e.begin <= e.end, where + ": data_offsets " + offsets + " end before they begin");
  r.check(e.end <= buffer_size, where + ": data_offsets " + offsets +
                                    " run past the end of the data buffer (" +
                                    std::to_string(buffer_size) + " bytes; truncated file?)");
  if (e.end - e.begin != numel * elem)
    r.fail(where + ": data_offsets " + offsets + " span " + std::to_string(e.end - e.begin) +
           " bytes but " + ds + " " + shape_str(e.shape) + " needs " +
           std::to_string(numel * elem));
  return e;
}

Metadata parse_metadata(const Reader& r, const json& j) {
  r.check(j.is_object(), std::string(kMetadataKey) + " must be an object of strings");
  Metadata m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string())
      r.fail(std::string(kMetadataKey) + " value for '" + clip(it.key()) +
             "' must be a string, got " + describe(it.value()));
    m[it.key()] = it.value().get<std::string>();
  }
  return m;
}

}  // namespace

std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    MINIDL_CHECK(!name.empty() && name != kMetadataKey, "safetensors: invalid tensor name '", name,
                 "'");
    MINIDL_CHECK(t.defined(), "safetensors: tensor '", name, "' is undefined");
    header[name] = {{"dtype", format_dtype(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::string text = header.dump();
  // Pad with spaces so the data buffer starts 8-byte aligned (as the reference writer does).
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out(8, '\0');
  std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, sizeof n);
  out.reserve(8 + text.size() + offset);
  out += text;
  for (const auto& [name, t] : tensors) out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

SafetensorsContents decode_safetensors(std::string_view bytes, const std::string& source) {
  const Reader r{source};
  r.check(bytes.size() >= 8, "the file is " + std::to_string(bytes.size()) +
                                 " bytes, too short for the 8-byte header length (truncated?)");
  const std::uint64_t n = read_u64_le(bytes);
  r.check(n <= kMaxHeaderBytes, "header length " + std::to_string(n) +
                                    " is implausibly large (over 100 MB; corrupt header length?)");
  r.check(n <= bytes.size() - 8, "header length " + std::to_string(n) + " exceeds the " +
                                     std::to_string(bytes.size() - 8) +
                                     " bytes after it (truncated file or corrupt header length)");
  std::string_view text = bytes.substr(8, n);
  r.check(!text.empty() && text.front() == '{',
          "the header does not start with '{' (not a safetensors file, or corrupt)");

  // The depth limit first (nlohmann's dump and destructor recurse), then a plain parse: the
  // callback parser would show duplicate keys but is quadratic on wide headers.
  const JsonScan scan = scan_json(text, "safetensors: '" + source + "'", true);
  json header;
  try {
    header = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    r.fail(std::string("the JSON header does not parse: ") + e.what());
  }
  r.check(header.is_object(), "the JSON header is not an object");
  // Duplicate top-level names are an error (the parse kept the last one silently): fewer names
  // than key tokens means a duplicate; decode the tokens only then, to name it.
  if (scan.top_level_keys.size() != header.size()) {
    std::set<std::string> names;
    for (std::string_view raw : scan.top_level_keys) {
      std::string key;
      try {
        key = json::parse(raw).get<std::string>();
      } catch (const json::exception& e) {
        r.fail(std::string("a name in the JSON header does not parse: ") + e.what());
      }
      if (!names.insert(key).second) r.fail("duplicate name '" + clip(key) + "' in the header");
    }
  }

  const std::string_view buffer = bytes.substr(8 + n);
  SafetensorsContents out;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == kMetadataKey)
      out.metadata = parse_metadata(r, it.value());
    else
      entries.push_back(parse_entry(r, it.key(), it.value(), buffer.size()));
  }
  // No two tensors may share bytes.
  std::vector<const Entry*> by_offset;
  for (const auto& e : entries)
    if (e.end > e.begin) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const Entry& a = *by_offset[i - 1];
    const Entry& b = *by_offset[i];
    if (b.begin < a.end)
      r.fail("tensors '" + a.name + "' [" + std::to_string(a.begin) + ", " + std::to_string(a.end) +
             ") and '" + b.name + "' [" + std::to_string(b.begin) + ", " + std::to_string(b.end) +
             ") overlap in the data buffer");
  }
  for (const auto& e : entries) {
    Tensor t(e.shape, e.dtype);
    if (t.nbytes() > 0) std::memcpy(t.raw(), buffer.data() + e.begin, t.nbytes());
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafetensorsContents load_safetensors(const std::string& path) {
  return decode_safetensors(read_file(path), path);
}

void save_weights(const Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(path, module.state_dict(), metadata);
}

LoadReport load_weights(Module& module, const std::string& path, bool strict) {
  SafetensorsContents contents = load_safetensors(path);
  try {
    return module.load_state_dict(contents.tensors, strict);
  } catch (const Error& e) {
    MINIDL_FAIL("load_weights: '", path, "': ", e.what());
  }
}

}  // namespace minidl::nn
