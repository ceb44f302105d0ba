#pragma once
// The descriptor sets of bench_descriptors and descriptor_flops (one place): 8 radial + 16
// angular functions for Al with r_c = 6 Å in four variants, and one atom's computation.
#include <annp/descriptors/parameter_grid.hpp>
#include <annp/descriptors/symmetry_function.hpp>
#include <annp/structure/neighbor_list.hpp>

#include <vector>

namespace annp::bench {

constexpr int Al = 13;
constexpr double rc = 6.0;

inline std::vector<symmetry_function> exponential_set(sf_kind angular) {
  descriptor_recipe r;
  r.rc = rc;
  r.radial_count = 8;
  r.angular_kind = angular;
  r.angular_count = 4;
  r.zetas = {1.0, 4.0};
  return make_descriptor_functions({Al}, r);
}

// Polynomial (compact) functions with one support end r_c = 6 Å, as n2p2 types 20 and 21: the
// lower ends r_l shift the centres; four angular windows.
inline std::vector<symmetry_function> polynomial_set() {
  std::vector<symmetry_function> out;
  for (int i = 0; i < 8; ++i) {
    symmetry_function f;
    f.kind = sf_kind_of<sf_kinds::radial_compact>();
    f.center = f.e1 = Al;
    f.rc = rc;
    f.rl = -rc + 1.25 * i;
    f.core = core_function{core_kind::poly2};
    out.push_back(f);
  }
  const double windows[4][2] = {{0, 90}, {45, 135}, {90, 180}, {0, 180}};
  for (double rl : {-6.0, -3.0, 0.0, 2.0})
    for (const auto& w : windows) {
      symmetry_function f;
      f.kind = sf_kind_of<sf_kinds::angular_narrow_compact>();
      f.center = f.e1 = f.e2 = Al;
      f.rc = rc;
      f.rl = rl;
      f.angle_left = w[0];
      f.angle_right = w[1];
      f.core = core_function{core_kind::poly2};
      out.push_back(f);
    }
  return out;
}

inline std::vector<symmetry_function> chebyshev_set(int radial = 8, int angular = 16) {
  std::vector<symmetry_function> out;
  const auto orders = [&](sf_kind kind, int count) {
    for (int order = 0; order < count; ++order) {
      symmetry_function f;
      f.kind = kind;
      f.center = Al;
      f.rc = rc;
      f.order = order;
      out.push_back(f);
    }
  };
  orders(sf_kind_of<sf_kinds::chebyshev_radial>(), radial);
  orders(sf_kind_of<sf_kinds::chebyshev_angular>(), angular);
  return out;
}

/// One atom's descriptors as the benchmarks time them: its neighbourhood gathered, then
/// what = 0 values only, 1 values + full Jacobian, 2 values + contracted derivatives (with the
/// weights w); into g.
template <class Engine>
void compute_atom(const Engine& eng, typename Engine::workspace& ws, const neighbor_list& nl,
                  std::size_t i, const std::vector<int>& element, long what,
                  const std::vector<double>& w, std::vector<double>& g) {
  const std::size_t b = nl.begin(i);
  eng.gather(ws, 0, nl.count(i), nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
             nl.r().data() + b, element.data());
  if (what == 2)
    eng.compute_contracted(ws, 0, w.data(), g.data());
  else
    eng.compute(ws, 0, g.data(), what == 1);
}

} // namespace annp::bench
