// Storage allocation. Every block is 64-byte aligned (one cache line, a full AVX-512 vector).
//
// Large blocks are cached and reused: a freshly mmapped block page-faults on first touch, which
// makes a big elementwise op 3-5x slower than writing into an existing buffer. Training repeats the
// same sizes every step, so an exact-size free list catches nearly all of them. Each thread keeps
// up to 4 MiB of the blocks it freed and reuses those first (they are in its core's cache); the
// rest go to one shared list (up to 1 GiB).
#pragma once

#include <cstddef>

namespace minidl {

// Throws std::bad_alloc when the system cannot give nbytes, even after the cache is returned to
// it (Tensor's constructor turns that into a minidl::Error naming the shape).
void* storage_alloc(std::size_t nbytes);
void storage_free(void* ptr, std::size_t nbytes);
// Returns cached blocks (every thread's and the shared list's) to the system.
void storage_empty_cache();
// Idle cached bytes, every thread's and the shared list's.
std::size_t storage_cached_bytes();

}  // namespace minidl
