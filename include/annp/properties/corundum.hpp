#pragma once
// The properties of an oxide in the corundum structure (alpha-Al2O3, Cr2O3, Fe2O3) for any
// calculator: relaxed lattice and internal parameters, relaxed-ion elastic tensor, the
// shape-relaxed equation of state, the formation energy from the fcc metal and O2, neutral
// vacancies at the two limits of the chemical potentials, and the metal-terminated (0001)
// surface energy. annp-corundum writes them as docs/validation-alumina.md's report.

#include <annp/properties/properties.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
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
  /// fcc metal, eV/atom and Å; NaN, like the formation energy and the metal-rich chemical
  /// potentials, when the metal does not relax with this calculator (an oxide-only model).
  double metal_energy = 0, metal_a = 0;
  bool metal_relaxed = true;
  dimer_result o2;
  double formation = 0; ///< E - 2 E(metal) - 3/2 E(O2), eV per formula unit
  double mu_metal_rich_m = 0, mu_metal_rich_o = 0, mu_oxygen_rich_m = 0, mu_oxygen_rich_o = 0;
  std::vector<corundum_vacancy> vacancies;
  std::vector<corundum_slab> slabs;
};

struct corundum_parameters {
  double a = 0, c = 0, u = 0, x = 0; ///< Å, Å, fractional (metal 12c), fractional (O 18e)
};

/// a, c, u, x of a corundum structure: the 30-atom hexagonal cell (crystal::corundum, c along the
/// third vector) or the 10-atom rhombohedral one (whose vectors r1, r2, r3 give the hexagonal
/// a1 = r1 - r2, a2 = r2 - r3, c = r1 + r2 + r3). x: the in-plane distance of an O from the
/// nearest three-fold axis of metal atoms, over a; u: 1/4 plus the height of the nearest metal on
/// that axis above or below the O, over c.
[[nodiscard]] inline corundum_parameters measure_corundum(const structure& s, int z_oxygen = 8) {
  mat3 hex = s.cell;
  if (s.size() == 10)
    hex = {{s.cell[0] - s.cell[1], s.cell[1] - s.cell[2], s.cell[0] + s.cell[1] + s.cell[2]}};
  else if (s.size() != 30)
    throw error("measure_corundum: expected a 10- or 30-atom corundum cell, got " +
                std::to_string(s.size()) + " atoms");
  corundum_parameters p;
  p.a = 0.5 * (norm(hex[0]) + norm(hex[1]));
  p.c = norm(hex[2]);
  const vec3 ez = (1 / p.c) * hex[2];
  const auto o = static_cast<std::size_t>(std::find(s.numbers.begin(), s.numbers.end(), z_oxygen) -
                                          s.numbers.begin());
  if (o == s.size()) throw error("measure_corundum: no oxygen in the structure");
  double best_r = std::numeric_limits<double>::infinity(), best_h = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.numbers[i] == z_oxygen) continue;
    for (int n0 = -2; n0 <= 2; ++n0)
      for (int n1 = -2; n1 <= 2; ++n1)
        for (int n2 = -2; n2 <= 2; ++n2) {
          const vec3 d = s.position(i) + static_cast<double>(n0) * s.cell[0] +
                         static_cast<double>(n1) * s.cell[1] + static_cast<double>(n2) * s.cell[2] -
                         s.position(o);
          const double h = dot(d, ez), r = norm(d - h * ez);
          if (r < best_r - 1e-6 ||
              (std::abs(r - best_r) < 1e-6 && std::abs(h) < std::abs(best_h))) {
            best_r = r;
            best_h = h;
          }
        }
  }
  p.x = best_r / p.a;
  p.u = 0.25 + std::abs(best_h) / p.c;
  return p;
}

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
  const auto par = measure_corundum(bulk, z_oxygen);
  res.u = par.u;
  res.x = par.x;

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
  // A model fitted to the oxide alone need not bind the metal: report everything that does not
  // depend on it (the O-rich limit needs only O2) rather than nothing.
  constexpr double undefined = std::numeric_limits<double>::quiet_NaN();
  res.metal_relaxed = m.converged;
  res.metal_energy = m.converged ? m.energy : undefined;
  res.metal_a = m.converged ? std::cbrt(4 * fcc.volume()) : undefined;
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

