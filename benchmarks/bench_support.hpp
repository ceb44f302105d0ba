#pragma once
// Structures shared by the benchmarks.

#include <annp/structure/structure.hpp>

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

} // namespace annp::bench
