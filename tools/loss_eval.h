// `minidl loss eval` and `minidl losses` as functions (tools layer), so tests run them in-process.
//
// A case (PyTorch's keyword and argument names):
//   {"loss": "smooth_l1_loss", "params": {"beta": 0.5, "reduction": "sum"},
//    "inputs": {"input":  {"shape": [2, 3], "dtype": "float64", "data": [...]},
//               "target": {"shape": [2, 3], "dtype": "float64", "data": [...]}}}
// The answer, computed in float64:
//   {"output": 0.42 | {"shape": [...], "data": [...]},
//    "grads": {"input": {"shape": [...], "data": [...]}, "target": {...}}}
// with the gradient of sum(output) for every floating-point input (zeros where the output does not
// depend on it). Non-finite numbers print as JSON null.
// Every problem (bad JSON, an unknown loss or parameter, a missing or unknown input, a wrong dtype,
// shape or value) throws minidl::Error with a one-line message naming it.
#pragma once

#include <string>
#include <string_view>

namespace minidl::tools {

// The answer as compact JSON text (a JSON syntax error in `text` is a minidl::Error too).
std::string loss_eval(std::string_view text);

// The registry as JSON: [{"name", "family", "formula", "reference", "inputs": [{"name", "dtype",
// "optional"}], "params": [{"name", "default", "help"}], "pytorch": bool}].
std::string losses_table_json();
// The registry as an aligned text table, one row per loss.
std::string losses_table_text();

}  // namespace minidl::tools
