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
#include <numbers>

/// Forces inlining of the small per-batch helpers into the kernels that call them (GCC otherwise
/// keeps some out of line: a call, spills and a vzeroupper per batch).
/// ANNP_INLINE_LAMBDA goes after a lambda's parameter list.
#if defined(__GNUC__)
#define ANNP_INLINE [[gnu::always_inline]] inline
#define ANNP_INLINE_LAMBDA __attribute__((always_inline))
#else
#define ANNP_INLINE inline
#define ANNP_INLINE_LAMBDA
#endif

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

/// a * b + c rounded once, on batches and on doubles alike. xsimd 8's fma has no AVX-512 kernel:
/// there it falls back to a multiply and an add, which the build's -ffp-contract=off keeps apart
/// (two instructions, two roundings), so the AVX-512 case calls the instruction itself. Scalars
/// fuse exactly when the target has FMA, as batches do, so the same source gives the same bits.
inline batch fma(const batch& a, const batch& b, const batch& c) noexcept {
#if defined(__AVX512F__)
  static_assert(width == 8, "AVX-512 double batches hold 8 lanes");
  return batch(_mm512_fmadd_pd(a, b, c));
#else
  return xsimd::fma(a, b, c);
#endif
}
inline double fma(double a, double b, double c) noexcept {
#if defined(__FMA__)
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

/// The lanes of a mask as bits (lane i is bit i).
inline unsigned lane_bits(const mask& m) noexcept {
#if defined(__AVX512F__)
  return static_cast<unsigned>(static_cast<__mmask8>(m));
#else
  bool lanes[width];
  m.store_unaligned(lanes);
  unsigned bits = 0;
  for (std::size_t i = 0; i < width; ++i) bits |= static_cast<unsigned>(lanes[i]) << i;
  return bits;
#endif
}

/// Whether compress/expand below are single instructions (AVX-512). Kernels that pack lanes use
/// them only then; elsewhere packing would cost more than the lanes it saves.
#if defined(__AVX512F__)
inline constexpr bool has_compress = true;
/// The lanes of x selected by bits, moved to the low lanes in order; the rest are 0.
inline batch compress(unsigned bits, const batch& x) noexcept {
  return batch(_mm512_maskz_compress_pd(static_cast<__mmask8>(bits), x));
}
/// The inverse: the low lanes of x spread to the lanes selected by bits; the rest are 0.
inline batch expand(unsigned bits, const batch& x) noexcept {
  return batch(_mm512_maskz_expand_pd(static_cast<__mmask8>(bits), x));
}
#else
inline constexpr bool has_compress = false;
// Lane by lane (kernels do not pack without the instructions; these keep them compiling).
inline batch compress(unsigned bits, const batch& x) noexcept {
  alignas(64) double in[width], out[width] = {};
  x.store_unaligned(in);
  std::size_t n = 0;
  for (std::size_t i = 0; i < width; ++i)
    if ((bits >> i) & 1u) out[n++] = in[i];
  return batch::load_unaligned(out);
}
inline batch expand(unsigned bits, const batch& x) noexcept {
  alignas(64) double in[width], out[width] = {};
  x.store_unaligned(in);
  std::size_t n = 0;
  for (std::size_t i = 0; i < width; ++i)
    if ((bits >> i) & 1u) out[i] = in[n++];
  return batch::load_unaligned(out);
}
#endif

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

// The Taylor polynomial sum_n exp_coeff[n] r^n by Estrin's scheme: pairs, then pairs of pairs
// with r^2, r^4 and r^8 — a dependency chain of five multiply-adds instead of Horner's thirteen
// (the exponentials of the descriptor kernels are latency-bound, not throughput-bound).
template <class T> ANNP_INLINE T exp_polynomial(const T& r) noexcept {
  const auto c = [](int n) { return T(exp_coeff[n]); };
  const T r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const T q0 = simd::fma(c(1), r, c(0)), q1 = simd::fma(c(3), r, c(2));
  const T q2 = simd::fma(c(5), r, c(4)), q3 = simd::fma(c(7), r, c(6));
  const T q4 = simd::fma(c(9), r, c(8)), q5 = simd::fma(c(11), r, c(10));
  const T q6 = simd::fma(c(13), r, c(12));
  const T s0 = simd::fma(q1, r2, q0), s1 = simd::fma(q3, r2, q2), s2 = simd::fma(q5, r2, q4);
  const T t0 = simd::fma(s1, r4, s0), t1 = simd::fma(q6, r4, s2);
  return simd::fma(t1, r8, t0);
}
} // namespace detail

