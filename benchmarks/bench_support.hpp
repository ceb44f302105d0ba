#pragma once
// Structures shared by the benchmarks.

#include <annp/core/simd.hpp>
#include <annp/structure/structure.hpp>

#include <benchmark/benchmark.h>

#include <random>

namespace annp::bench {

/// fcc Al (a = 4.05 Å) of cells^3 conventional cells, atoms displaced by up to `rattle` Å.
inline structure fcc_rattled(std::size_t cells, double rattle = 0.1, double a = 4.05,
                             unsigned seed = 1) {
  structure s;
  const double l = a * static_cast<double>(cells);
  s.cell = mat3{{{l, 0, 0}, {0, l, 0}, {0, 0, l}}};
  s.pbc = {true, true, true};
  const std::size_t n = 4 * cells * cells * cells;
  s.numbers.assign(n, 13);
  s.positions = xt::zeros<double>({n, std::size_t{3}});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-rattle, rattle);
  const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  std::size_t k = 0;
  for (std::size_t x = 0; x < cells; ++x)
    for (std::size_t y = 0; y < cells; ++y)
      for (std::size_t z = 0; z < cells; ++z)
        for (const auto& b : basis) {
          s.positions(k, 0) = a * (static_cast<double>(x) + b[0]) + d(rng);
          s.positions(k, 1) = a * (static_cast<double>(y) + b[1]) + d(rng);
          s.positions(k, 2) = a * (static_cast<double>(z) + b[2]) + d(rng);
          ++k;
        }
  return s;
}

/// Twelve independent chains of fused multiply-adds on full SIMD registers (enough to hide the
/// FMA latency): the known work behind peak_fma and the check of count_flops.py.
struct fma_chains {
  static constexpr int count = 12;
  simd::batch acc[count];
  fma_chains() {
    for (int k = 0; k < count; ++k) acc[k] = simd::batch(1.0 + k * 1e-3);
  }
  /// reps x 12 FMAs, 2 flops per lane each.
  void run(std::int64_t reps) {
    const simd::batch m(0.999999), c(1e-7);
    for (std::int64_t r = 0; r < reps; ++r)
      for (auto& a : acc) a = simd::fma(a, m, c);
  }
  [[nodiscard]] static double flops(std::int64_t reps) {
    return 2.0 * count * static_cast<double>(simd::width) * static_cast<double>(reps);
  }
};

/// FMA peak of one core (fma_chains). Counter GFLOPs; benchmarks that report a fraction of the
/// peak register this next to their kernels and compare within one run.
inline void peak_fma(benchmark::State& state) {
  fma_chains chains;
  const std::int64_t reps = 1 << 16;
  for (auto _ : state) {
    chains.run(reps);
    benchmark::DoNotOptimize(chains.acc);
  }
  state.counters["GFLOPs"] = benchmark::Counter(fma_chains::flops(reps) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

} // namespace annp::bench
