// PyTorch reference fixtures: forward values and gradients of the autograd ops against torch.
//
// tests/fixtures/autograd_ops.json is written by tests/fixtures/make_fixtures.py (run by hand with
// Debian's python3-torch; see its docstring) and committed, so this test never runs Python. Each
// case names a minidl op, its params, float64/int64 inputs, a random weight w of the output's
// shape, the output, and d(sum(w * output))/d(input) for every float input. A random weighting
// rather than a plain sum keeps backward bugs visible that a sum would hide (a softmax gradient of
// zero passes a sum). The dispatch table below maps each "op" + params to the minidl call; a
// fixture op without an entry, or an entry without a case, fails the coverage test so the two
// cannot silently drift.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tests/test_util.h"

namespace minidl {
namespace {

using nlohmann::json;
using Inputs = std::vector<Variable>;
using OpFn = std::function<Variable(const Inputs&, const json&)>;

// Both sides are float64 and most ops are a few roundings deep, so agreement is near machine
// precision; the atol covers gradients that are exactly zero on one side and ~1e-17 on the other.
constexpr double kRtol = 1e-10;
constexpr double kAtol = 1e-12;
constexpr std::size_t kMinDistinctOps = 30;

// One TEST_CASE per family, so ctest shows which part of the tree broke.
constexpr const char* kElementwise = "elementwise";
constexpr const char* kReduction = "reduction";
constexpr const char* kShape = "shape";
constexpr const char* kIndexing = "indexing";
constexpr const char* kLinalg = "linalg";

struct OpEntry {
  const char* family;
  int arity;  // number of inputs the call reads; -1 for a list (concat, stack)
  OpFn fn;
};

// A malformed or stale fixture throws (rather than REQUIRE, which would abort the whole family):
// run_family turns the exception into a failure of that one case.
[[noreturn]] void bad_fixture(const std::string& what) {
  throw std::runtime_error("bad fixture: " + what);
}

// ---- params
Axes axes_of(const json& p) { return p.at("axes").get<Axes>(); }
bool keepdim_of(const json& p) { return p.at("keepdim").get<bool>(); }
std::int64_t int_of(const json& p, const char* key) { return p.at(key).get<std::int64_t>(); }
double double_of(const json& p, const char* key) { return p.at(key).get<double>(); }
// A JSON null means "not given" (clamp's open bound, squeeze over every unit axis).
std::optional<double> opt_double(const json& p, const char* key) {
  const json& v = p.at(key);
  return v.is_null() ? std::nullopt : std::optional<double>(v.get<double>());
}
std::optional<std::int64_t> opt_int(const json& p, const char* key) {
  const json& v = p.at(key);
  return v.is_null() ? std::nullopt : std::optional<std::int64_t>(v.get<std::int64_t>());
}
// Strict JSON has no Infinity, so the script writes norm's p = inf as the string "inf".
double norm_p(const json& p) {
  const json& v = p.at("p");
  if (v.is_string()) {
    if (v.get<std::string>() != "inf") bad_fixture("norm: unknown p " + v.dump());
    return std::numeric_limits<double>::infinity();
  }
  return v.get<double>();
}

const std::map<std::string, OpEntry>& dispatch() {
  // Short aliases keep each row on one line; the lambdas read their params by the names the
  // script writes.
  using P = const json&;
  using X = const Inputs&;
  static const std::map<std::string, OpEntry> table = {
      // ---- elementwise
      {"add", {kElementwise, 2, [](X x, P) { return add(x[0], x[1]); }}},
      {"sub", {kElementwise, 2, [](X x, P) { return sub(x[0], x[1]); }}},
      {"mul", {kElementwise, 2, [](X x, P) { return mul(x[0], x[1]); }}},
      {"div", {kElementwise, 2, [](X x, P) { return div(x[0], x[1]); }}},
      {"pow", {kElementwise, 2, [](X x, P) { return pow(x[0], x[1]); }}},
      {"pow_scalar", {kElementwise, 1, [](X x, P p) { return pow(x[0], double_of(p, "exponent")); }}},
      {"maximum", {kElementwise, 2, [](X x, P) { return maximum(x[0], x[1]); }}},
      {"minimum", {kElementwise, 2, [](X x, P) { return minimum(x[0], x[1]); }}},
      {"neg", {kElementwise, 1, [](X x, P) { return neg(x[0]); }}},
      {"exp", {kElementwise, 1, [](X x, P) { return exp(x[0]); }}},
      {"log", {kElementwise, 1, [](X x, P) { return log(x[0]); }}},
      {"log1p", {kElementwise, 1, [](X x, P) { return log1p(x[0]); }}},
      {"expm1", {kElementwise, 1, [](X x, P) { return expm1(x[0]); }}},
      {"sqrt", {kElementwise, 1, [](X x, P) { return sqrt(x[0]); }}},
      {"rsqrt", {kElementwise, 1, [](X x, P) { return rsqrt(x[0]); }}},
      {"reciprocal", {kElementwise, 1, [](X x, P) { return reciprocal(x[0]); }}},
      {"square", {kElementwise, 1, [](X x, P) { return square(x[0]); }}},
      {"sin", {kElementwise, 1, [](X x, P) { return sin(x[0]); }}},
      {"cos", {kElementwise, 1, [](X x, P) { return cos(x[0]); }}},
      {"tanh", {kElementwise, 1, [](X x, P) { return tanh(x[0]); }}},
      {"sigmoid", {kElementwise, 1, [](X x, P) { return sigmoid(x[0]); }}},
      {"erf", {kElementwise, 1, [](X x, P) { return erf(x[0]); }}},
      {"relu", {kElementwise, 1, [](X x, P) { return relu(x[0]); }}},
      {"abs", {kElementwise, 1, [](X x, P) { return abs(x[0]); }}},
      {"gelu", {kElementwise, 1, [](X x, P) { return gelu(x[0]); }}},
      {"silu", {kElementwise, 1, [](X x, P) { return silu(x[0]); }}},
      {"softplus", {kElementwise, 1, [](X x, P) { return softplus(x[0]); }}},
      {"log_sigmoid", {kElementwise, 1, [](X x, P) { return log_sigmoid(x[0]); }}},
      {"leaky_relu",
       {kElementwise, 1, [](X x, P p) { return leaky_relu(x[0], double_of(p, "negative_slope")); }}},
      {"elu", {kElementwise, 1, [](X x, P p) { return elu(x[0], double_of(p, "alpha")); }}},
      {"clamp",
       {kElementwise, 1,
        [](X x, P p) { return clamp(x[0], opt_double(p, "lo"), opt_double(p, "hi")); }}},
      // The condition and the mask are int64 inputs: plain Tensors, as minidl takes them.
      {"where", {kElementwise, 3, [](X x, P) { return where(x[0].value(), x[1], x[2]); }}},
      {"masked_fill",
       {kElementwise, 2,
        [](X x, P p) { return masked_fill(x[0], x[1].value(), double_of(p, "value")); }}},
      // ---- reductions
      {"sum", {kReduction, 1, [](X x, P p) { return sum(x[0], axes_of(p), keepdim_of(p)); }}},
      {"mean", {kReduction, 1, [](X x, P p) { return mean(x[0], axes_of(p), keepdim_of(p)); }}},
      {"var",
       {kReduction, 1,
        [](X x, P p) { return var(x[0], axes_of(p), int_of(p, "correction"), keepdim_of(p)); }}},
      // minidl::std, not the namespace std.
      {"std",
       {kReduction, 1,
        [](X x, P p) {
          return minidl::std(x[0], axes_of(p), int_of(p, "correction"), keepdim_of(p));
        }}},
      {"amax", {kReduction, 1, [](X x, P p) { return amax(x[0], axes_of(p), keepdim_of(p)); }}},
      {"amin", {kReduction, 1, [](X x, P p) { return amin(x[0], axes_of(p), keepdim_of(p)); }}},
      // max/min return (values, indices); the fixture holds the differentiable values.
      {"max",
       {kReduction, 1,
        [](X x, P p) { return max(x[0], int_of(p, "axis"), keepdim_of(p)).first; }}},
      {"min",
       {kReduction, 1,
        [](X x, P p) { return min(x[0], int_of(p, "axis"), keepdim_of(p)).first; }}},
      {"logsumexp",
       {kReduction, 1, [](X x, P p) { return logsumexp(x[0], axes_of(p), keepdim_of(p)); }}},
      {"norm",
       {kReduction, 1,
        [](X x, P p) { return norm(x[0], norm_p(p), axes_of(p), keepdim_of(p)); }}},
      {"softmax", {kReduction, 1, [](X x, P p) { return softmax(x[0], int_of(p, "axis")); }}},
      {"log_softmax",
       {kReduction, 1, [](X x, P p) { return log_softmax(x[0], int_of(p, "axis")); }}},
      {"sum_to", {kReduction, 1, [](X x, P p) { return sum_to(x[0], p.at("shape").get<Shape>()); }}},
      // ---- shape
      {"reshape", {kShape, 1, [](X x, P p) { return reshape(x[0], p.at("shape").get<Shape>()); }}},
      {"permute", {kShape, 1, [](X x, P p) { return permute(x[0], p.at("dims").get<Axes>()); }}},
      {"transpose",
       {kShape, 1, [](X x, P p) { return transpose(x[0], int_of(p, "a"), int_of(p, "b")); }}},
      {"expand", {kShape, 1, [](X x, P p) { return expand(x[0], p.at("shape").get<Shape>()); }}},
      {"broadcast_to",
       {kShape, 1, [](X x, P p) { return broadcast_to(x[0], p.at("shape").get<Shape>()); }}},
      {"squeeze", {kShape, 1, [](X x, P p) { return squeeze(x[0], opt_int(p, "axis")); }}},
      {"unsqueeze", {kShape, 1, [](X x, P p) { return unsqueeze(x[0], int_of(p, "axis")); }}},
      {"flatten",
       {kShape, 1,
        [](X x, P p) { return flatten(x[0], int_of(p, "start_axis"), int_of(p, "end_axis")); }}},
      {"slice",
       {kShape, 1,
        [](X x, P p) {
          return slice(x[0], int_of(p, "axis"), int_of(p, "start"), int_of(p, "end"),
                       int_of(p, "step"));
        }}},
      {"narrow",
       {kShape, 1,
        [](X x, P p) {
          return narrow(x[0], int_of(p, "axis"), int_of(p, "start"), int_of(p, "length"));
        }}},
      {"concat", {kShape, -1, [](X x, P p) { return concat(x, int_of(p, "axis")); }}},
      {"stack", {kShape, -1, [](X x, P p) { return stack(x, int_of(p, "axis")); }}},
      // split/chunk return pieces; the fixture checks the one at "index".
      {"split",
       {kShape, 1,
        [](X x, P p) {
          auto pieces = split(x[0], int_of(p, "size"), int_of(p, "axis"));
          return pieces.at(static_cast<std::size_t>(int_of(p, "index")));
        }}},
      {"chunk",
       {kShape, 1,
        [](X x, P p) {
          auto pieces = chunk(x[0], int_of(p, "n"), int_of(p, "axis"));
          return pieces.at(static_cast<std::size_t>(int_of(p, "index")));
        }}},
      {"pad",
       {kShape, 1,
        [](X x, P p) {
          return pad(x[0], p.at("pads").get<std::vector<std::int64_t>>(), double_of(p, "value"));
        }}},
      {"flip", {kShape, 1, [](X x, P p) { return flip(x[0], p.at("axes").get<Axes>()); }}},
      // ---- indexing (the index is an int64 input)
      {"index_select",
       {kIndexing, 2, [](X x, P p) { return index_select(x[0], int_of(p, "axis"), x[1].value()); }}},
      {"index_add",
       {kIndexing, 3,
        [](X x, P p) { return index_add(x[0], int_of(p, "axis"), x[1].value(), x[2]); }}},
      {"gather",
       {kIndexing, 2, [](X x, P p) { return gather(x[0], int_of(p, "axis"), x[1].value()); }}},
      {"scatter_add",
       {kIndexing, 3,
        [](X x, P p) { return scatter_add(x[0], int_of(p, "axis"), x[1].value(), x[2]); }}},
      {"take_along_axis",
       {kIndexing, 2,
        [](X x, P p) { return take_along_axis(x[0], x[1].value(), int_of(p, "axis")); }}},
      // ---- linear algebra: the script feeds torch a.mT / b.mT for the transposed flags.
      {"matmul",
       {kLinalg, 2,
        [](X x, P p) {
          return matmul(x[0], x[1], p.at("trans_a").get<bool>(), p.at("trans_b").get<bool>());
        }}},
      {"addmm",
       {kLinalg, 3,
        [](X x, P p) {
          return addmm(x[0], x[1], x[2], p.at("trans_a").get<bool>(),
                       p.at("trans_b").get<bool>());
        }}},
  };
  return table;
}

// ---- fixture loading
const json& fixtures() {
  static const json cases = [] {
    const std::string path = std::string(MINIDL_FIXTURE_DIR) + "/autograd_ops.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
  }();
  return cases;
}

// One float value: a number, or "inf" / "-inf" (strict JSON has no Infinity; NaN never appears).
double float_of(const json& v) {
  if (!v.is_string()) return v.get<double>();
  const auto s = v.get<std::string>();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  bad_fixture("float value " + v.dump());
}

// A tensor from {"shape", "data"}; Tensor(shape) rather than from_vector so 0-d shapes stay 0-d.
Tensor to_tensor(const json& j, DType dtype) {
  Tensor t(j.at("shape").get<Shape>(), dtype);
  const json& data = j.at("data");
  if (static_cast<std::int64_t>(data.size()) != t.numel())
    bad_fixture(std::to_string(data.size()) + " values for shape " + shape_str(t.shape()));
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const json& v = data[static_cast<std::size_t>(i)];
    if (dtype == kInt64) {
      t.data<std::int64_t>()[i] = v.get<std::int64_t>();
    } else {
      t.data<double>()[i] = float_of(v);
    }
  }
  return t;
}

DType dtype_of(const json& input) {
  const auto name = input.at("dtype").get<std::string>();
  if (name == "int64") return kInt64;
  if (name != "float64") bad_fixture("input dtype " + name);
  return kFloat64;
}

// Forward, then backward of sum(w * out), compared with torch's output and input gradients.
void run_case(const json& c) {
  const auto& entry = dispatch().at(c.at("op").get<std::string>());
  Inputs inputs;
  for (const json& in : c.at("inputs"))
    inputs.emplace_back(to_tensor(in, dtype_of(in)), in.at("requires_grad").get<bool>());
  if (entry.arity >= 0 && static_cast<int>(inputs.size()) != entry.arity)
    bad_fixture(std::to_string(inputs.size()) + " inputs, the op takes " +
                std::to_string(entry.arity));
  if (c.at("grads").size() != inputs.size()) bad_fixture("grads and inputs differ in count");

  Variable out = entry.fn(inputs, c.at("params"));
  if (!out.defined()) throw std::runtime_error("the op returned an undefined variable");
  CHECK(out.dtype() == kFloat64);
  CHECK_TENSOR_CLOSE(out.value(), to_tensor(c.at("output"), kFloat64), kRtol, kAtol);

  Variable w(to_tensor(c.at("weights"), kFloat64));
  backward(sum(mul(out, w)));
  const json& grads = c.at("grads");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    CAPTURE(i);
    if (grads[i].is_null()) {
      CHECK_FALSE(inputs[i].grad().defined());
      continue;
    }
    Variable g = inputs[i].grad();
    if (!g.defined()) {
      FAIL_CHECK("no gradient reached this input");
      continue;
    }
    CHECK_TENSOR_CLOSE(g.value(), to_tensor(grads[i], kFloat64), kRtol, kAtol);
  }
}