/// e^x without divisions: x = k ln2 + r (Cody-Waite), e^r by a degree-13 polynomial, scaled by
/// 2^k through the exponent bits. About 1 ulp; 0 below x = -708, +inf above 709.78. The same
/// operations on doubles and on batches, so scalar and SIMD code agree. (xsimd's exp uses a
/// rational approximation with a division and is 2-3x slower here.)
ANNP_INLINE simd::batch fast_exp(const simd::batch& x) noexcept {
  using B = simd::batch;
  const B xc = xsimd::min(xsimd::max(x, B(-708.0)), B(709.0));
  const B k = xsimd::nearbyint(xc * detail::log2e);
  B r = simd::fma(-k, B(detail::ln2_hi), xc);
  r = simd::fma(-k, B(detail::ln2_lo), r);
  const B p = detail::exp_polynomial(r);
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
  double r = simd::fma(-k, detail::ln2_hi, xc);
  r = simd::fma(-k, detail::ln2_lo, r);
  const double p = detail::exp_polynomial(r);
  const std::int64_t bits = (static_cast<std::int64_t>(k) + 1023) << 52;
  double two_k;
  std::memcpy(&two_k, &bits, sizeof two_k);
  if (x < -708.0) return 0.0;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  return p * two_k;
}

namespace detail {
// Taylor coefficients in y^2 of sin(y)/y and cos(y), for |y| <= pi/2 (truncation errors below
// 1.2e-18 and 1.8e-17).
inline constexpr double sin_coeff[11] = {1.0 / 1.0,
                                         -1.0 / 6.0,
                                         1.0 / 120.0,
                                         -1.0 / 5040.0,
                                         1.0 / 362880.0,
                                         -1.0 / 39916800.0,
                                         1.0 / 6227020800.0,
                                         -1.0 / 1307674368000.0,
                                         1.0 / 355687428096000.0,
                                         -1.0 / 121645100408832000.0,
                                         1.0 / 51090942171709440000.0};
inline constexpr double cos_coeff[11] = {1.0 / 1.0,
                                         -1.0 / 2.0,
                                         1.0 / 24.0,
                                         -1.0 / 720.0,
                                         1.0 / 40320.0,
                                         -1.0 / 3628800.0,
                                         1.0 / 479001600.0,
                                         -1.0 / 87178291200.0,
                                         1.0 / 20922789888000.0,
                                         -1.0 / 6402373705728000.0,
                                         1.0 / 2432902008176640000.0};
} // namespace detail

/// The cosine cutoff's core on x in [0, 1]: v = (1 + cos(pi x)) / 2 and dv/dx = -(pi/2) sin(pi x),
/// by two polynomials in y = pi (x - 1/2), |y| <= pi/2, where cos(pi x) = -sin y and
/// sin(pi x) = cos y: no range reduction, no branch (xsimd's sincos reduces the range and selects
/// between quadrants). Each polynomial in y^2 is split into its even and odd parts in y^4, so four
/// chains of five fused multiply-adds run side by side instead of two of ten. Within 7e-16 of the
/// libm values; the same operations on doubles and batches.
template <class T> ANNP_INLINE void half_cos_pi(const T& x, T& v, T& d) noexcept {
  const T y = std::numbers::pi * (x - 0.5);
  const T y2 = y * y;
  const T y4 = y2 * y2;
  T se(detail::sin_coeff[10]), so(detail::sin_coeff[9]);
  T ce(detail::cos_coeff[10]), co(detail::cos_coeff[9]);
  for (int n = 8; n >= 0; n -= 2) {
    se = simd::fma(se, y4, T(detail::sin_coeff[n]));
    ce = simd::fma(ce, y4, T(detail::cos_coeff[n]));
    if (n >= 1) {
      so = simd::fma(so, y4, T(detail::sin_coeff[n - 1]));
      co = simd::fma(co, y4, T(detail::cos_coeff[n - 1]));
    }
  }
  const T s = simd::fma(so, y2, se), c = simd::fma(co, y2, ce);
  v = simd::fma(T(-0.5) * y, s, T(0.5));
  d = (-0.5 * std::numbers::pi) * c;
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
