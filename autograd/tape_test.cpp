// The engine's contract: accumulation, graph shapes (reuse, diamonds, unused inputs), grad mode,
// retain_graph, higher-order gradients, leaf semantics, and each error with its message.
#include "autograd/tape.h"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/graph.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tests/test_util.h"

namespace minidl {
namespace {
Variable leaf(NestedList v) { return Variable(tensor(v, kFloat64), true); }
}  // namespace

TEST_CASE("tape: a variable used twice accumulates both paths") {
  Variable x = leaf({1.0, 2.0, 3.0});
  Variable y = sum(mul(x, x));  // dy/dx = 2x
  backward(y);
  CHECK_TENSOR_CLOSE(x.grad().value(), tensor({2.0, 4.0, 6.0}, kFloat64));
}

TEST_CASE("tape: a diamond sums the gradients of both branches") {
  Variable x = leaf({0.5, -1.0});
  Variable a = mul(x, 3.0);
  Variable b = exp(x);
  Variable c = add(a, b);       // both branches start at x
  Variable y = sum(mul(c, a));  // y = (3x + e^x) 3x
  backward(y);
  // dy/dx = 3 (3x + e^x) + (3 + e^x) 3x
  std::vector<double> want;
  for (double v : {0.5, -1.0})
    want.push_back(3 * (3 * v + std::exp(v)) + (3 + std::exp(v)) * 3 * v);
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(want), 1e-12);
}

TEST_CASE("tape: an unused input gets no gradient from backward") {
  Variable x = leaf({1.0});
  Variable unused = leaf({5.0});
  backward(sum(mul(x, 2.0)));
  CHECK(x.grad().defined());
  CHECK_FALSE(unused.grad().defined());
}

TEST_CASE("tape: grad() refuses an unused input unless allow_unused") {
  Variable x = leaf({1.0, 2.0});
  Variable u = leaf({3.0});
  Variable y = sum(mul(x, x));
  CHECK_THROWS_WITH_AS(grad({y}, {x, u}, {.retain_graph = true}), doctest::Contains("allow_unused"),
                       minidl::Error);
  auto g = grad({y}, {x, u}, {.retain_graph = true, .allow_unused = true});
  CHECK_TENSOR_CLOSE(g[0].value(), tensor({2.0, 4.0}, kFloat64));
  CHECK_TENSOR_CLOSE(g[1].value(), tensor({0.0}, kFloat64));
  CHECK_FALSE(x.grad().defined());  // grad() does not touch .grad
  // undefined_unused: "not used" stays undefined (PyTorch's None), a used input is unchanged.
  auto h = grad({y}, {x, u}, {.allow_unused = true, .undefined_unused = true});
  CHECK_TENSOR_CLOSE(h[0].value(), tensor({2.0, 4.0}, kFloat64));
  CHECK_FALSE(h[1].defined());
}

