// Internal to tensor/batch_norm.cpp (like tensor/loops.h, for .cpp files only): the per-channel
// sums of the batch norm kernels, with AVX2 where the build has it and the same sums in plain C++
// otherwise. Every sum is in double, in an order fixed by the shape.
#pragma once

#include <cstdint>

#include "tensor/loops.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace minidl::detail {

// lanes[i % 16] += f(i) for i < n (the tail goes to the first lanes).
template <typename F>
inline void add_lanes(double* lanes, std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (int j = 0; j < kBlock; ++j) lanes[j] += f(i + j);
  for (int j = 0; i < n; ++i, ++j) lanes[j] += f(i);
}

// The runs path's three sums over one run, each into 16 double lanes as add_lanes does:
//   lanes_sum: x,   lanes_sqdev: (x - m)^2,   lanes_grad: g into l1 and g (x - m) into l2.
// With AVX2 the lanes stay in four registers for the whole run (GCC kept add_lanes' array in
// memory, a store and a reload per block: each sum cost several times a pass over the data).
#if defined(__AVX2__)
inline __m256d load4(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
inline __m256d load4(const double* p) { return _mm256_loadu_pd(p); }

// a = body(a, i) for the four quarters of each block of 16, in four named registers (an array
// of them stayed in memory too).
template <typename Body>
inline void avx_lanes(double* lanes, std::int64_t n, Body body) {
  __m256d a0 = _mm256_loadu_pd(lanes), a1 = _mm256_loadu_pd(lanes + 4);
  __m256d a2 = _mm256_loadu_pd(lanes + 8), a3 = _mm256_loadu_pd(lanes + 12);
  for (std::int64_t i = 0; i + kBlock <= n; i += kBlock) {
    a0 = body(a0, i);
    a1 = body(a1, i + 4);
    a2 = body(a2, i + 8);
    a3 = body(a3, i + 12);
  }
  _mm256_storeu_pd(lanes, a0);
  _mm256_storeu_pd(lanes + 4, a1);
  _mm256_storeu_pd(lanes + 8, a2);
  _mm256_storeu_pd(lanes + 12, a3);
}

// The tail of a run (past its last full block) into the first lanes.
template <typename F>
inline void tail_lanes(double* lanes, std::int64_t n, F f) {
  for (std::int64_t i = n - n % kBlock, j = 0; i < n; ++i, ++j) lanes[j] += f(i);
}

template <typename T>
void lanes_sum(double* lanes, const T* p, std::int64_t n) {
  avx_lanes(lanes, n, [p](__m256d a, std::int64_t i) { return _mm256_add_pd(a, load4(p + i)); });
  tail_lanes(lanes, n, [p](std::int64_t i) { return static_cast<double>(p[i]); });
}

template <typename T>
void lanes_sqdev(double* lanes, const T* p, std::int64_t n, double m) {
  const __m256d mv = _mm256_set1_pd(m);
  avx_lanes(lanes, n, [p, mv](__m256d a, std::int64_t i) {
    const __m256d u = _mm256_sub_pd(load4(p + i), mv);
    return _mm256_add_pd(a, _mm256_mul_pd(u, u));
  });
  tail_lanes(lanes, n, [p, m](std::int64_t i) {
    const double u = static_cast<double>(p[i]) - m;
    return u * u;
  });
}

template <typename T>
void lanes_grad(double* l1, double* l2, const T* g, const T* p, std::int64_t n, double m) {
  const __m256d mv = _mm256_set1_pd(m);
  avx_lanes(l1, n, [g](__m256d a, std::int64_t i) { return _mm256_add_pd(a, load4(g + i)); });
  avx_lanes(l2, n, [g, p, mv](__m256d a, std::int64_t i) {
    return _mm256_add_pd(a, _mm256_mul_pd(load4(g + i), _mm256_sub_pd(load4(p + i), mv)));
  });
  tail_lanes(l1, n, [g](std::int64_t i) { return static_cast<double>(g[i]); });
  tail_lanes(l2, n, [g, p, m](std::int64_t i) {
    return static_cast<double>(g[i]) * (static_cast<double>(p[i]) - m);
  });
}
#else
template <typename T>
void lanes_sum(double* lanes, const T* p, std::int64_t n) {
  add_lanes(lanes, n, [p](std::int64_t i) { return static_cast<double>(p[i]); });
}

template <typename T>
void lanes_sqdev(double* lanes, const T* p, std::int64_t n, double m) {
  add_lanes(lanes, n, [p, m](std::int64_t i) {
    const double u = static_cast<double>(p[i]) - m;
    return u * u;
  });
}

template <typename T>
void lanes_grad(double* l1, double* l2, const T* g, const T* p, std::int64_t n, double m) {
  add_lanes(l1, n, [g](std::int64_t i) { return static_cast<double>(g[i]); });
  add_lanes(l2, n, [g, p, m](std::int64_t i) {
    return static_cast<double>(g[i]) * (static_cast<double>(p[i]) - m);
  });
}
#endif

// The rows path's sums over a block of cn channels (columns, row stride `stride`), each channel
// one double summed in row order:
//   cols_sum: x,   cols_sqdev: (x - m[i])^2,   cols_grad: g into o1, g (x - m[i]) into o2.
// With AVX2, 16 columns at a time in four registers down all the rows; the columns left over one
// by one, with the same operations in the same order.
#if defined(__AVX2__)
#define MINIDL_BN_AVX2 1
#else
#define MINIDL_BN_AVX2 0
#endif

template <typename T>
void cols_sum(double* out, const T* p, std::int64_t cn, std::int64_t rows, std::int64_t stride) {
  std::int64_t i = 0;
#if MINIDL_BN_AVX2
  for (; i + kBlock <= cn; i += kBlock) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    for (std::int64_t s = 0; s < rows; ++s) {
      const T* r = p + s * stride + i;
      a0 = _mm256_add_pd(a0, load4(r));
      a1 = _mm256_add_pd(a1, load4(r + 4));
      a2 = _mm256_add_pd(a2, load4(r + 8));
      a3 = _mm256_add_pd(a3, load4(r + 12));
    }
    _mm256_storeu_pd(out + i, a0);
    _mm256_storeu_pd(out + i + 4, a1);
    _mm256_storeu_pd(out + i + 8, a2);
    _mm256_storeu_pd(out + i + 12, a3);
  }
#endif
  for (; i < cn; ++i) {
    double acc = 0;
    for (std::int64_t s = 0; s < rows; ++s) acc += static_cast<double>(p[s * stride + i]);
    out[i] = acc;
  }
}

