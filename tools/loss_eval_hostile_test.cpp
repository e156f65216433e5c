// `minidl loss eval` against hostile cases (issue 14): a parameter nested 100k deep used to crash
// (SIGSEGV in nlohmann's recursive dump() while building the error message); every such case must
// now be a one-line minidl::Error of readable length.
#include <doctest/doctest.h>

#include "tensor/error.h"
#include "tensor/limits.h"
#include "tools/loss_eval.h"

namespace minidl::tools {
namespace {

const std::string kInputs =
    R"("inputs": {"input": {"shape": [2], "data": [1, 2]}, "target": {"shape": [2], "data": [0.5, 4]}})";

std::string error_of(const std::string& text) {
  try {
    loss_eval(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("loss eval: a parameter nested 100k deep is an error, not a crash") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(error_of(R"({"loss": "mse_loss", "params": {"reduction": )" + deep + "}, " + kInputs +
                 "}") == "loss eval: JSON nested deeper than 64 levels (at byte 107)");
  // Within the limit: the message names the type instead of quoting the value.
  const std::string shallow = std::string(30, '[') + std::string(30, ']');
  CHECK(error_of(R"({"loss": "mse_loss", "params": {"reduction": )" + shallow + "}, " + kInputs +
                 "}") ==
        "mse_loss: parameter 'reduction' must be a string, got an array of 1 items");
}

TEST_CASE("loss eval: a number beyond double is bad JSON, not an uncaught out_of_range") {
  // Found by loss_eval_fuzz: nlohmann throws out_of_range (406), not parse_error, for 1e888.
  CHECK(error_of("1111e888").rfind("loss eval: bad JSON: ", 0) == 0);
  CHECK(error_of(R"({"loss": "mse_loss", "params": {"delta": 1e999}})")
            .rfind("loss eval: bad JSON: ", 0) == 0);
}

TEST_CASE("loss eval: huge values, keys and shapes give short errors naming the limit") {
  const std::string big(1 << 20, 'z');
  const std::string msg =
      error_of(R"({"loss": "mse_loss", "params": {"reduction": ")" + big + "\"}, " + kInputs + "}");
  CHECK(msg.find("reduction") != std::string::npos);
  CHECK(msg.size() < limits::kMaxQuotedChars * 3);
  CHECK(error_of(R"({"loss": "mse_loss", ")" + big + R"(": 1})").size() <
        limits::kMaxQuotedChars * 3);
  std::string dims = "1";
  for (int i = 0; i < 100; ++i) dims += ",1";
  CHECK(error_of(R"({"loss": "mse_loss", "inputs": {"input": {"shape": [)" + dims +
                 R"(], "data": [1]}}})") ==
        "mse_loss: input 'input': shape has 101 dims, more than the limit 64");
  CHECK(error_of(
            R"({"loss": "mse_loss", "inputs": {"input": {"shape": [1000000, 1000], "data": []}}})")
            .find("more than the limit 33554432") != std::string::npos);
  CHECK(
      error_of(
          R"({"loss": "mse_loss", "inputs": {"input": {"shape": [1], "dtype": 5, "data": [1]}}})") ==
      "mse_loss: input 'input': dtype must be \"float64\" or \"int64\", got 5");
}

}  // namespace
}  // namespace minidl::tools
