// Name scopes: the thread-local current path and the process-wide set of interned paths.
#include "autograd/scope.h"

#include <mutex>
#include <string>
#include <unordered_set>

#include "autograd/profiler.h"

namespace minidl {
namespace {

thread_local const char* t_scope = "";

}  // namespace

// Node-based set: an element's address never changes, so the c_str() handed out stays valid.
const char* intern_string(std::string_view text) {
  static std::mutex mutex;
  static auto* texts = new std::unordered_set<std::string>();  // never freed: nodes point in
  std::lock_guard<std::mutex> lock(mutex);
  return texts->emplace(text).first->c_str();
}

const char* current_scope() { return t_scope; }

NameScope::NameScope(std::string_view name) : prev_(t_scope) {
  if (name.empty()) return;
  std::string path(prev_);
  if (!path.empty()) path += '.';
  path += name;
  t_scope = intern_string(path);
  if (detail::profiling()) profiled_ = detail::profile_begin(t_scope, ProfileKind::kScope);
}

NameScope::~NameScope() {
  if (profiled_) detail::profile_end(profiled_);
  t_scope = prev_;
}

}  // namespace minidl
