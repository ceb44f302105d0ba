#pragma once
// Dense-layer kernels for a block of atoms, feature-major: X[i * ld + a] is input feature i of
// atom a. Hand-written xsimd, register-tiled (4 neurons x 2 SIMD batches of atoms), so a block of
// atoms is a matrix-matrix product. Block lengths nb are multiples of 2 * simd::width (callers
// pad).
//
// Every dot product is a fused multiply-add chain in index order starting from the bias (forward)
// or from 0 (backward), exactly as the per-atom path computes it, so both paths give the same
// pre-activations bit for bit.

#include <annp/core/simd.hpp>

#include <cstddef>

// A static network's parameters are a fixed-size array, so GCC knows the object behind W and
// bias and, for a block length nb it cannot bound, reports the (astronomical) iteration of the
// outer loop at which an address would leave that object. Block lengths here are at most a
// network block (32 atoms), so that iteration never comes; the note is silenced for these
// kernels only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#endif

// The kernels are compiled once for run-time sizes and never specialised for constant ones: a
// static network passes its layer sizes as constants, and inlining or cloning the register-tiled
// loops for them made the block path up to 25 % slower (complete unrolling and peeling of the
// tile loops; measured with bench_network's static_* against simd_* cases).
#if defined(__GNUC__) && !defined(__clang__)
#define ANNP_KERNEL [[gnu::noinline, gnu::noclone]]
#elif defined(__clang__)
#define ANNP_KERNEL [[gnu::noinline]]
#else
#define ANNP_KERNEL
#endif

