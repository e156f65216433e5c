#include "tensor/allocator.h"

#include <sys/mman.h>
#include <sys/sysinfo.h>

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
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, blocks] : c.free_blocks)
    for (void* p : blocks) std::free(p);
  c.free_blocks.clear();
  c.cached = 0;
}

std::size_t storage_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

}  // namespace minidl
