// annp-corundum: the properties of an oxide model in the corundum structure (alpha-Al2O3, and
// likewise Cr2O3, Fe2O3) — everything docs/validation-alumina.md reports.
//
//   annp-corundum MODEL OUTDIR [REFERENCES]
//   annp-corundum --references REFERENCES
//
// MODEL       an annp model of two elements, O and the metal; several separated by commas
//             (M1,M2,...) are a committee whose mean is the calculator (a bagged model)
// OUTDIR      receives report.md (the tables) and eos.svg (the shape-relaxed equation of state)
// REFERENCES  first-principles calculations of the same properties (data/alo/references.py
//             writes them): a DFT column and the model's deviation from it. With --references
//             alone the DFT values are printed, one "key value" per line.
//
// From the experimental structure of alumina the cell and atoms are relaxed (relax_cell); then
// the relaxed-ion elastic tensor (stress-strain, +-0.5 %), the equation of state with shape and
// positions free at every volume (+-6 %, Birch-Murnaghan), the formation energy from the fcc
// metal and the O2 molecule (both relaxed with the model), neutral O and metal vacancies (30- and
// 120-atom cells, relaxed, at the metal-rich and O-rich limits of the chemical potentials) and the
// (0001) surface energy of metal-terminated stoichiometric slabs. Experimental values stand
// beside the model's for context; they are not what the model is fitted to (PBE, which the
// bundled data uses, has its own known offsets from experiment).

#include <annp/annp.hpp>
#include <annp/tools/model_list.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

