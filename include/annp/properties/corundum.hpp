#pragma once
// The properties of an oxide in the corundum structure (alpha-Al2O3, Cr2O3, Fe2O3) for any
// calculator: relaxed lattice and internal parameters, relaxed-ion elastic tensor, the
// shape-relaxed equation of state, the formation energy from the fcc metal and O2, neutral
// vacancies at the two limits of the chemical potentials, and the metal-terminated (0001)
// surface energy. annp-corundum writes them as docs/validation-alumina.md's report.

#include <annp/properties/properties.hpp>

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace annp {

struct corundum_options {
  double a = 4.759, c = 12.991, u = 0.3522, x = 0.3064; ///< starting structure (alumina, exp.)
  double metal_a = 4.05;                                ///< starting fcc lattice constant, Å
  double o2_bond = 1.23;                                ///< starting O2 bond length, Å
  double strain = 0.005;                                ///< elastic constants: +-strain
  double eos_range = 0.06;                              ///< equation of state: +-range in V
  std::size_t eos_points = 9;
  std::vector<std::array<std::size_t, 3>> vacancy_cells = {{1, 1, 1}, {2, 2, 1}};
  std::vector<std::size_t> slab_repeats = {1, 2}; ///< hexagonal cells per (0001) slab
  double vacuum = 15.0;                           ///< Å between slab images
};

struct corundum_vacancy {
  std::size_t atoms = 0;    ///< in the defect cell
  bool oxygen = false;      ///< O vacancy (else metal)
  vacancy_result raw;       ///< E(defect) - E(perfect), eV
  double metal_rich = 0.0;  ///< relaxed formation energy, metal-rich limit, eV
  double oxygen_rich = 0.0; ///< relaxed formation energy, O-rich limit, eV
  double unrelaxed_metal_rich = 0.0;
};

struct corundum_slab {
  std::size_t repeats = 0, atoms = 0;
  surface_result gamma; ///< J/m²
};

struct corundum_result {
  structure cell; ///< the relaxed 30-atom hexagonal cell
  double a = 0, c = 0, u = 0, x = 0;
  double volume_per_formula = 0;         ///< Å³
  double energy_per_formula = 0;         ///< eV
  voigt_matrix cij{};                    ///< relaxed-ion, symmetrised, GPa
  double cij_asymmetry = 0;              ///< largest |C_ij - C_ji| before symmetrising, GPa
  double bulk_reuss = 0, bulk_voigt = 0; ///< GPa
  birch_murnaghan eos;
  std::vector<double> eos_volumes, eos_energies; ///< per atom
  double metal_energy = 0, metal_a = 0;          ///< fcc metal, eV/atom and Å
  dimer_result o2;
  double formation = 0; ///< E - 2 E(metal) - 3/2 E(O2), eV per formula unit
  double mu_metal_rich_m = 0, mu_metal_rich_o = 0, mu_oxygen_rich_m = 0, mu_oxygen_rich_o = 0;
  std::vector<corundum_vacancy> vacancies;
  std::vector<corundum_slab> slabs;
};

namespace detail {
inline double wrap_fraction(double f) { return f - std::round(f); }
inline double fractional(const structure& s, std::size_t i, std::size_t axis) {
  return (s.position(i) * inverse(s.cell))[axis];
}
} // namespace detail

/// Everything above for the oxide of metal z_metal with O (z_oxygen). `progress`, when given, is
/// called with the name of each stage as it starts. Throws annp::error when the crystal, the
/// metal or the molecule does not relax (the calculator has no minimum near the structure).
template <calculator C>
[[nodiscard]] corundum_result
corundum_properties(const C& calc, int z_metal, int z_oxygen = 8, const corundum_options& o = {},
                    const std::function<void(const char*)>& progress = {}) {
  const auto stage = [&](const char* what) {
    if (progress) progress(what);
  };
  corundum_result res;
  stage("relaxing the corundum cell");
  res.cell = crystal::corundum(z_metal, z_oxygen, o.a, o.c, o.u, o.x);
  const auto relaxed = relax_cell(calc, res.cell);
  if (!relaxed.converged)
    throw error("corundum did not relax (largest stress " +
                std::to_string(relaxed.max_stress * units::eV_per_A3_in_GPa) + " GPa, force " +
                std::to_string(relaxed.max_force) + " eV/Å): no corundum minimum near the start");
  const structure& bulk = res.cell;
  res.a = norm(bulk.cell[0]);
  res.c = bulk.cell[2][2];
  res.volume_per_formula = bulk.volume() / 6;
  res.energy_per_formula = relaxed.energy / 6;
  // The metal at (0, 0, u) and the O at (x, 0, 1/4) of crystal::corundum (atoms 0 and 12),
  // measured from each other so that a rigid shift of the crystal does not enter.
  res.u = 0.25 +
          detail::wrap_fraction(detail::fractional(bulk, 0, 2) - detail::fractional(bulk, 12, 2));
  res.x = detail::wrap_fraction(detail::fractional(bulk, 12, 0) - detail::fractional(bulk, 0, 0));

  stage("elastic tensor");
  res.cij = elastic_tensor(calc, bulk, o.strain, true);
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      res.cij_asymmetry = std::max(res.cij_asymmetry, std::abs(res.cij[i][j] - res.cij[j][i]));
      res.cij[i][j] = res.cij[j][i] = 0.5 * (res.cij[i][j] + res.cij[j][i]);
    }
  res.bulk_reuss = reuss_bulk_modulus(res.cij) * units::eV_per_A3_in_GPa;
  for (auto& row : res.cij)
    for (double& v : row) v *= units::eV_per_A3_in_GPa;
  res.cij_asymmetry *= units::eV_per_A3_in_GPa;
  const auto& k = res.cij;
  res.bulk_voigt = (k[0][0] + k[1][1] + k[2][2] + 2 * (k[0][1] + k[0][2] + k[1][2])) / 9;

  stage("equation of state");
  res.eos = equation_of_state_relaxed(calc, bulk, o.eos_range, o.eos_points, &res.eos_volumes,
                                      &res.eos_energies);

  stage("fcc metal and O2");
  structure fcc = crystal::fcc(z_metal, o.metal_a);
  const auto m = relax_cell(calc, fcc);
  if (!m.converged) throw error("the fcc metal did not relax");
  res.metal_energy = m.energy;
  res.metal_a = std::cbrt(4 * fcc.volume());
  res.o2 = dimer_minimum(calc, z_oxygen, o.o2_bond);
  res.formation = res.energy_per_formula - 2 * res.metal_energy - 1.5 * res.o2.energy;
  res.mu_metal_rich_m = res.metal_energy;
  res.mu_metal_rich_o = (res.energy_per_formula - 2 * res.metal_energy) / 3;
  res.mu_oxygen_rich_o = res.o2.energy / 2;
  res.mu_oxygen_rich_m = (res.energy_per_formula - 3 * res.mu_oxygen_rich_o) / 2;

  stage("vacancies");
  for (const auto& n : o.vacancy_cells) {
    const structure host = crystal::repeat(bulk, n[0], n[1], n[2]);
    for (const bool oxygen : {true, false}) {
      corundum_vacancy v;
      v.oxygen = oxygen;
      v.raw = vacancy_energy(calc, host, oxygen ? 12 : 0);
      v.atoms = v.raw.atoms;
      const double mr = oxygen ? res.mu_metal_rich_o : res.mu_metal_rich_m;
      const double orich = oxygen ? res.mu_oxygen_rich_o : res.mu_oxygen_rich_m;
      v.metal_rich = v.raw.relaxed + mr;
      v.oxygen_rich = v.raw.relaxed + orich;
      v.unrelaxed_metal_rich = v.raw.unrelaxed + mr;
      res.vacancies.push_back(v);
    }
  }

  stage("(0001) slabs");
  for (const std::size_t n : o.slab_repeats) {
    double area = 0;
    const structure slab = crystal::corundum_0001_slab(bulk, n, o.vacuum, area);
    res.slabs.push_back(
        {n, slab.size(), surface_energy(calc, slab, static_cast<double>(n) * relaxed.energy)});
  }
  return res;
}

} // namespace annp
