// Name scopes: the thread-local current path and the process-wide set of interned paths.
#include "autograd/scope.h"

#include <mutex>
#include <string>
#include <unordered_set>

namespace minidl {
namespace {

thread_local const char* t_scope = "";

// Node-based set: an element's address never changes, so the c_str() handed out stays valid.
const char* intern(std::string path) {
  static std::mutex mutex;
  static auto* paths = new std::unordered_set<std::string>();  // never freed: nodes point in
  std::lock_guard<std::mutex> lock(mutex);
  return paths->insert(std::move(path)).first->c_str();
}

}  // namespace

const char* current_scope() { return t_scope; }

NameScope::NameScope(std::string_view name) : prev_(t_scope) {
  if (name.empty()) return;
  std::string path(prev_);
  if (!path.empty()) path += '.';
  path += name;
  t_scope = intern(std::move(path));
}

NameScope::~NameScope() { t_scope = prev_; }

}  // namespace minidl