/// The same properties from first-principles reference frames (data/alo/references.py writes
/// them: config_type reference_<name>, energies in eV, stress in eV/Å³ tensile positive): bulk
/// (relaxed 10-atom cell), strain{0,2,3}{+,-} (relaxed-ion strains xx, zz, yz of +-strain),
/// fcc_al, o2, perfect30, vacancy_O, vacancy_<metal>, slab0001, slab0001_relaxed. Returns what the
/// frames present allow, under the keys (annp-corundum --references prints them) a, c, u, x, V,
/// C11, C12, C13, C14, C33, C44, C66, C31, C41, B_Reuss, B_Voigt, E_f, metal_a, O2_bond,
/// V_O_metal_rich, V_O_O_rich, V_M_metal_rich, V_M_O_rich, gamma_unrelaxed, gamma_relaxed (Å, GPa,
/// eV, J/m²).
[[nodiscard]] inline std::map<std::string, double>
corundum_references(const std::vector<structure>& frames, const std::string& metal,
                    double strain = 0.005, int z_oxygen = 8) {
  std::map<std::string, const structure*> f;
  for (const auto& s : frames)
    if (s.config_type.rfind("reference_", 0) == 0 && s.energy) f[s.config_type.substr(10)] = &s;
  std::map<std::string, double> out;
  const auto has = [&](std::initializer_list<const char*> names) {
    return std::all_of(names.begin(), names.end(), [&](const char* n) { return f.count(n) > 0; });
  };
  if (!has({"bulk"})) return out;
  const structure& bulk = *f.at("bulk");
  const double units_per_formula = static_cast<double>(bulk.size()) / 5;
  const auto par = measure_corundum(bulk, z_oxygen);
  const double e_fu = *bulk.energy / units_per_formula;
  out["a"] = par.a;
  out["c"] = par.c;
  out["u"] = par.u;
  out["x"] = par.x;
  out["V"] = bulk.volume() / units_per_formula;
  if (has({"strain0+", "strain0-", "strain2+", "strain2-", "strain3+", "strain3-"})) {
    const auto d = [&](int k, std::size_t i) {
      const std::string n = "strain" + std::to_string(k);
      const auto& p = f.at(n + "+")->stress;
      const auto& m = f.at(n + "-")->stress;
      if (!p || !m) throw error("corundum_references: strained frame without stress");
      return (detail::voigt(*p)[i] - detail::voigt(*m)[i]) / (2 * strain) * units::eV_per_A3_in_GPa;
    };
    voigt_matrix c{};
    const double c11 = d(0, 0), c12 = d(0, 1), c13 = d(0, 2), c14 = d(0, 3), c33 = d(2, 2),
                 c44 = d(3, 3), c66 = (c11 - c12) / 2;
    c[0][0] = c[1][1] = c11;
    c[0][1] = c[1][0] = c12;
    c[0][2] = c[2][0] = c[1][2] = c[2][1] = c13;
    c[2][2] = c33;
    c[3][3] = c[4][4] = c44;
    c[5][5] = c66;
    c[0][3] = c[3][0] = c[4][5] = c[5][4] = c14;
    c[1][3] = c[3][1] = -c14;
    out["C11"] = c11;
    out["C12"] = c12;
    out["C13"] = c13;
    out["C14"] = c14;
    out["C33"] = c33;
    out["C44"] = c44;
    out["C66"] = c66;
    out["C31"] = d(2, 0);
    out["C41"] = d(3, 0);
    out["B_Reuss"] = reuss_bulk_modulus(c);
    out["B_Voigt"] = (2 * c11 + c33 + 2 * (c12 + 2 * c13)) / 9;
  }
  if (has({"fcc_al", "o2"})) {
    const double e_m = *f.at("fcc_al")->energy / static_cast<double>(f.at("fcc_al")->size());
    const double e_o2 = *f.at("o2")->energy;
    out["E_f"] = e_fu - 2 * e_m - 1.5 * e_o2;
    out["metal_a"] =
        std::cbrt(4 * f.at("fcc_al")->volume() / static_cast<double>(f.at("fcc_al")->size()));
    out["O2_bond"] = norm(f.at("o2")->position(1) - f.at("o2")->position(0));
    if (has({"perfect30"})) {
      const double e_p = *f.at("perfect30")->energy;
      const double mu_o_m = (e_fu - 2 * e_m) / 3, mu_o_o = e_o2 / 2,
                   mu_m_o = (e_fu - 1.5 * e_o2) / 2;
      if (f.count("vacancy_O")) {
        const double raw = *f.at("vacancy_O")->energy - e_p;
        out["V_O_metal_rich"] = raw + mu_o_m;
        out["V_O_O_rich"] = raw + mu_o_o;
      }
      if (f.count("vacancy_" + metal)) {
        const double raw = *f.at("vacancy_" + metal)->energy - e_p;
        out["V_M_metal_rich"] = raw + e_m;
        out["V_M_O_rich"] = raw + mu_m_o;
      }
    }
  }
  for (const auto& [name, key] :
       {std::pair<std::string, std::string>{"slab0001", "gamma_unrelaxed"},
        {"slab0001_relaxed", "gamma_relaxed"}})
    if (f.count(name)) {
      const structure& slab = *f.at(name);
      const double area = norm(cross(slab.cell[0], slab.cell[1]));
      const double n_fu = static_cast<double>(slab.size()) / 5;
      out[key] = (*slab.energy - n_fu * e_fu) / (2 * area) * units::eV_per_A2_in_J_per_m2;
    }
  return out;
}

} // namespace annp
