#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "tensor/file_util.h"

namespace minidl::nn {
namespace {

using nlohmann::json;

// The data is copied byte for byte, which is the format's little-endian layout only on a
// little-endian host; a big-endian port would swap bytes here.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

constexpr const char* kMetadataKey = "__metadata__";
// The reference implementation refuses headers over 100 MB; so do we, before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

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

// Errors name the file first: "safetensors: 'w.safetensors': <problem>".
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
  const std::string where = "tensor '" + name + "'";
  r.check(info.is_object(), where + ": expected an object with dtype, shape and data_offsets");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    r.check(info.contains(key), where + ": missing \"" + key + "\"");
  const json& jd = info.at("dtype");
  r.check(jd.is_string(), where + ": dtype must be a string, got " + jd.dump());
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
    r.fail(where + ": unknown dtype \"" + ds + "\"");

  const json& js = info.at("shape");
  r.check(js.is_array(), where + ": shape must be an array, got " + js.dump());
  bool empty = false;
  for (const json& d : js) {
    r.check(d.is_number_unsigned() || (d.is_number_integer() && d.get<std::int64_t>() >= 0),
            where + ": shape " + js.dump() + " must hold non-negative integers");
    const auto n = d.get<std::uint64_t>();
    r.check(n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
            where + ": shape dim " + std::to_string(n) + " is more than 2^63-1");
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
    r.check(numel <= buffer_size / elem / n, where + ": shape " + shape_str(e.shape) +
                                                 " needs more bytes than the data buffer holds (" +
                                                 std::to_string(buffer_size) + ")");
    numel *= n;
  }

  const json& jo = info.at("data_offsets");
  r.check(
      jo.is_array() && jo.size() == 2 && jo[0].is_number_unsigned() && jo[1].is_number_unsigned(),
      where + ": data_offsets must be [begin, end] non-negative integers, got " + jo.dump());
  e.begin = jo[0].get<std::uint64_t>();
  e.end = jo[1].get<std::uint64_t>();
  r.check(e.begin <= e.end, where + ": data_offsets " + jo.dump() + " end before they begin");
  r.check(e.end <= buffer_size, where + ": data_offsets " + jo.dump() +
                                    " run past the end of the data buffer (" +
                                    std::to_string(buffer_size) + " bytes; truncated file?)");
  r.check(e.end - e.begin == numel * elem,
          where + ": data_offsets " + jo.dump() + " span " + std::to_string(e.end - e.begin) +
              " bytes but " + ds + " " + js.dump() + " needs " + std::to_string(numel * elem));
  return e;
}

Metadata parse_metadata(const Reader& r, const json& j) {
  r.check(j.is_object(), std::string(kMetadataKey) + " must be an object of strings");
  Metadata m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    r.check(it.value().is_string(), std::string(kMetadataKey) + " value for '" + it.key() +
                                        "' must be a string, got " + it.value().dump());
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

  // Duplicate top-level names are an error (a plain parse would keep the last one silently).
  std::vector<std::string> duplicates;
  std::set<std::string> names;
  json::parser_callback_t on_key = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 &&
        !names.insert(parsed.get<std::string>()).second)
      duplicates.push_back(parsed.get<std::string>());
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), on_key);
  } catch (const json::exception& e) {
    r.fail(std::string("the JSON header does not parse: ") + e.what());
  }
  r.check(header.is_object(), "the JSON header is not an object");
  r.check(duplicates.empty(),
          "duplicate name '" + (duplicates.empty() ? "" : duplicates[0]) + "' in the header");

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
    r.check(b.begin >= a.end, "tensors '" + a.name + "' [" + std::to_string(a.begin) + ", " +
                                  std::to_string(a.end) + ") and '" + b.name + "' [" +
                                  std::to_string(b.begin) + ", " + std::to_string(b.end) +
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
