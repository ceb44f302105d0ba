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

/// FMA peak of one core: 12 independent accumulator chains of fused multiply-adds on full SIMD
/// registers hide the FMA latency. Counter GFLOPs, 2 flops per lane and FMA; benchmarks that
/// report a fraction of the peak register this next to their kernels and compare within one run.
inline void peak_fma(benchmark::State& state) {
  using B = simd::batch;
  B acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = B(1.0 + k * 1e-3);
  const B m(0.999999), c(1e-7);
  const std::int64_t reps = 1 << 16;
  for (auto _ : state) {
    for (std::int64_t r = 0; r < reps; ++r)
      for (auto& a : acc) a = simd::fma(a, m, c);
    benchmark::DoNotOptimize(acc);
  }
  const double flops = 2.0 * 12.0 * static_cast<double>(simd::width) * static_cast<double>(reps);
  state.counters["GFLOPs"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

} // namespace annp::bench
