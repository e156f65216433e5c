// The JSON Lines metric log: content, NaN as null, corrupt lines.
#include "train/metric_log.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "optim/sgd.h"
#include "tensor/file_util.h"
#include "train/fit.h"
#include "train/train_test_util.h"

using namespace minidl;
using namespace minidl::train;
using minidl::train::test_support::TempDir;

TEST_CASE("metric_log: fit writes one JSON object per epoch holding the epoch's logs") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  auto [x, y] = test_support::blobs(60, 1);
  data::DataLoader train(x, y, {.batch_size = 20});
  data::DataLoader val(x, y, {.batch_size = 30});
  const std::string log = dir.file("log.jsonl");
  History h = fit(*model, opt, train,
                  {.epochs = 3,
                   .val_loader = &val,
                   .log_path = log,
                   .plot_path = dir.file("curves.png"),
                   .verbose = 0});
  CHECK(std::filesystem::file_size(dir.file("curves.png")) > 8000);
  CHECK_THROWS_WITH(fit(*model, opt, train, {.plot_path = dir.file("no/dir/c.png"), .verbose = 0}),
                    doctest::Contains("the folder of plot_path"));

  std::istringstream text(read_file(log));
  std::string line;
  int lines = 0;
  while (std::getline(text, line)) {
    CHECK(line.rfind("{\"epoch\":" + std::to_string(lines + 1) + ",", 0) == 0);
    ++lines;
  }
  CHECK(lines == 3);
  std::vector<Logs> rows = read_metric_log(log);
  REQUIRE(rows.size() == 3);
  for (std::size_t e = 0; e < 3; ++e) {
    for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}) {
      CAPTURE(key);
      REQUIRE(rows[e].count(key));
      CHECK(rows[e].at(key) == h.logs[e].at(key));  // shortest round-trip doubles: exact
    }
    CHECK(rows[e].at("epoch") == static_cast<double>(e + 1));  // numbered from 1
  }
  CHECK(rows[0].at("lr") == 0.1);
}

TEST_CASE("metric_log: NaN and infinity are written as null and read back as NaN") {
  TempDir dir;
  const double inf = std::numeric_limits<double>::infinity();
  write_metric_log(dir.file("l.jsonl"), {{{"epoch", 0}, {"loss", std::nan("")}, {"x", inf}}});
  CHECK(read_file(dir.file("l.jsonl")) == "{\"epoch\":0,\"loss\":null,\"x\":null}\n");
  std::vector<Logs> rows = read_metric_log(dir.file("l.jsonl"));
  CHECK(std::isnan(rows[0].at("loss")));
  CHECK(metric_log_line({{"b", 0.1}, {"a", 2.0}, {"epoch", 7}}) ==
        "{\"epoch\":7,\"a\":2.0,\"b\":0.1}");
}

TEST_CASE("metric_log: a corrupt line is an error naming the file and the line") {
  TempDir dir;
  write_file_atomic(dir.file("bad.jsonl"), "{\"epoch\":0,\"loss\":1}\n{\"epoch\":1,\"loss\":\n");
  CHECK_THROWS_WITH(read_metric_log(dir.file("bad.jsonl")),
                    doctest::Contains("bad.jsonl' line 2 is not JSON"));
  write_file_atomic(dir.file("str.jsonl"), "{\"epoch\":0,\"loss\":\"low\"}\n");
  CHECK_THROWS_WITH(read_metric_log(dir.file("str.jsonl")),
                    doctest::Contains("\"loss\" must be a number or null"));
  write_file_atomic(dir.file("empty.jsonl"), "");
  CHECK(read_metric_log(dir.file("empty.jsonl")).empty());
}