TEST_CASE("tape: a BranchTape records work from any thread; its grad runs in its own scope") {
  // Two branches recorded inside TapeScopes of their own tapes, on whichever threads the pool
  // picks, then differentiated inside the same scopes: the gradients are those of one thread.
  Variable w = leaf({0.5, -1.5, 2.0});
  Variable xa = leaf({1.0, 2.0, 3.0}), xb = leaf({-1.0, 0.25, 4.0});
  const std::size_t before = tape_size();
  BranchTape ta, tb;
  Variable ya, yb;
  parallel_invoke(
      [&] {
        TapeScope scope(ta);
        EnableGradGuard on(true);
        ya = sum(mul(mul(w, xa), w));
      },
      [&] {
        TapeScope scope(tb);
        EnableGradGuard on(true);
        yb = sum(exp(mul(w, xb)));
      });
  CHECK(tape_size() == before);  // nothing landed on this thread's own tape
  {
    TapeScope scope(ta);
    CHECK(tape_size() == 3);
  }
  std::vector<Variable> ga, gb;
  parallel_invoke(
      [&] {
        TapeScope scope(ta);
        ga = grad({ya}, {w});
      },
      [&] {
        TapeScope scope(tb);
        gb = grad({yb}, {w});
      });
  const Variable ya1 = sum(mul(mul(w, xa), w)), yb1 = sum(exp(mul(w, xb)));
  CHECK(minidl::testing::bitwise_equal(ga[0].value(), grad({ya1}, {w})[0].value()));
  CHECK(minidl::testing::bitwise_equal(gb[0].value(), grad({yb1}, {w})[0].value()));
  // Outside its scope a branch's graph is not on the walked tape: an error, not a silent zero.
  BranchTape tc;
  Variable yc;
  {
    TapeScope scope(tc);
    yc = sum(mul(w, xa));
  }
  CHECK_THROWS_WITH_AS(backward(yc), doctest::Contains("TapeScope"), minidl::Error);
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("tape: gradients accumulate over two backward calls until zero_grad") {
  Variable x = leaf({1.0, -2.0});
  backward(sum(mul(x, 3.0)));
  backward(sum(mul(x, x)));
  CHECK_TENSOR_CLOSE(x.grad().value(), tensor({3.0 + 2.0, 3.0 - 4.0}, kFloat64));
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("tape: no_grad records nothing") {
  Variable x = leaf({1.0, 2.0});
  std::size_t before = tape_size();
  Variable y;
  {
    NoGradGuard guard;
    y = sum(exp(mul(x, 2.0)));
  }
  CHECK(tape_size() == before);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.is_leaf());
  CHECK(grad_enabled());
}

TEST_CASE("tape: nodes are freed with their outputs") {
  Variable x = leaf({1.0, 2.0});
  std::size_t before = tape_size();
  {
    Variable y = sum(mul(exp(x), 2.0));
    CHECK(tape_size() == before + 3);
  }
  CHECK(tape_size() == before);
}

TEST_CASE("tape: leaf semantics") {
  Variable x = leaf({1.0});
  Variable y = mul(x, 2.0);
  CHECK(x.is_leaf());
  CHECK_FALSE(y.is_leaf());
  CHECK(y.requires_grad());
  CHECK(y.grad_fn() != nullptr);
  backward(sum(y));
  CHECK(x.grad().defined());
  CHECK_FALSE(y.grad().defined());  // .grad is kept on leaves only
  Variable d = y.detach();
  CHECK(d.is_leaf());
  CHECK_FALSE(d.requires_grad());
  CHECK(d.value().shares_storage(y.value()));
  Variable c(ones({2}, kFloat64));
  CHECK_FALSE(mul(c, 2.0).requires_grad());  // constants in, constant out
}

TEST_CASE("tape: backward with a seed for a non-scalar output") {
  Variable x = leaf({1.0, 2.0, 3.0});
  Variable y = mul(x, x);
  backward(y, Variable(tensor({1.0, 0.0, -1.0}, kFloat64)));
  CHECK_TENSOR_CLOSE(x.grad().value(), tensor({2.0, 0.0, -6.0}, kFloat64));
}

TEST_CASE("tape: retain_graph allows a second backward") {
  Variable x = leaf({2.0});
  Variable y = sum(mul(x, x));
  backward(y, Variable(), /*retain_graph=*/true);
  backward(y);
  CHECK_TENSOR_CLOSE(x.grad().value(), tensor({8.0}, kFloat64));
}

TEST_CASE("tape: gradients of gradients") {
  Variable x = leaf({0.3, -0.7});
  Variable y = sum(mul(mul(x, x), x));              // y = sum x^3
  auto g = grad({y}, {x}, {.create_graph = true});  // 3x^2
  CHECK_TENSOR_CLOSE(g[0].value(), tensor({0.27, 1.47}, kFloat64), 1e-12);
  CHECK(g[0].requires_grad());
  auto gg = grad({sum(g[0])}, {x});  // 6x
  CHECK_TENSOR_CLOSE(gg[0].value(), tensor({1.8, -4.2}, kFloat64), 1e-12);
}

TEST_CASE("tape: deep chains do not recurse") {
  Variable x = leaf({1.0});
  Variable y = x;
  for (int i = 0; i < 100000; ++i) y = add(y, 1e-6);
  backward(sum(y));
  CHECK_TENSOR_CLOSE(x.grad().value(), tensor({1.0}, kFloat64));
  // Dropping a deep graph without a backward tears it down iteratively too.
  Variable z = x;
  for (int i = 0; i < 100000; ++i) z = mul(z, 1.0);
  z = Variable();
  CHECK(tape_size() < 10);
}

TEST_CASE("tape: errors name the op, shapes and dtypes") {
  SUBCASE("mismatched shapes") {
    Variable a = leaf({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    Variable b = leaf({1.0, 2.0});
    CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("[2,3]"), minidl::Error);
    CHECK_THROWS_WITH_AS(matmul(a, a), doctest::Contains("matmul"), minidl::Error);
  }
  SUBCASE("backward of a non-scalar without a seed") {
    Variable x = leaf({1.0, 2.0});
    CHECK_THROWS_WITH_AS(backward(mul(x, 2.0)), doctest::Contains("not a scalar"), minidl::Error);
  }
  SUBCASE("a seed of the wrong shape") {
    Variable x = leaf({1.0, 2.0});
    CHECK_THROWS_WITH_AS(backward(mul(x, 2.0), Variable(ones({3}, kFloat64))),
                         doctest::Contains("seed gradient of shape [3]"), minidl::Error);
  }
  SUBCASE("a second backward through a freed graph") {
    Variable x = leaf({1.0});
    Variable y = sum(exp(x));
    backward(y);
    CHECK_THROWS_WITH_AS(backward(y), doctest::Contains("second time"), minidl::Error);
  }
  SUBCASE("integer tensors cannot require grad") {
    CHECK_THROWS_WITH_AS(Variable(arange(3), true), doctest::Contains("int64"), minidl::Error);
  }
  SUBCASE("backward of something that does not require grad") {
    Variable c(ones({1}, kFloat64));
    CHECK_THROWS_WITH_AS(backward(c), doctest::Contains("does not require grad"), minidl::Error);
  }
  SUBCASE("a backward returning the wrong shape names the op") {
    Variable x = leaf({1.0, 2.0});
    Variable y = record("broken", x.value().clone(), {x},
                        [](const std::vector<Variable>&, const Variable&, const Variable&) {
                          return std::vector<Variable>{Variable(ones({3}, kFloat64))};
                        });
    CHECK_THROWS_WITH_AS(backward(sum(y)), doctest::Contains("backward of broken"), minidl::Error);
  }
  SUBCASE("create_graph through a once-differentiable op") {
    Variable x = leaf({1.0, 2.0});
    Variable y = record(
        "fused", minidl::mul(x.value(), 2.0), {x},
        [](const std::vector<Variable>&, const Variable&, const Variable& g) {
          return std::vector<Variable>{Variable(minidl::mul(g.value(), 2.0))};
        },
        /*once_differentiable=*/true);
    CHECK_THROWS_WITH_AS(grad({sum(y)}, {x}, {.create_graph = true}),
                         doctest::Contains("once-differentiable"), minidl::Error);
    auto g = grad({sum(y)}, {x});  // first order is fine
    CHECK_TENSOR_CLOSE(g[0].value(), tensor({2.0, 2.0}, kFloat64));
  }
  SUBCASE("requires_grad cannot change on a non-leaf") {
    Variable x = leaf({1.0});
    Variable y = mul(x, 2.0);
    CHECK_THROWS_WITH_AS(y.set_requires_grad(false), doctest::Contains("only leaves"),
                         minidl::Error);
  }
}

TEST_CASE("graph: DOT export shows ops, shapes, dtypes and parameters") {
  Variable w(ones({3, 2}, kFloat64), true);
  w.set_name("fc.weight");
  Variable x(ones({4, 3}, kFloat64));
  Variable loss = mean(relu(matmul(x, w)));
  std::string dot = graph_to_dot(loss);
  CHECK(dot.find("digraph") != std::string::npos);
  CHECK(dot.find("matmul") != std::string::npos);
  CHECK(dot.find("relu") != std::string::npos);
  CHECK(dot.find("fc.weight") != std::string::npos);
  CHECK(dot.find("[4,2] float64") != std::string::npos);
  CHECK(dot.find("fillcolor") != std::string::npos);  // the parameter is highlighted
  CHECK(dot.find("->") != std::string::npos);
}

}  // namespace minidl
