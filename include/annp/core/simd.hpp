#pragma once
// The one place that knows xsimd's version differences. Kernels use annp::simd::batch (double
// precision, the widest instruction set the compiler targets) and the helpers below.

#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstddef>

namespace annp::simd {

using batch = xsimd::batch<double>;
using mask = xsimd::batch_bool<double>;
inline constexpr std::size_t width = batch::size;

inline batch load(const double* p) noexcept { return batch::load_unaligned(p); }
inline void store(double* p, const batch& b) noexcept { b.store_unaligned(p); }

/// Sum of the lanes (xsimd 8 calls it hadd, xsimd >= 9 reduce_add).
inline double reduce_add(const batch& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::reduce_add(b);
#else
  return xsimd::hadd(b);
#endif
}

/// Rounds n up to a multiple of the batch width.
constexpr std::size_t round_up(std::size_t n) noexcept { return (n + width - 1) / width * width; }

} // namespace annp::simd

namespace annp {
// Scalar/batch-generic helpers: the same source serves double and simd::batch.
inline void sin_cos(double x, double& s, double& c) noexcept {
  s = std::sin(x);
  c = std::cos(x);
}
inline void sin_cos(const simd::batch& x, simd::batch& s, simd::batch& c) noexcept {
  auto sc = xsimd::sincos(x);
  s = sc.first;
  c = sc.second;
}
inline double select(bool c, double a, double b) noexcept { return c ? a : b; }
using xsimd::select;
} // namespace annp
