#include "tensor/allocator.h"

#include <sys/mman.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace minidl {
namespace {

constexpr std::size_t kAlign = 64;
// Blocks from this size up are cached; smaller ones are cheap in malloc already.
constexpr std::size_t kCacheMin = 1 << 16;
// Upper bound on idle cached memory; past it, freed blocks go back to the system.
constexpr std::size_t kCacheMax = std::size_t{1} << 30;
constexpr std::size_t kMaxBlock = std::size_t{1} << 57;

struct Cache {
  std::mutex mu;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  std::size_t cached = 0;
};

Cache& cache() {
  // Leaked on purpose: storage can be freed during static destruction.
  static Cache* c = new Cache;
  return *c;
}

// Each thread keeps the blocks it freed, up to kLocalMax, in front of the shared cache, and
// reuses them first: a block this thread just wrote is in its own core's cache. Through the
// shared list alone, a block freed on one core was often handed to the other, whose first
// writes then pulled every line across: a [256, 128] float output cost 8.3 us to zero against
// 2.5 us with the thread's own block (the ring GAN's two branches, docs/benchmarks.md).
// 4 MiB: the ring GAN's [256, 128] blocks with room to spare; 16 MiB raised bench_train's
// mlp_rss from 95 to 108 MiB (blocks idle in one thread's list that the other could have used).
constexpr std::size_t kLocalMax = std::size_t{4} << 20;

struct LocalCache {
  std::mutex mu;  // the owner's (uncontended) and storage_empty_cache's
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  std::size_t cached = 0;
};

struct Registry {
  std::mutex mu;
  std::vector<LocalCache*> caches;
};
Registry& registry() {
  static Registry* r = new Registry;  // leaked, like cache()
  return *r;
}

// The thread's cache; at thread exit its blocks move to the shared cache (or back to malloc).
// Storage freed later on this thread (a static tensor destroyed at exit) goes to the shared cache.
thread_local bool t_local_gone = false;
struct LocalOwner {
  LocalCache* c = new LocalCache;
  LocalOwner() {
    std::lock_guard<std::mutex> lock(registry().mu);
    registry().caches.push_back(c);
  }
  ~LocalOwner() {
    {
      Registry& r = registry();
      std::lock_guard<std::mutex> lock(r.mu);
      std::erase(r.caches, c);
    }
    Cache& shared = cache();
    std::lock_guard<std::mutex> lock(shared.mu);
    for (auto& [n, blocks] : c->free_blocks)
      for (void* p : blocks) {
        if (shared.cached + n <= kCacheMax) {
          shared.free_blocks[n].push_back(p);
          shared.cached += n;
        } else {
          std::free(p);
        }
      }
    delete c;
    t_local_gone = true;
  }
};
LocalCache* local_cache() {
  if (t_local_gone) return nullptr;
  thread_local LocalOwner owner;
  return owner.c;
}

// Blocks from this size up ask for transparent huge pages (Linux's THP is usually in "madvise"
// mode, so nothing gets them unasked). 2 MiB pages cut TLB misses on big tensors: a shuffled
// loader's random 3 KiB rows out of the 188 MB Fashion-MNIST set gather ~40% faster (measured),
// and a fresh block takes one page fault per 2 MiB instead of 512. Smaller blocks keep 4 KiB
// pages, so RSS is not rounded up to 2 MiB per tensor.
constexpr std::size_t kHugeMin = std::size_t{4} << 20;

// Advice only: the kernel may ignore it, and a failure changes nothing but speed.
void advise_huge(void* p, std::size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kPage = 4096;
  const auto b = (reinterpret_cast<std::uintptr_t>(p) + kPage - 1) & ~(kPage - 1);
  const auto e = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kPage - 1);
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

std::size_t round_size(std::size_t n) {
  if (n < kCacheMin) return (n + kAlign - 1) / kAlign * kAlign;
  return (n + 4095) / 4096 * 4096;
}

// RAM + swap of this machine: no single block larger can ever be filled. Asking for one anyway
// is not a reliable failure: with vm.overcommit_memory=1 the kernel grants 4 TiB of address space
// and the fill that follows (ones({1<<40})) is killed by the OOM killer; a sanitizer's allocator
// aborts instead of returning NULL. Refusing here makes it a bad_alloc (a minidl::Error naming
// the shape, in Tensor's constructor) everywhere.
std::size_t memory_limit() {
  static const std::size_t limit = [] {
    struct sysinfo si {};
    if (::sysinfo(&si) != 0 || si.mem_unit == 0) return kMaxBlock;
    const unsigned __int128 total =
        (static_cast<unsigned __int128>(si.totalram) + si.totalswap) * si.mem_unit;
    return total > kMaxBlock ? kMaxBlock : static_cast<std::size_t>(total);
  }();
  return limit;
}

}  // namespace

void* storage_alloc(std::size_t nbytes) {
  // More than any 64-bit address space holds (57 bits with 5-level paging) or than this machine's
  // RAM + swap: refused without asking the system (see memory_limit), which also keeps
  // round_size from wrapping around.
  if (nbytes > memory_limit()) throw std::bad_alloc();
  std::size_t n = round_size(nbytes == 0 ? kAlign : nbytes);
  LocalCache* l = n >= kCacheMin ? local_cache() : nullptr;
  if (l != nullptr) {
    std::lock_guard<std::mutex> lock(l->mu);
    auto it = l->free_blocks.find(n);
    if (it != l->free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      l->cached -= n;
      return p;
    }
  }
  if (n >= kCacheMin) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(n);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= n;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, n);
  if (p == nullptr && storage_cached_bytes() > 0) {
    // Idle cached blocks (up to kCacheMax) may be what stands in the way: return them, try again.
    storage_empty_cache();
    p = std::aligned_alloc(kAlign, n);
  }
  if (p == nullptr) throw std::bad_alloc();
  if (n >= kHugeMin) advise_huge(p, n);
  return p;
}

void storage_free(void* ptr, std::size_t nbytes) {
  if (ptr == nullptr) return;
  std::size_t n = round_size(nbytes == 0 ? kAlign : nbytes);
  LocalCache* l = n >= kCacheMin ? local_cache() : nullptr;
  if (l != nullptr) {
    std::lock_guard<std::mutex> lock(l->mu);
    if (l->cached + n <= kLocalMax) {
      l->free_blocks[n].push_back(ptr);
      l->cached += n;
      return;
    }
  }
  if (n >= kCacheMin) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + n <= kCacheMax) {
      c.free_blocks[n].push_back(ptr);
      c.cached += n;
      return;
    }
  }
  std::free(ptr);
}

void storage_empty_cache() {
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (LocalCache* l : r.caches) {
      std::lock_guard<std::mutex> local(l->mu);
      for (auto& [size, blocks] : l->free_blocks)
        for (void* p : blocks) std::free(p);
      l->free_blocks.clear();
      l->cached = 0;
    }
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, blocks] : c.free_blocks)
    for (void* p : blocks) std::free(p);
  c.free_blocks.clear();
  c.cached = 0;
}

std::size_t storage_cached_bytes() {
  std::size_t total = 0;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (LocalCache* l : r.caches) {
      std::lock_guard<std::mutex> local(l->mu);
      total += l->cached;
    }
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return total + c.cached;
}

}  // namespace minidl