template <typename T>
void cols_sqdev(double* out, const T* p, std::int64_t cn, std::int64_t rows, std::int64_t stride,
                const double* m) {
  std::int64_t i = 0;
#if MINIDL_BN_AVX2
  for (; i + kBlock <= cn; i += kBlock) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    const __m256d m0 = _mm256_loadu_pd(m + i), m1 = _mm256_loadu_pd(m + i + 4);
    const __m256d m2 = _mm256_loadu_pd(m + i + 8), m3 = _mm256_loadu_pd(m + i + 12);
    auto step = [](__m256d a, __m256d x, __m256d mv) {
      const __m256d u = _mm256_sub_pd(x, mv);
      return _mm256_add_pd(a, _mm256_mul_pd(u, u));
    };
    for (std::int64_t s = 0; s < rows; ++s) {
      const T* r = p + s * stride + i;
      a0 = step(a0, load4(r), m0);
      a1 = step(a1, load4(r + 4), m1);
      a2 = step(a2, load4(r + 8), m2);
      a3 = step(a3, load4(r + 12), m3);
    }
    _mm256_storeu_pd(out + i, a0);
    _mm256_storeu_pd(out + i + 4, a1);
    _mm256_storeu_pd(out + i + 8, a2);
    _mm256_storeu_pd(out + i + 12, a3);
  }
#endif
  for (; i < cn; ++i) {
    double acc = 0;
    for (std::int64_t s = 0; s < rows; ++s) {
      const double u = static_cast<double>(p[s * stride + i]) - m[i];
      acc += u * u;
    }
    out[i] = acc;
  }
}

template <typename T>
void cols_grad(double* o1, double* o2, const T* g, const T* p, std::int64_t cn, std::int64_t rows,
               std::int64_t stride, const double* m) {
  std::int64_t i = 0;
#if MINIDL_BN_AVX2
  for (; i + kBlock <= cn; i += kBlock) {
    for (int h = 0; h < 2; ++h) {  // two halves of 8 columns: four accumulators each
      const std::int64_t j = i + 8 * h;
      __m256d s0 = _mm256_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
      const __m256d m0 = _mm256_loadu_pd(m + j), m1 = _mm256_loadu_pd(m + j + 4);
      for (std::int64_t s = 0; s < rows; ++s) {
        const std::int64_t off = s * stride + j;
        const __m256d g0 = load4(g + off), g1 = load4(g + off + 4);
        s0 = _mm256_add_pd(s0, g0);
        s1 = _mm256_add_pd(s1, g1);
        t0 = _mm256_add_pd(t0, _mm256_mul_pd(g0, _mm256_sub_pd(load4(p + off), m0)));
        t1 = _mm256_add_pd(t1, _mm256_mul_pd(g1, _mm256_sub_pd(load4(p + off + 4), m1)));
      }
      _mm256_storeu_pd(o1 + j, s0);
      _mm256_storeu_pd(o1 + j + 4, s1);
      _mm256_storeu_pd(o2 + j, t0);
      _mm256_storeu_pd(o2 + j + 4, t1);
    }
  }
#endif
  for (; i < cn; ++i) {
    double a1 = 0, a2 = 0;
    for (std::int64_t s = 0; s < rows; ++s) {
      const double gv = static_cast<double>(g[s * stride + i]);
      a1 += gv;
      a2 += gv * (static_cast<double>(p[s * stride + i]) - m[i]);
    }
    o1[i] = a1;
    o2[i] = a2;
  }
}

inline double lane_total(const double* lanes) {
  double s = 0;
  for (int j = 0; j < kBlock; ++j) s += lanes[j];
  return s;
}

}  // namespace minidl::detail
