// Bad-input tables (issue 14): each layer's public API fed wrong shapes, dtypes, empty batches,
// NaN/Inf, out-of-range labels and indices. Every row must throw minidl::Error (not another
// exception, not a crash) whose message contains the expected text, which names the op.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "tensor/error.h"

namespace minidl::testing {

struct BadInput {
  const char* what;            // the mistake, for the failure report
  std::function<void()> call;  // the call that must throw
  std::string expected;        // a part of the message (the op's name and the values)
};

inline void check_bad_inputs(const std::vector<BadInput>& table) {
  for (const BadInput& row : table) {
    const std::string what = row.what;
    CAPTURE(what);
    std::string message = "(no exception)";
    bool is_error = false;
    try {
      row.call();
    } catch (const Error& e) {
      message = e.what();
      is_error = true;
    } catch (const std::exception& e) {
      message = std::string("(not a minidl::Error) ") + e.what();
    }
    CAPTURE(message);
    CHECK(is_error);
    CHECK(message.find(row.expected) != std::string::npos);
  }
}

}  // namespace minidl::testing
