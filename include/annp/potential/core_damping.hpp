#pragma once
// How annp::potential combines a short-range baseline (potential/short_range.hpp) with the
// networks, centre by centre: the damping lambda_c = 1 - prod_k (1 - S(r_k)) of the network's
// interaction energy and the centre's half of the pair terms, with their derivatives along every
// pair inside the baseline's outer radius.

#include <annp/potential/pair_list.hpp>
#include <annp/potential/short_range.hpp>

#include <cstddef>
#include <vector>

namespace annp::detail {

/// One pair entry of a centre inside the core's outer radius: dlambda/dr and the centre's half
/// of d(S V)/dr.
struct core_slope_entry {
  std::size_t entry;
  double dlambda, dpair;
};

/// lambda_c of centre c, and the centre's half of its pair terms (in pair); with slopes, the
/// derivatives of both for every entry inside the outer radius. elements: atomic numbers of the
/// model's elements; element: model element index per particle.
inline double core_lambda(const short_range& core, const std::vector<int>& elements,
                          const pair_list& p, const int* element, std::size_t c, double& pair,
                          std::vector<core_slope_entry>* slopes) {
  const int zc = elements[static_cast<std::size_t>(element[p.particle(c)])];
  pair = 0.0;
  if (slopes) slopes->clear();
  double keep = 1.0; // prod (1 - S)
  // Products excluding one factor, without division (a factor may be exactly 0).
  thread_local std::vector<double> factor, dswitch;
  factor.clear();
  dswitch.clear();
  const double reach = core.reach();
  for (std::size_t k = p.offsets[c]; k < p.offsets[c + 1]; ++k) {
    if (!(p.r[k] < reach)) continue;
    const int zk = elements[static_cast<std::size_t>(element[p.target[k]])];
    const auto [ri, ro] = core.radii(zc, zk);
    if (!(p.r[k] < ro)) continue; // beyond this element pair's radius
    double ds = 0.0, dv = 0.0;
    const double sw = short_range::switch_between(ri, ro, p.r[k], ds);
    pair += 0.5 * short_range::switched_pair(zc, zk, p.r[k], sw, ds, dv);
    keep *= 1.0 - sw;
    if (slopes) {
      slopes->push_back({k, 0.0, 0.5 * dv});
      factor.push_back(1.0 - sw);
      dswitch.push_back(ds);
    }
  }
  if (slopes) {
    const std::size_t n = factor.size();
    double before = 1.0;
    for (std::size_t a = 0; a < n; ++a) {
      double after = 1.0;
      for (std::size_t b = a + 1; b < n; ++b) after *= factor[b];
      (*slopes)[a].dlambda = dswitch[a] * before * after;
      before *= factor[a];
    }
  }
  return 1.0 - keep;
}

} // namespace annp::detail
