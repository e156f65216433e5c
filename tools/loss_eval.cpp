#include "tools/loss_eval.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/registry.h"
#include "tensor/error.h"
#include "tensor/json_scan.h"
#include "tensor/limits.h"

namespace minidl::tools {

using losses::InputKind;
using losses::LossInfo;
using losses::ParamValue;
using nlohmann::json;

namespace {

const char* kind_name(InputKind k) {
  switch (k) {
    case InputKind::kFloat:
      return "float64";
    case InputKind::kInt:
      return "int64";
    case InputKind::kAny:
      return "float64|int64";
  }
  return "?";
}

std::string known_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

// A value from the case, for a message: never dump() a structure (it may be huge), and cut a long
// scalar or string.
std::string describe(const json& v) {
  if (v.is_structured())
    return std::string("an ") + v.type_name() + " of " + std::to_string(v.size()) + " items";
  return clip(v.dump());
}

ParamValue parse_param(const LossInfo& loss, const losses::ParamSpec& spec, const json& v) {
  const std::string where = loss.name + ": parameter '" + spec.name + "'";
  auto numbers = [&](const json& arr) {
    std::vector<double> out;
    for (const json& x : arr) {
      MINIDL_CHECK(x.is_number(), where, " must be a list of numbers");
      out.push_back(x.get<double>());
    }
    return out;
  };
  return std::visit(
      [&](const auto& d) -> ParamValue {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, bool>) {
          MINIDL_CHECK(v.is_boolean(), where, " must be true or false, got ", describe(v));
          return v.get<bool>();
        } else if constexpr (std::is_same_v<T, double>) {
          MINIDL_CHECK(v.is_number(), where, " must be a number, got ", describe(v));
          return v.get<double>();
        } else if constexpr (std::is_same_v<T, std::string>) {
          MINIDL_CHECK(v.is_string(), where, " must be a string, got ", describe(v));
          return v.get<std::string>();
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          MINIDL_CHECK(v.is_array(), where, " must be a list of numbers, got ", describe(v));
          return numbers(v);
        } else {  // default null: null, a number or a list of numbers
          if (v.is_null()) return std::monostate{};
          if (v.is_number()) return v.get<double>();
          MINIDL_CHECK(v.is_array(), where, " must be null, a number or a list, got ", describe(v));
          return numbers(v);
        }
      },
      spec.default_value);
}

Tensor parse_tensor(const LossInfo& loss, const losses::InputSpec& spec, const json& v) {
  const std::string where = loss.name + ": input '" + spec.name + "'";
  MINIDL_CHECK(v.is_object() && v.contains("shape") && v.contains("data"), where,
               " must be an object {\"shape\", \"dtype\", \"data\"}");
  const json& shape_j = v.at("shape");
  MINIDL_CHECK(shape_j.is_array(), where, ": shape must be a list of sizes");
  MINIDL_CHECK(shape_j.size() <= limits::kMaxDims, where, ": shape has ", shape_j.size(),
               " dims, more than the limit ", limits::kMaxDims);
  Shape shape;
  for (const json& s : shape_j) {
    MINIDL_CHECK(s.is_number_integer() && s.get<std::int64_t>() >= 0, where,
                 ": shape must hold non-negative integers, got ", describe(shape_j));
    shape.push_back(s.get<std::int64_t>());
  }
  // Checked: [4294967296, 4294967296] must not wrap around to 0 and pass as empty.
  const std::int64_t n = shape_numel(shape, where.c_str());
  MINIDL_CHECK(n <= limits::kMaxJsonElements, where, ": shape ", shape_str(shape), " has ", n,
               " elements, more than the limit ", limits::kMaxJsonElements, " for a JSON case");
  const json no_dtype = "float64";
  const json& dtype_j = v.contains("dtype") ? v.at("dtype") : no_dtype;
  MINIDL_CHECK(dtype_j.is_string(), where, ": dtype must be \"float64\" or \"int64\", got ",
               describe(dtype_j));
  const std::string dtype = dtype_j.get<std::string>();
  MINIDL_CHECK(dtype == "float64" || dtype == "int64", where,
               ": dtype must be \"float64\" or \"int64\", got \"", clip(dtype), "\"");
  const bool is_int = dtype == "int64";
  MINIDL_CHECK(spec.kind == InputKind::kAny || is_int == (spec.kind == InputKind::kInt), where,
               " must be ", kind_name(spec.kind), ", got ", dtype);
  const json& data = v.at("data");
  MINIDL_CHECK(data.is_array(), where, ": data must be a flat list of numbers");
  MINIDL_CHECK(static_cast<std::int64_t>(data.size()) == n, where, ": shape ", shape_str(shape),
               " needs ", n, " values, data has ", data.size());
  Tensor t = empty(shape, is_int ? DType::kInt64 : DType::kFloat64);
  for (std::int64_t i = 0; i < n; ++i) {
    const json& x = data[static_cast<std::size_t>(i)];
    if (is_int) {
      MINIDL_CHECK(x.is_number_integer(), where, ": int64 data must be integers, got ", describe(x),
                   " at position ", i);
      t.data<std::int64_t>()[i] = x.get<std::int64_t>();
    } else {
      MINIDL_CHECK(x.is_number(), where, ": data must be numbers, got ", describe(x),
                   " at position ", i);
      t.data<double>()[i] = x.get<double>();
    }
  }
  return t;
}

json number_json(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json tensor_json(const Tensor& t) {
  const Tensor d = t.to(DType::kFloat64);
  json data = json::array();
  for (std::int64_t i = 0; i < d.numel(); ++i) data.push_back(number_json(d.data<double>()[i]));
  return {{"shape", d.shape()}, {"data", std::move(data)}};
}

json eval_request(const json& request) {
  MINIDL_CHECK(request.is_object(), "loss eval: the case must be a JSON object");
  for (const auto& [key, _] : request.items())
    MINIDL_CHECK(key == "loss" || key == "params" || key == "inputs" || key == "expected",
                 "loss eval: unknown key '", clip(key), "' (known: loss, params, inputs)");
  MINIDL_CHECK(request.contains("loss") && request.at("loss").is_string(),
               "loss eval: \"loss\" must name a loss (see `minidl losses`)");
  const std::string name = request.at("loss").get<std::string>();
  const LossInfo* loss = losses::find_loss(name);
  MINIDL_CHECK(loss != nullptr, "loss eval: unknown loss '", clip(name), "' (see `minidl losses`)");

  std::map<std::string, ParamValue> params;
  for (const auto& spec : loss->params) params[spec.name] = spec.default_value;
  if (request.contains("params")) {
    const json& p = request.at("params");
    MINIDL_CHECK(p.is_object(), name, ": \"params\" must be an object");
    std::vector<std::string> known;
    for (const auto& spec : loss->params) known.push_back(spec.name);
    for (const auto& [key, value] : p.items()) {
      const losses::ParamSpec* spec = nullptr;
      for (const auto& s : loss->params)
        if (s.name == key) spec = &s;
      MINIDL_CHECK(spec != nullptr, name, ": unknown parameter '", clip(key),
                   "' (known: ", known_names(known), ")");
      params[key] = parse_param(*loss, *spec, value);
    }
  }

  std::map<std::string, Variable> inputs;
  std::vector<std::pair<std::string, Variable>> float_inputs;
  const json no_inputs = json::object();
  const json& in = request.contains("inputs") ? request.at("inputs") : no_inputs;
  MINIDL_CHECK(in.is_object(), name, ": \"inputs\" must be an object");
  std::vector<std::string> known;
  for (const auto& spec : loss->inputs) known.push_back(spec.name);
  for (const auto& [key, _] : in.items()) {
    bool found = false;
    for (const auto& spec : loss->inputs) found = found || spec.name == key;
    MINIDL_CHECK(found, name, ": unknown input '", clip(key), "' (inputs: ", known_names(known),
                 ")");
  }
  for (const auto& spec : loss->inputs) {
    if (!in.contains(spec.name)) {
      MINIDL_CHECK(spec.optional, name, ": missing input '", spec.name,
                   "' (inputs: ", known_names(known), ")");
      continue;
    }
    Tensor t = parse_tensor(*loss, spec, in.at(spec.name));
    const bool floating = t.dtype() == DType::kFloat64;
    Variable v(std::move(t), floating);
    if (floating) float_inputs.emplace_back(spec.name, v);
    inputs[spec.name] = v;
  }

  const losses::EvalArgs args(name, inputs, params);
  const Variable out = loss->evaluate(args);
  json answer;
  answer["output"] = out.dim() == 0 ? number_json(out.value().to(DType::kFloat64).item())
                                    : tensor_json(out.value());
  json grads = json::object();
  if (!float_inputs.empty()) {
    const Variable total =
        out.dtype() == DType::kFloat64 ? sum(out) : sum(to(out, DType::kFloat64));
    if (total.requires_grad()) backward(total);
    for (const auto& [input_name, v] : float_inputs) {
      const Variable g = v.grad();
      grads[input_name] = tensor_json(g.defined() ? g.value() : zeros(v.shape(), v.dtype()));
    }
  }
  answer["grads"] = std::move(grads);
  return answer;
}

}  // namespace

std::string loss_eval(std::string_view text) {
  // Depth first: nlohmann's dump() and destructor recurse, a 100k-deep case overflowed the stack.
  scan_json(text, "loss eval");
  json request;
  try {
    request = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number beyond double (the fuzzer's "1e888" case).
    MINIDL_FAIL("loss eval: bad JSON: ", clip(e.what()));
  }
  return eval_request(request).dump();
}

std::string losses_table_json() {
  json table = json::array();
  for (const LossInfo& row : losses::registry()) {
    json inputs = json::array(), params = json::array();
    for (const auto& s : row.inputs)
      inputs.push_back({{"name", s.name},
                        {"dtype", kind_name(s.kind)},
                        {"optional", s.optional},
                        {"help", s.help}});
    for (const auto& s : row.params) {
      json d = std::visit(
          [](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
              return nullptr;
            else
              return v;
          },
          s.default_value);
      params.push_back({{"name", s.name}, {"default", d}, {"help", s.help}});
    }
    table.push_back({{"name", row.name},
                     {"family", row.family},
                     {"formula", row.formula},
                     {"reference", row.reference},
                     {"inputs", inputs},
                     {"params", params},
                     {"pytorch", row.torch_has_it}});
  }
  return table.dump(2);
}

std::string losses_table_text() {
  std::size_t w_name = 4, w_family = 6;
  for (const LossInfo& row : losses::registry()) {
    w_name = std::max(w_name, row.name.size());
    w_family = std::max(w_family, row.family.size());
  }
  std::ostringstream os;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                  const std::string& d) {
    os << a << std::string(w_name + 2 - a.size(), ' ') << b
       << std::string(w_family + 2 - b.size(), ' ') << c << "   [" << d << "]\n";
  };
  line("loss", "family", "formula", "reference");
  for (const LossInfo& row : losses::registry())
    line(row.name, row.family, row.formula, row.reference);
  os << losses::registry().size() << " losses\n";
  return os.str();
}

}  // namespace minidl::tools