namespace annp::kernels {

/// Atoms per register tile: blocks are padded to a multiple of this.
inline constexpr std::size_t tile = 2 * simd::width;

/// Z[o][a] = bias[o] + sum_i W[o][i] X[i][a] (bias may be null), handed to
/// epilogue(o, a, z_batch) for every SIMD batch of the result (store it, apply an activation...).
/// Register tile: 8 neurons x 2 batches = 16 independent FMA chains, enough to cover the FMA
/// latency on two FMA units; remainders use 4- and 1-neuron tiles.
template <class Epilogue>
ANNP_KERNEL void dense_forward_apply(const double* __restrict W, const double* __restrict bias,
                                     std::size_t in, std::size_t out, const double* __restrict X,
                                     std::size_t ldx, std::size_t nb, Epilogue&& epilogue) {
  using B = simd::batch;
  constexpr std::size_t w = simd::width;
  const auto b0 = [&](std::size_t o) { return B(bias ? bias[o] : 0.0); };
  // Whole-tile bounds computed once: with compile-time sizes (static networks) GCC's loop
  // analysis then sees every trip count exactly.
  const std::size_t out8 = out / 8 * 8, out4 = out / 4 * 4;
  for (std::size_t a = 0; a < nb; a += 2 * w) {
    std::size_t o = 0;
    for (; o < out8; o += 8) {
      B c0[8], c1[8];
      for (std::size_t r = 0; r < 8; ++r) c0[r] = c1[r] = b0(o + r);
      const double* wr = W + o * in;
      for (std::size_t i = 0; i < in; ++i) {
        const B x0 = simd::load(X + i * ldx + a), x1 = simd::load(X + i * ldx + a + w);
        for (std::size_t r = 0; r < 8; ++r) {
          const B v(wr[r * in + i]);
          c0[r] = simd::fma(v, x0, c0[r]);
          c1[r] = simd::fma(v, x1, c1[r]);
        }
      }
      for (std::size_t r = 0; r < 8; ++r) {
        epilogue(o + r, a, c0[r]);
        epilogue(o + r, a + w, c1[r]);
      }
    }
    for (; o < out4; o += 4) {
      B c0[4], c1[4];
      for (std::size_t r = 0; r < 4; ++r) c0[r] = c1[r] = b0(o + r);
      const double* wr = W + o * in;
      for (std::size_t i = 0; i < in; ++i) {
        const B x0 = simd::load(X + i * ldx + a), x1 = simd::load(X + i * ldx + a + w);
        for (std::size_t r = 0; r < 4; ++r) {
          const B v(wr[r * in + i]);
          c0[r] = simd::fma(v, x0, c0[r]);
          c1[r] = simd::fma(v, x1, c1[r]);
        }
      }
      for (std::size_t r = 0; r < 4; ++r) {
        epilogue(o + r, a, c0[r]);
        epilogue(o + r, a + w, c1[r]);
      }
    }
    for (; o < out; ++o) {
      B c0 = b0(o), c1 = c0;
      const double* wo = W + o * in;
      for (std::size_t i = 0; i < in; ++i) {
        const B v(wo[i]);
        c0 = simd::fma(v, simd::load(X + i * ldx + a), c0);
        c1 = simd::fma(v, simd::load(X + i * ldx + a + w), c1);
      }
      epilogue(o, a, c0);
      epilogue(o, a + w, c1);
    }
  }
}

/// Z[o][a] = bias[o] + sum_i W[o][i] X[i][a]   (bias may be null: no bias)
inline void dense_forward(const double* __restrict W, const double* __restrict bias, std::size_t in,
                          std::size_t out, const double* __restrict X, std::size_t ldx,
                          double* __restrict Z, std::size_t ldz, std::size_t nb) noexcept {
  dense_forward_apply(
      W, bias, in, out, X, ldx, nb,
      [&](std::size_t o, std::size_t a, const simd::batch& z) { simd::store(Z + o * ldz + a, z); });
}

/// A = f(bias + W X), with f' and f'' stored in D1, D2 when those are non-null: the activation
/// is applied to the register tile before it is stored.
template <class Act>
void dense_forward_activate(const double* __restrict W, const double* __restrict bias,
                            std::size_t in, std::size_t out, const double* __restrict X,
                            std::size_t ldx, double* __restrict A, double* __restrict D1,
                            double* __restrict D2, std::size_t ld, std::size_t nb) noexcept {
  if (D1 || D2) {
    dense_forward_apply(W, bias, in, out, X, ldx, nb,
                        [&](std::size_t o, std::size_t a, const simd::batch& z) {
                          simd::batch f, d1, d2;
                          Act::evaluate(z, f, d1, d2);
                          simd::store(A + o * ld + a, f);
                          if (D1) simd::store(D1 + o * ld + a, d1);
                          if (D2) simd::store(D2 + o * ld + a, d2);
                        });
  } else {
    dense_forward_apply(W, bias, in, out, X, ldx, nb,
                        [&](std::size_t o, std::size_t a, const simd::batch& z) {
                          simd::store(A + o * ld + a, Act::value(z));
                        });
  }
}

/// Transposes n rows of an atom-major block (X[a * ldx + i], i < cols) into feature-major rows
/// (Y[i * ldy + a]); padding atoms n <= a < ldy are set to 0.
inline void to_feature_major(const double* __restrict X, std::size_t n, std::size_t ldx,
                             std::size_t cols, double* __restrict Y, std::size_t ldy) noexcept {
  for (std::size_t i = 0; i < cols; ++i) {
    double* y = Y + i * ldy;
    for (std::size_t a = 0; a < n; ++a) y[a] = X[a * ldx + i];
    for (std::size_t a = n; a < ldy; ++a) y[a] = 0.0;
  }
}

/// Y[i][a] = sum_o W[o][i] G[o][a]   (the transpose product of back-propagation)
ANNP_KERNEL inline void dense_backward(const double* __restrict W, std::size_t in, std::size_t out,
                                       const double* __restrict G, std::size_t ldg,
                                       double* __restrict Y, std::size_t ldy,
                                       std::size_t nb) noexcept {
  using B = simd::batch;
  constexpr std::size_t w = simd::width;
  const std::size_t in4 = in / 4 * 4; // (see dense_forward_apply)
  for (std::size_t a = 0; a < nb; a += 2 * w) {
    std::size_t i = 0;
    for (; i < in4; i += 4) {
      B c00(0.0), c01(0.0), c10(0.0), c11(0.0), c20(0.0), c21(0.0), c30(0.0), c31(0.0);
      for (std::size_t o = 0; o < out; ++o) {
        const B g0 = simd::load(G + o * ldg + a), g1 = simd::load(G + o * ldg + a + w);
        const double* wo = W + o * in + i;
        const B v0(wo[0]), v1(wo[1]), v2(wo[2]), v3(wo[3]);
        c00 = simd::fma(v0, g0, c00);
        c01 = simd::fma(v0, g1, c01);
        c10 = simd::fma(v1, g0, c10);
        c11 = simd::fma(v1, g1, c11);
        c20 = simd::fma(v2, g0, c20);
        c21 = simd::fma(v2, g1, c21);
        c30 = simd::fma(v3, g0, c30);
        c31 = simd::fma(v3, g1, c31);
      }
      simd::store(Y + i * ldy + a, c00);
      simd::store(Y + i * ldy + a + w, c01);
      simd::store(Y + (i + 1) * ldy + a, c10);
      simd::store(Y + (i + 1) * ldy + a + w, c11);
      simd::store(Y + (i + 2) * ldy + a, c20);
      simd::store(Y + (i + 2) * ldy + a + w, c21);
      simd::store(Y + (i + 3) * ldy + a, c30);
      simd::store(Y + (i + 3) * ldy + a + w, c31);
    }
    for (; i < in; ++i) {
      B c0(0.0), c1(0.0);
      for (std::size_t o = 0; o < out; ++o) {
        const B v(W[o * in + i]);
        c0 = simd::fma(v, simd::load(G + o * ldg + a), c0);
        c1 = simd::fma(v, simd::load(G + o * ldg + a + w), c1);
      }
      simd::store(Y + i * ldy + a, c0);
      simd::store(Y + i * ldy + a + w, c1);
    }
  }
}

/// gW[o][i] += sum_a G[o][a] X[i][a];  gb[o] += sum_a G[o][a]   (gb may be null)
ANNP_KERNEL inline void dense_outer(const double* __restrict G, std::size_t ldg,
                                    const double* __restrict X, std::size_t ldx, std::size_t in,
                                    std::size_t out, std::size_t nb, double* __restrict gW,
                                    double* __restrict gb) noexcept {
  using B = simd::batch;
  constexpr std::size_t w = simd::width;
  const std::size_t out2 = out / 2 * 2, in4 = in / 4 * 4; // (see dense_backward)
  std::size_t o = 0;
  for (; o < out2; o += 2) {
    std::size_t i = 0;
    for (; i < in4; i += 4) {
      B c[2][4];
      for (auto& row : c)
        for (auto& v : row) v = B(0.0);
      for (std::size_t a = 0; a < nb; a += w) {
        const B g0 = simd::load(G + o * ldg + a), g1 = simd::load(G + (o + 1) * ldg + a);
        for (std::size_t k = 0; k < 4; ++k) {
          const B x = simd::load(X + (i + k) * ldx + a);
          c[0][k] = simd::fma(g0, x, c[0][k]);
          c[1][k] = simd::fma(g1, x, c[1][k]);
        }
      }
      for (std::size_t k = 0; k < 4; ++k) {
        gW[o * in + i + k] += simd::reduce_add(c[0][k]);
        gW[(o + 1) * in + i + k] += simd::reduce_add(c[1][k]);
      }
    }
    for (; i < in; ++i) {
      B c0(0.0), c1(0.0);
      for (std::size_t a = 0; a < nb; a += w) {
        const B x = simd::load(X + i * ldx + a);
        c0 = simd::fma(simd::load(G + o * ldg + a), x, c0);
        c1 = simd::fma(simd::load(G + (o + 1) * ldg + a), x, c1);
      }
      gW[o * in + i] += simd::reduce_add(c0);
      gW[(o + 1) * in + i] += simd::reduce_add(c1);
    }
  }
  for (; o < out; ++o)
    for (std::size_t i = 0; i < in; ++i) {
      B c(0.0);
      for (std::size_t a = 0; a < nb; a += w)
        c = simd::fma(simd::load(G + o * ldg + a), simd::load(X + i * ldx + a), c);
      gW[o * in + i] += simd::reduce_add(c);
    }
  if (gb)
    for (std::size_t oo = 0; oo < out; ++oo) {
      B c(0.0);
      for (std::size_t a = 0; a < nb; a += w) c += simd::load(G + oo * ldg + a);
      gb[oo] += simd::reduce_add(c);
    }
}

/// Element-wise activation over rows [0, rows) of a block: A = f(Z), D1 = f'(Z), D2 = f''(Z)
/// (D1 and D2 may be null).
template <class Act>
void activate(const double* __restrict Z, double* __restrict A, double* __restrict D1,
              double* __restrict D2, std::size_t rows, std::size_t ld, std::size_t nb) noexcept {
  using B = simd::batch;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t a = 0; a < nb; a += simd::width) {
      const std::size_t at = r * ld + a;
      const B z = simd::load(Z + at);
      if (D1 || D2) {
        B f, d1, d2;
        Act::evaluate(z, f, d1, d2);
        simd::store(A + at, f);
        if (D1) simd::store(D1 + at, d1);
        if (D2) simd::store(D2 + at, d2);
      } else {
        simd::store(A + at, Act::value(z));
      }
    }
}

} // namespace annp::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
