#include "dist/comm.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "tensor/error.h"

using namespace minidl;

namespace {

// Sets an environment variable for the scope, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("dist launched_world_size: the launcher's process count, 1 without one") {
  {
    const ScopedEnv a("OMPI_COMM_WORLD_SIZE", "1");
    const ScopedEnv b("PMI_SIZE", "1");
    CHECK(dist::launched_world_size() == 1);
  }
  {
    const ScopedEnv a("OMPI_COMM_WORLD_SIZE", "4");
    CHECK(dist::launched_world_size() == 4);
  }
  {
    const ScopedEnv a("PMI_SIZE", "3");
    CHECK(dist::launched_world_size() == 3);
  }
}

TEST_CASE("dist init: a build without MPI refuses to run as one of several launched processes") {
  if (dist::built_with_mpi()) return;  // with MPI, init() joins the launcher's world instead
  const ScopedEnv a("OMPI_COMM_WORLD_SIZE", "2");
  CHECK_THROWS_WITH_AS(dist::init(nullptr, nullptr), doctest::Contains("built without MPI"), Error);
  CHECK(dist::world_size() == 1);
}