std::string fmt(double v, int digits = 3) {
  if (!std::isfinite(v)) return "–"; // not defined for this model (the metal did not relax)
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// First-principles values by key (annp::corundum_references); empty without REFERENCES.
std::map<std::string, double> dft;

std::string row(const std::string& what, double model, const std::string& key,
                const std::string& context, const std::string& unit) {
  // Five significant digits (at most four decimals): c = 13.1673 Å must show the 0.01 % level
  // that a lattice constant is judged at, C11 = 452.77 GPa likewise.
  const double mag = std::abs(model) > 0 ? std::floor(std::log10(std::abs(model))) : 0.0;
  const int digits = std::clamp(4 - static_cast<int>(mag), 0, 4);
  std::string d = "–", rel = "–";
  if (const auto it = dft.find(key); it != dft.end()) {
    d = fmt(it->second, digits);
    if (it->second != 0) rel = fmt(100 * (model - it->second) / std::abs(it->second), 2) + " %";
  }
  return "| " + what + " | " + fmt(model, digits) + " | " + d + " | " + rel + " | " + context +
         " | " + unit + " |\n";
}

int print_references(const std::string& path) {
  const auto frames = annp::read_structures(path);
  for (const auto& [k, v] : annp::corundum_references(frames, "Al"))
    std::cout << k << " " << fmt(v, 6) << "\n";
  return 0;
}

int run(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--references") return print_references(argv[2]);
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: annp-corundum MODEL OUTDIR [REFERENCES]\n"
                 "       annp-corundum --references REFERENCES   (the DFT values alone)\n";
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string model_path = argv[1], out = argv[2];
  const std::string references_path = argc == 4 ? argv[3] : "";
  const std::vector<annp::any_potential> members = annp::read_model_list(model_path);
  const annp::any_potential& pot = members.front();
  const auto& el = pot.elements();
  if (el.size() != 2 || (el[0] != 8 && el[1] != 8))
    throw annp::error(model_path +
                      ": annp-corundum needs a model of O and one metal, this one "
                      "has " +
                      std::to_string(el.size()) + " element(s)");
  const int zm = el[0] == 8 ? el[1] : el[0], zo = 8;
  const std::string metal(annp::element(zm).symbol);
  if (!references_path.empty()) {
    dft = annp::corundum_references(annp::read_structures(references_path), metal);
    if (dft.empty())
      throw annp::error(references_path + ": no relaxed bulk frame (config_type reference_bulk; "
                                          "data/alo/references.py writes it)");
    dft["c/a"] = dft.at("c") / dft.at("a");
  }
  std::filesystem::create_directories(out);
  const auto stage = [&t0](const char* what) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "annp-corundum: " << fmt(t, 1) << " s: " << what << "\n";
  };

  const auto res = members.size() == 1
                       ? annp::corundum_properties(pot, zm, zo, {}, stage)
                       : annp::corundum_properties(
                             annp::committee_mean<annp::any_potential>(members), zm, zo, {}, stage);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double a = res.a, c = res.c;
  const auto C = [&](std::size_t i, std::size_t j) { return res.cij[i - 1][j - 1]; };
  const auto& eos = res.eos;

  // ---- report ------------------------------------------------------------------------------
  const std::string oxide = metal + "₂O₃";
  std::string r;
  r += "# " + oxide + " (corundum) properties of `" + model_path + "`\n\n";
  r += "Generated by `annp-corundum` in " + fmt(seconds, 0) +
       " s. Model values at 0 K without zero-point motion; the experimental values beside them "
       "(alumina, room temperature) are context, not the reference the model is fitted to.\n\n";
  r += "## Structure and elasticity\n\n| quantity | model | DFT | model − DFT | experiment "
       "(α-Al₂O₃) | "
       "unit |\n| --- | --- | --- | --- | --- | --- |\n";
  const bool alumina = zm == 13;
  const auto ctx = [&](const char* v) { return std::string(alumina ? v : "–"); };
  r += row("a", a, "a", ctx("4.759"), "Å");
  r += row("c", c, "c", ctx("12.991"), "Å");
  r += row("c/a", c / a, "c/a", ctx("2.730"), "");
  r += row("volume per formula unit", res.volume_per_formula, "V", ctx("42.47"), "Å³");
  r += row("u (metal, 12c)", res.u, "u", ctx("0.3522"), "");
  r += row("x (O, 18e)", res.x, "x", ctx("0.3064"), "");
  r += row("B0 (equation of state)", eos.b0_gpa(), "B_Reuss", ctx("254"), "GPa");
  r += row("B0'", eos.b0_prime, "", ctx("4.3"), "");
  r += row("B Reuss (from Cij)", res.bulk_reuss, "B_Reuss", ctx("253"), "GPa");
  r += row("B Voigt (from Cij)", res.bulk_voigt, "B_Voigt", ctx("254"), "GPa");
  r += row("C11", C(1, 1), "C11", ctx("497"), "GPa");
  r += row("C12", C(1, 2), "C12", ctx("163"), "GPa");
  r += row("C13", C(1, 3), "C13", ctx("116"), "GPa");
  r += row("C14", C(1, 4), "C14", ctx("±22"), "GPa");
  r += row("C33", C(3, 3), "C33", ctx("501"), "GPa");
  r += row("C44", C(4, 4), "C44", ctx("147"), "GPa");
  r += row("C66", C(6, 6), "C66", ctx("167"), "GPa");
  r += "\nElastic constants: relaxed-ion (atomic positions relaxed in every strained cell), "
       "central differences of the stress at ±0.5 % strain, a along x and c along z (the sign "
       "of C14 depends on that setting). Largest asymmetry |C_ij − C_ji| before symmetrising: " +
       fmt(res.cij_asymmetry, 3) +
       " GPa; C66 − (C11 − C12)/2 = " + fmt(C(6, 6) - 0.5 * (C(1, 1) - C(1, 2)), 3) +
       " GPa (zero by symmetry). The equation of state relaxes shape and positions at 9 "
       "pressures spanning ±6 % in volume (Birch–Murnaghan rms residual " +
       fmt(1000 * eos.rms, 3) +
       " meV/atom); its B0 is compared with the DFT Reuss modulus, which for a single crystal is "
       "the same hydrostatic response. Experiment: lattice from X-ray diffraction, elastic "
       "constants from ultrasound (Gieske and Barsch 1968; Goto et al. 1989).\n\n";

  r += "## Formation energy\n\n| quantity | model | DFT | model − DFT | experiment | unit |\n| "
       "--- | --- | --- | --- | --- | --- |\n";
  r += row("E_f(" + oxide + ") = E − 2 E(" + metal + ", fcc) − 3/2 E(O₂)", res.formation, "E_f",
           ctx("−17.37"), "eV per formula unit");
  r += row("fcc " + metal + " lattice constant", res.metal_a, "metal_a", ctx("4.05"), "Å");
  r += row("O₂ bond length", res.o2.bond, "O2_bond", "1.208", "Å");
  if (!res.metal_relaxed)
    r += "\nThe fcc metal did not relax with this model (a model fitted without metal cells need "
         "not bind the metal): the formation energy and the metal-rich limit below are not "
         "defined (–).\n";
  r += "\nExperiment: −1675.7 kJ/mol (standard enthalpy of formation, 298 K). Semi-local DFT "
       "overbinds O₂, so PBE formation energies of oxides are less negative than experiment; "
       "the model inherits PBE's.\n\n";

  r += "## Neutral vacancies\n\nE_f = E(defect) − E(perfect) + μ(removed atom), positions "
       "relaxed at fixed cell. Chemical potentials at the two ends of the oxide's stability: "
       "metal-rich μ_" +
       metal + " = E(fcc " + metal + ") = " + fmt(res.mu_metal_rich_m, 4) + " eV, μ_O = (E(" +
       oxide + ") − 2 μ_" + metal + ")/3 = " + fmt(res.mu_metal_rich_o, 4) +
       " eV; O-rich μ_O = E(O₂)/2 = " + fmt(res.mu_oxygen_rich_o, 4) + " eV, μ_" + metal +
       " = (E(" + oxide + ") − 3 μ_O)/2 = " + fmt(res.mu_oxygen_rich_m, 4) + " eV.\n\n";
  r += "| vacancy | unrelaxed, metal-rich | relaxed, metal-rich | relaxed, O-rich | unit |\n| --- "
       "| --- | --- | --- | --- |\n";
  for (const auto& v : res.vacancies)
    r += "| V_" + (v.oxygen ? std::string("O") : metal) + ", " + std::to_string(v.atoms + 1) +
         "-atom cell | " + fmt(v.unrelaxed_metal_rich, 3) + " | " + fmt(v.metal_rich, 3) + " | " +
         fmt(v.oxygen_rich, 3) + " | eV |\n";
  for (const auto& [key, what] :
       {std::pair<std::string, std::string>{"V_O", "V_O"}, {"V_M", "V_" + metal}})
    if (dft.count(key + "_metal_rich"))
      r += "| " + what + ", 30-atom cell, **DFT** | – | " + fmt(dft.at(key + "_metal_rich"), 3) +
           " | " + fmt(dft.at(key + "_O_rich"), 3) + " | eV |\n";
  r += "\n## (0001) surface\n\nMetal-terminated stoichiometric slabs (a single metal layer "
       "outermost on each side), 15 Å of vacuum, γ = (E_slab − n E_bulk) / 2A, positions "
       "relaxed at fixed cell:\n\n| slab | atoms | unrelaxed | relaxed | unit |\n| --- | --- | "
       "--- | --- | --- |\n";
  for (const auto& s : res.slabs)
    r += "| " + std::to_string(6 * s.repeats) + " O₃ layers | " + std::to_string(s.atoms) + " | " +
         fmt(s.gamma.unrelaxed, 3) + " | " + fmt(s.gamma.relaxed, 3) + " | J/m² |\n";
  if (dft.count("gamma_unrelaxed"))
    r += "| 6 O₃ layers, **DFT** | 30 | " + fmt(dft.at("gamma_unrelaxed"), 3) + " | " +
         (dft.count("gamma_relaxed") ? fmt(dft.at("gamma_relaxed"), 3) : std::string("–")) +
         " | J/m² |\n";
  annp::write_file_atomically(out + "/report.md", r);

  annp::plot plot;
  plot.title = oxide + ": energy per atom against volume (shape and positions relaxed)";
  plot.xlabel = "volume per atom (Å³)";
  plot.ylabel = "E − E0 (meV/atom)";
  std::vector<double> de, fit_v, fit_e;
  const auto& volumes = res.eos_volumes;
  for (double e : res.eos_energies) de.push_back(1000 * (e - eos.e0));
  for (int k = 0; k <= 60; ++k) {
    const double v = volumes.front() + (volumes.back() - volumes.front()) * k / 60.0;
    fit_v.push_back(v);
    fit_e.push_back(1000 * (eos.energy(v) - eos.e0));
  }
  plot.series.push_back({"Birch–Murnaghan fit", fit_v, fit_e, false, ""});
  plot.series.push_back({"model", volumes, de, true, ""});
  annp::write_svg(out + "/eos.svg", plot);
  std::cout << r;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "annp-corundum: " << e.what() << "\n";
    return 1;
  }
}
