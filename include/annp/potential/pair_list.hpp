#pragma once
// The pair lists annp::potential evaluates over, and the assembly of forces from per-pair
// derivatives. A pair list is full (every pair seen from both centres): for centre c, entries
// offsets[c] .. offsets[c+1]-1 hold the target particle, the displacement r_target - r_centre and
// the distance. Centres are the atoms whose energy counts; particles are centres plus, for hosts
// (LAMMPS, KIM), their ghosts.

#include <annp/core/parallel.hpp>
#include <annp/potential/results.hpp>
#include <annp/structure/neighbor_list.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace annp::detail {

/// A full pair list over storage owned elsewhere. Centre c is particle centre_particle[c] (or c
/// when centre_particle is null).
struct pair_list {
  std::size_t centres = 0, particles = 0;
  const std::size_t* offsets = nullptr;
  const std::uint32_t* target = nullptr;
  const double *dx = nullptr, *dy = nullptr, *dz = nullptr, *r = nullptr;
  const std::size_t* centre_particle = nullptr;
  [[nodiscard]] std::size_t particle(std::size_t c) const noexcept {
    return centre_particle ? centre_particle[c] : c;
  }
};

/// The pair list of a structure's own neighbour list: every atom a centre, no ghosts (periodic
/// images are entries with their displacement).
inline pair_list pairs_of(const neighbor_list& nl, std::size_t atoms) {
  return {atoms,          atoms,          nl.offsets().data(), nl.index().data(),
          nl.dx().data(), nl.dy().data(), nl.dz().data(),      nl.r().data()};
}

/// The pair list of a host's contributing particles, from the host's full neighbour lists with
/// the pairs beyond the cutoff left out; its storage is b's (refilled, capacity kept).
inline pair_list host_pairs(const host_system& h, double cutoff, evaluation_buffers& b) {
  b.centre_particle.clear();
  for (std::size_t i = 0; i < h.particles; ++i)
    if (h.contributing_mask ? h.contributing_mask[i] != 0 : i < h.contributing)
      b.centre_particle.push_back(i);
  const double rc2 = cutoff * cutoff;
  b.offsets.assign(1, 0);
  b.target.clear();
  b.dx.clear();
  b.dy.clear();
  b.dz.clear();
  b.r.clear();
  for (std::size_t c : b.centre_particle) {
    int count = 0;
    const int* list = nullptr;
    h.neighbours(c, count, list);
    const double* xi = h.positions + 3 * c;
    for (int k = 0; k < count; ++k) {
      const auto j = static_cast<std::size_t>(list[k]);
      if (j == c) continue;
      const double* xj = h.positions + 3 * j;
      const double ex = xj[0] - xi[0], ey = xj[1] - xi[1], ez = xj[2] - xi[2];
      const double d2 = ex * ex + ey * ey + ez * ez;
      if (!(d2 < rc2)) continue;
      b.target.push_back(static_cast<std::uint32_t>(j));
      b.dx.push_back(ex);
      b.dy.push_back(ey);
      b.dz.push_back(ez);
      b.r.push_back(std::sqrt(d2));
    }
    b.offsets.push_back(b.target.size());
  }
  return {b.centre_particle.size(),
          h.particles,
          b.offsets.data(),
          b.target.data(),
          b.dx.data(),
          b.dy.data(),
          b.dz.data(),
          b.r.data(),
          b.centre_particle.data()};
}

/// Forces from per-entry derivatives pf (3 per pair entry: dE_centre / d r_entry): every
/// particle sums, in a fixed order, +pf of its own entries (as a centre) and -pf of the entries
/// that point at it (as a neighbour), read through a transposed list. forces: 3 * particles.
/// The transposed list lives in b.
inline void assemble_forces(const pair_list& p, const std::vector<double>& pf,
                            std::vector<double>& forces, evaluation_buffers& b) {
  const std::size_t np = p.particles, nc = p.centres, npairs = p.offsets[nc];
  auto& in_offset = b.in_offset;
  auto& incoming = b.incoming;
  auto& fill = b.fill;
  auto& centre_of = b.centre_of;
  in_offset.assign(np + 1, 0);
  for (std::size_t k = 0; k < npairs; ++k) ++in_offset[p.target[k] + 1];
  for (std::size_t i = 0; i < np; ++i) in_offset[i + 1] += in_offset[i];
  incoming.resize(npairs);
  fill.assign(in_offset.begin(), in_offset.end() - 1);
  for (std::size_t k = 0; k < npairs; ++k) incoming[fill[p.target[k]]++] = k;
  centre_of.assign(np, -1);
  for (std::size_t c = 0; c < nc; ++c) centre_of[p.particle(c)] = static_cast<std::ptrdiff_t>(c);
  forces.assign(3 * np, 0.0);
  const auto snp = static_cast<std::ptrdiff_t>(np);
  ANNP_OMP("omp parallel for schedule(static)")
  for (std::ptrdiff_t ii = 0; ii < snp; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    double f[3] = {0.0, 0.0, 0.0};
    if (centre_of[i] >= 0) {
      const auto c = static_cast<std::size_t>(centre_of[i]);
      for (std::size_t k = p.offsets[c]; k < p.offsets[c + 1]; ++k)
        for (std::size_t d = 0; d < 3; ++d) f[d] += pf[3 * k + d];
    }
    for (std::size_t q = in_offset[i]; q < in_offset[i + 1]; ++q) {
      const std::size_t k = incoming[q];
      for (std::size_t d = 0; d < 3; ++d) f[d] -= pf[3 * k + d];
    }
    for (std::size_t d = 0; d < 3; ++d) forces[3 * i + d] = f[d];
  }
}

} // namespace annp::detail