// Runs every case whose op belongs to `family`; returns how many ran. Each case reports its name,
// and an exception from one op fails that case only, so one broken kernel does not hide the rest.
int run_family(const char* family) {
  int ran = 0;
  for (const json& c : fixtures()) {
    const auto op = c.at("op").get<std::string>();
    auto it = dispatch().find(op);
    if (it == dispatch().end() || std::string(it->second.family) != family) continue;
    const auto name = c.at("name").get<std::string>();
    INFO("fixture case ", name, " (op ", op, ", params ", c.at("params").dump(), ")");
    try {
      run_case(c);
    } catch (const std::exception& e) {
      FAIL_CHECK("threw: ", std::string(e.what()));
    }
    ++ran;
  }
  return ran;
}

TEST_CASE("torch fixtures: the fixture covers at least 30 ops, each with a dispatch entry") {
  const json& cases = fixtures();
  REQUIRE(cases.is_array());
  std::set<std::string> ops, names;
  for (const json& c : cases) {
    const auto name = c.at("name").get<std::string>();
    const auto op = c.at("op").get<std::string>();
    INFO("fixture case ", name);
    CHECK_MESSAGE(names.insert(name).second, "duplicate case name");
    CHECK_MESSAGE(dispatch().count(op) == 1, "op '", op, "' has no dispatch entry");
    ops.insert(op);
    // A well-formed case: one grads entry per input, weights shaped like the output.
    CHECK(c.at("grads").size() == c.at("inputs").size());
    CHECK(c.at("weights").at("shape") == c.at("output").at("shape"));
  }
  CHECK(ops.size() >= kMinDistinctOps);
  // The other direction: a table row without a case is an op nobody compared against PyTorch.
  // No structured binding: clang 14 cannot capture one in CHECK_MESSAGE's lambda.
  for (const auto& row : dispatch()) {
    const std::string& op = row.first;
    CHECK_MESSAGE(ops.count(op) == 1, "no case for ", op);
  }
}

// Out-of-range arguments are errors (as in torch.narrow), not a silently clamped slice.
TEST_CASE("torch fixtures: narrow past the end of the axis throws, naming narrow") {
  Variable x(zeros({2, 4}, kFloat64), true);
  CHECK_THROWS_WITH_AS(narrow(x, 1, 3, 5), doctest::Contains("narrow"), minidl::Error);
}

TEST_CASE("torch fixtures: elementwise ops match PyTorch values and gradients") {
  CHECK(run_family(kElementwise) > 0);
}

TEST_CASE("torch fixtures: reductions match PyTorch values and gradients") {
  CHECK(run_family(kReduction) > 0);
}

TEST_CASE("torch fixtures: shape ops match PyTorch values and gradients") {
  CHECK(run_family(kShape) > 0);
}

TEST_CASE("torch fixtures: indexing ops match PyTorch values and gradients") {
  CHECK(run_family(kIndexing) > 0);
}

TEST_CASE("torch fixtures: matmul matches PyTorch values and gradients") {
  CHECK(run_family(kLinalg) > 0);
}

}  // namespace
}  // namespace minidl
