#pragma once
// The one place that knows xsimd's version differences. Kernels use annp::simd::batch (double
// precision, the widest instruction set the compiler targets) and the helpers below.

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

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

namespace detail {
// 1/n! for the Taylor polynomial of exp on |r| <= ln(2)/2 (truncation error < 5e-18).
inline constexpr double exp_coeff[14] = {1.0,
                                         1.0,
                                         0.5,
                                         1.0 / 6.0,
                                         1.0 / 24.0,
                                         1.0 / 120.0,
                                         1.0 / 720.0,
                                         1.0 / 5040.0,
                                         1.0 / 40320.0,
                                         1.0 / 362880.0,
                                         1.0 / 3628800.0,
                                         1.0 / 39916800.0,
                                         1.0 / 479001600.0,
                                         1.0 / 6227020800.0};
inline constexpr double ln2_hi = 6.93147180369123816490e-01; // high bits of ln 2
inline constexpr double ln2_lo = 1.90821492927058770002e-10; // ln 2 - ln2_hi
inline constexpr double log2e = 1.44269504088896338700e+00;
} // namespace detail

/// e^x without divisions: x = k ln2 + r (Cody-Waite), e^r by a degree-13 polynomial, scaled by
/// 2^k through the exponent bits. About 1 ulp; 0 below x = -708, +inf above 709.78. The same
/// operations on doubles and on batches, so scalar and SIMD code agree. (xsimd's exp uses a
/// rational approximation with a division and is 2-3x slower here.)
inline simd::batch fast_exp(const simd::batch& x) noexcept {
  using B = simd::batch;
  const B xc = xsimd::min(xsimd::max(x, B(-708.0)), B(709.0));
  const B k = xsimd::nearbyint(xc * detail::log2e);
  B r = xsimd::fnma(k, B(detail::ln2_hi), xc);
  r = xsimd::fnma(k, B(detail::ln2_lo), r);
  B p(detail::exp_coeff[13]);
  for (int n = 12; n >= 0; --n) p = xsimd::fma(p, r, B(detail::exp_coeff[n]));
  using I = xsimd::batch<std::int64_t>;
  const I bits = (xsimd::to_int(k) + I(1023)) << 52;
  const B scaled = p * xsimd::bitwise_cast<B>(bits);
  return xsimd::select(
      x < B(-708.0), B(0.0),
      xsimd::select(x > B(709.78), B(std::numeric_limits<double>::infinity()), scaled));
}

inline double fast_exp(double x) noexcept {
  const double xc = std::min(std::max(x, -708.0), 709.0);
  const double k = std::nearbyint(xc * detail::log2e);
  double r = std::fma(-k, detail::ln2_hi, xc);
  r = std::fma(-k, detail::ln2_lo, r);
  double p = detail::exp_coeff[13];
  for (int n = 12; n >= 0; --n) p = std::fma(p, r, detail::exp_coeff[n]);
  const std::int64_t bits = (static_cast<std::int64_t>(k) + 1023) << 52;
  double two_k;
  std::memcpy(&two_k, &bits, sizeof two_k);
  if (x < -708.0) return 0.0;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  return p * two_k;
}

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
