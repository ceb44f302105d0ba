// annp-properties: physical properties of a model against the first-principles data.
//
//   annp-properties MODEL DATA OUTDIR [REFERENCES]
//   annp-properties MODEL1,MODEL2,... DATA OUTDIR [REFERENCES]     (a committee)
//
// MODEL       an annp model file (one element); several, comma-separated, are a committee whose
//             mean energy, forces and stress are the calculator (relaxations follow the mean)
// DATA        the labelled structures (extended XYZ or input.data) holding the reference volume
//             scans (config_type <lattice>_volume) and slabs (fcc100_slab, fcc111_slab)
// OUTDIR      receives report.md (the tables), eos.svg (energy-volume curves, model lines and
//             DFT points), eos_<lattice>.svg and parity.svg (model vs DFT energy per atom)
// REFERENCES  first-principles calculations of the fcc properties on the geometries used here
//             (data/al/v2/references.py writes them: config_type reference_<name>)
//
// Equations of state are fitted (third-order Birch-Murnaghan) to the DFT energies of each scan
// and to the model's energies of exactly the same structures, so both sides see the same
// cells. Elastic constants, vacancy formation, relaxed surfaces and the stacking fault are
// compared with REFERENCES where given (each side at its own lattice constant); without it, and
// for phonons, they are reported for the model alone. Numbers: docs/validation.md.

#include <annp/annp.hpp>
#include <annp/tools/model_list.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

struct scan {
  std::string name; // e.g. "fcc", "hcp c/a=1.633"
  std::string lattice;
  std::vector<const annp::structure*> structures;
  annp::birch_murnaghan dft, model;
  std::size_t fitted = 0; // points within the fit range
  std::vector<double> volume, e_dft, e_model;
};

int atoms_per_cubic_cell(const std::string& lattice) {
  if (lattice == "fcc") return 4;
  if (lattice == "bcc") return 2;
  if (lattice == "diamond") return 8;
  return 1; // sc
}

std::string fmt(double v, int digits = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string row(const std::string& what, double dft, double model, int digits,
                const std::string& unit) {
  const double rel = dft != 0 ? 100.0 * (model - dft) / std::abs(dft) : 0.0;
  return "| " + what + " | " + fmt(dft, digits) + " | " + fmt(model, digits) + " | " +
         fmt(model - dft, digits) + " | " + (dft != 0 ? fmt(rel, 1) + " %" : "–") + " | " + unit +
         " |\n";
}

// The fcc properties from first-principles reference calculations (data/al/v2/references.py):
// the same formulas as the model's side (include/annp/properties/properties.hpp).
struct fcc_references {
  std::map<std::string, const annp::structure*> frame; // by name (config_type reference_<name>)
  std::string path;

  explicit fcc_references(const std::vector<annp::structure>& data, std::string p)
      : path(std::move(p)) {
    const std::string prefix = "reference_";
    for (const auto& s : data)
      if (s.config_type.rfind(prefix, 0) == 0 && s.energy)
        frame[s.config_type.substr(prefix.size())] = &s;
    if (frame.empty())
      throw annp::error(path + ": no frames with config_type reference_<name> (expected the "
                               "output of data/al/v2/references.py)");
  }
  [[nodiscard]] bool has(std::initializer_list<const char*> names) const {
    for (const char* n : names)
      if (frame.count(n) == 0) return false;
    return true;
  }
  [[nodiscard]] double energy(const std::string& n) const { return *frame.at(n)->energy; }
  [[nodiscard]] const annp::mat3& stress(const std::string& n) const {
    const auto* s = frame.at(n);
    if (!s->stress) throw annp::error(path + ": reference " + n + " has no stress");
    return *s->stress;
  }
  [[nodiscard]] double a0() const { return annp::norm(frame.at("fcc")->cell[0]) * std::sqrt(2.0); }
  // Strain of a strained primitive cell (rows (0,h,h), (h,0,h), (h,h,0) times (I + eps)^T).
  [[nodiscard]] double strain_xx(const std::string& n) const {
    return frame.at(n)->cell[1][0] / frame.at("fcc")->cell[1][0] - 1;
  }
  [[nodiscard]] double shear_yz(const std::string& n) const { // engineering: 2 eps_yz
    return 2 * frame.at(n)->cell[1][1] / frame.at("fcc")->cell[1][0];
  }
  [[nodiscard]] annp::cubic_elastic_constants elastic() const {
    const double d = 0.5 * (strain_xx("xx+") - strain_xx("xx-"));
    const double g = 0.5 * (shear_yz("yz+") - shear_yz("yz-"));
    const double k = annp::units::eV_per_A3_in_GPa;
    annp::cubic_elastic_constants c;
    c.c11 = (stress("xx+")[0][0] - stress("xx-")[0][0]) / (2 * d) * k;
    c.c12 = (stress("xx+")[1][1] - stress("xx-")[1][1]) / (2 * d) * k;
    c.c44 = (stress("yz+")[1][2] - stress("yz-")[1][2]) / (2 * g) * k;
    return c;
  }
  [[nodiscard]] double vacancy(const std::string& n) const {
    const double sites = static_cast<double>(frame.at("perfect32")->size());
    return energy(n) - (sites - 1) / sites * energy("perfect32");
  }
  [[nodiscard]] double area(const std::string& n) const {
    return annp::norm(annp::cross(frame.at(n)->cell[0], frame.at(n)->cell[1]));
  }
  [[nodiscard]] double surface(const std::string& n) const { // J/m²
    const double atoms = static_cast<double>(frame.at(n)->size());
    return (energy(n) - atoms * energy("fcc")) / (2 * area(n)) * annp::units::eV_per_A2_in_J_per_m2;
  }
  [[nodiscard]] double fault(const std::string& n) const { // mJ/m²
    return (energy(n) - energy("fault0")) / area(n) * 1000 * annp::units::eV_per_A2_in_J_per_m2;
  }
};

// Every table and plot for one calculator: an annp potential or a committee's mean.
template <class Calculator>
int report_properties(const Calculator& pot, int z, const std::string& model_path,
                      const std::string& data_path, const std::string& out,
                      const std::string& references_path) {
  const double mass = annp::atomic_mass(z);
  const auto data = annp::read_structures(data_path);

  // ---- equations of state: DFT and model on the same structures -------------------------
  std::map<std::string, scan> scans;
  for (const auto& s : data) {
    const auto& t = s.config_type;
    const auto pos = t.find("_volume");
    if (pos == std::string::npos || !s.energy) continue;
    std::string lattice = t.substr(0, pos), name = lattice;
    if (lattice == "hcp") {
      const double ca = annp::norm(s.cell[2]) / annp::norm(s.cell[0]);
      name = "hcp c/a=" + fmt(ca, 3);
    }
    auto& sc = scans[name];
    sc.name = name;
    sc.lattice = lattice;
    sc.structures.push_back(&s);
  }
  if (scans.count("fcc") == 0)
    throw annp::error(data_path + ": no fcc_volume structures: the fcc reference is needed");
  // The scans span +-15 % in lattice constant; a third-order Birch-Murnaghan form describes
  // E(V) well only near the minimum, so the fits use the points within +-fit_range in volume of
  // the lowest DFT point (both sides the same points; plots show all of them).
  const double fit_range = 0.12;
  for (auto& [name, sc] : scans) {
    for (const auto* s : sc.structures) {
      const double n = static_cast<double>(s->size());
      sc.volume.push_back(s->volume() / n);
      sc.e_dft.push_back(*s->energy / n);
      sc.e_model.push_back(pot.compute(*s).energy / n);
    }
    const auto lowest = static_cast<std::size_t>(
        std::min_element(sc.e_dft.begin(), sc.e_dft.end()) - sc.e_dft.begin());
    std::vector<double> v, ed, em;
    for (std::size_t k = 0; k < sc.volume.size(); ++k)
      if (std::abs(sc.volume[k] / sc.volume[lowest] - 1) <= fit_range) {
        v.push_back(sc.volume[k]);
        ed.push_back(sc.e_dft[k]);
        em.push_back(sc.e_model[k]);
      }
    sc.fitted = v.size();
    sc.dft = annp::fit_birch_murnaghan(v, ed);
    sc.model = annp::fit_birch_murnaghan(v, em);
  }
  const auto& fcc = scans.at("fcc");
  // The lowest hcp (over the c/a values of the data).
  const scan* hcp = nullptr;
  for (const auto& [name, sc] : scans)
    if (sc.lattice == "hcp" && (!hcp || sc.dft.e0 < hcp->dft.e0)) hcp = &sc;

  std::string report;
  report += "# Properties of `" + model_path + "` against `" + data_path + "`\n\n";
  report +=
      "Generated by `annp-properties` (scripts/validate). DFT: GPAW, PBE (data/al/README.md).\n\n";
  report += "## Equations of state (Birch–Murnaghan fits to the same structures)\n\n";
  report += "| quantity | DFT | model | model − DFT | relative | unit |\n| --- | --- | --- | --- | "
            "--- | --- |\n";
  for (const auto& [name, sc] : scans) {
    if (sc.lattice != "hcp") {
      const double k = atoms_per_cubic_cell(sc.lattice);
      report += row(name + " a0", std::cbrt(k * sc.dft.v0), std::cbrt(k * sc.model.v0), 4, "Å");
    }
    report += row(name + " V0", sc.dft.v0, sc.model.v0, 3, "Å³/atom");
    report += row(name + " B0", sc.dft.b0_gpa(), sc.model.b0_gpa(), 1, "GPa");
    report += row(name + " B0'", sc.dft.b0_prime, sc.model.b0_prime, 2, "");
    if (name != "fcc")
      report += row(name + " E0 − E0(fcc)", 1000 * (sc.dft.e0 - fcc.dft.e0),
                    1000 * (sc.model.e0 - fcc.model.e0), 1, "meV/atom");
  }
  report += "\nFits use the points within ±12 % in volume of the lowest DFT point. Points and rms "
            "residuals of the fits (meV/atom, DFT / model): ";
  for (const auto& [name, sc] : scans)
    report += name + " " + std::to_string(sc.fitted) + " points, " + fmt(1000 * sc.dft.rms, 2) +
              " / " + fmt(1000 * sc.model.rms, 2) + "; ";
  report += "\n";
  if (hcp)
    report += "\nhcp − fcc (lowest c/a of the data, " + hcp->name + "): DFT " +
              fmt(1000 * (hcp->dft.e0 - fcc.dft.e0), 1) + ", model " +
              fmt(1000 * (hcp->model.e0 - fcc.model.e0), 1) + " meV/atom.\n";

  // ---- surfaces on the bundled slab geometry --------------------------------------------
  report += "\n## Surface energies on the bundled slab geometry\n\n";
  report += "γ = (E_slab − N e_fcc) / 2A for the lowest-energy (least rattled) 5-layer slab of "
            "each facet in the data, e_fcc from each side's fcc fit at the slab's lattice "
            "constant. The slabs are rattled and thin: this compares model and DFT on the same "
            "geometry, it is not a converged surface energy.\n\n";
  report += "| quantity | DFT | model | model − DFT | relative | unit |\n| --- | --- | --- | --- | "
            "--- | --- |\n";
  for (const std::string facet : {"fcc100_slab", "fcc111_slab"}) {
    const annp::structure* best = nullptr;
    for (const auto& s : data)
      if (s.config_type == facet && s.energy && (!best || *s.energy < *best->energy)) best = &s;
    if (!best) continue;
    const double a = annp::norm(best->cell[0]) * std::sqrt(2.0);
    const double v = a * a * a / 4;
    const double area = annp::norm(annp::cross(best->cell[0], best->cell[1]));
    const double n = static_cast<double>(best->size());
    const double k = annp::units::eV_per_A2_in_J_per_m2 / (2 * area);
    const double g_dft = (*best->energy - n * fcc.dft.energy(v)) * k;
    const double g_model = (pot.compute(*best).energy - n * fcc.model.energy(v)) * k;
    report += row(facet.substr(3, 3) + " γ (bundled slab)", g_dft, g_model, 3, "J/m²");
  }

  // ---- model-only properties ------------------------------------------------------------
  const double a0 = std::cbrt(4 * fcc.model.v0);
  const auto c = annp::elastic_constants_cubic(pot, annp::crystal::fcc(z, a0));
  const auto vac = annp::vacancy_formation_fcc(pot, z, a0, 3);
  const auto s100 = annp::surface_energy_fcc(pot, z, a0, "100", 9);
  const auto s111 = annp::surface_energy_fcc(pot, z, a0, "111", 9);
  const auto ph = annp::phonons_fcc(pot, z, a0, mass);
  const auto sf = annp::stacking_fault_fcc(pot, z, a0, 9);
  // How far outside the training data these structures are: atoms with descriptors out of range.
  const auto extrapolating = [&](const annp::structure& s) {
    return std::to_string(pot.compute(s).extrapolated_atoms) + " of " + std::to_string(s.size());
  };
  double area = 0;
  const std::string vac_x = extrapolating(annp::crystal::without_atom(
      annp::crystal::repeat(annp::crystal::fcc_cubic(z, a0), 3, 3, 3), 0));
  const std::string s100_x = extrapolating(annp::crystal::fcc_slab(z, a0, "100", 9, 15.0, area));
  const std::string s111_x = extrapolating(annp::crystal::fcc_slab(z, a0, "111", 9, 15.0, area));
  report += "\n## fcc properties of the model (no reference in the bundled data)\n\n";
  report += "At the model's lattice constant a0 = " + fmt(a0, 4) + " Å.\n\n";
  report += "| property | model | note |\n| --- | --- | --- |\n";
  report += "| C11 | " + fmt(c.c11, 1) + " GPa | ±0.5 % strain |\n";
  report += "| C12 | " + fmt(c.c12, 1) + " GPa | |\n";
  report += "| C44 | " + fmt(c.c44, 1) + " GPa | |\n";
  report += "| (C11 + 2 C12)/3 | " + fmt(c.bulk_modulus(), 1) +
            " GPa | DFT B0 (fcc fit): " + fmt(fcc.dft.b0_gpa(), 1) + " GPa |\n";
  report += "| vacancy formation, unrelaxed | " + fmt(vac.unrelaxed, 3) + " eV | " +
            std::to_string(vac.atoms) + "-atom cell; atoms outside the training range: " + vac_x +
            " |\n";
  report += "| vacancy formation, relaxed | " + fmt(vac.relaxed, 3) +
            " eV | positions relaxed to 1e-4 eV/Å |\n";
  report += "| γ(100), unrelaxed / relaxed | " + fmt(s100.unrelaxed, 3) + " / " +
            fmt(s100.relaxed, 3) +
            " J/m² | 9 layers, 15 Å vacuum; atoms outside the training range: " + s100_x + " |\n";
  report += "| γ(111), unrelaxed / relaxed | " + fmt(s111.unrelaxed, 3) + " / " +
            fmt(s111.relaxed, 3) +
            " J/m² | 9 layers, 15 Å vacuum; atoms outside the training range: " + s111_x + " |\n";
  report += "| intrinsic stacking fault, unrelaxed / relaxed | " + fmt(sf.unrelaxed, 1) + " / " +
            fmt(sf.relaxed, 1) + " mJ/m² | 9-layer (111) stack tilted by a/6<112> |\n";
  report += "| phonon X, longitudinal / transverse | " + fmt(ph.x_longitudinal, 2) + " / " +
            fmt(ph.x_transverse, 2) + " THz | frozen phonon, 32 atoms |\n";
  report += "| phonon L, longitudinal / transverse | " + fmt(ph.l_longitudinal, 2) + " / " +
            fmt(ph.l_transverse, 2) + " THz | |\n";

  // ---- against first-principles references ---------------------------------------------
  if (!references_path.empty()) {
    const auto ref_data = annp::read_structures(references_path);
    const fcc_references ref(ref_data, references_path);
    report += "\n## fcc properties against first-principles references\n\n";
    report += "DFT: `" + references_path +
              "` (data/al/v2/references.py, the settings of the "
              "training data) on the same geometries as the model; each side at its own lattice "
              "constant (DFT " +
              fmt(ref.a0(), 4) + " Å, model " + fmt(a0, 4) + " Å).\n\n";
    report += "| quantity | DFT | model | model − DFT | relative | unit |\n| --- | --- | --- | --- "
              "| --- | --- |\n";
    if (ref.has({"fcc", "xx+", "xx-", "yz+", "yz-"})) {
      const auto d = ref.elastic();
      report += row("C11", d.c11, c.c11, 1, "GPa");
      report += row("C12", d.c12, c.c12, 1, "GPa");
      report += row("C44", d.c44, c.c44, 1, "GPa");
    }
    if (ref.has({"perfect32", "vacancy31"})) { // the relaxed row once its relaxation has ended
      const auto v32 = annp::vacancy_formation_fcc(pot, z, a0, 2);
      report += row("vacancy formation, unrelaxed (32 sites)", ref.vacancy("vacancy31"),
                    v32.unrelaxed, 3, "eV");
      if (ref.has({"vacancy31_relaxed"}))
        report += row("vacancy formation, relaxed (32 sites)", ref.vacancy("vacancy31_relaxed"),
                      v32.relaxed, 3, "eV");
    }
    for (const auto& [facet, model_s] : {std::pair{std::string("100"), s100}, {"111", s111}}) {
      if (!ref.has({"fcc"}) || ref.frame.count("slab" + facet) == 0) continue;
      report += row("γ(" + facet + "), unrelaxed", ref.surface("slab" + facet), model_s.unrelaxed,
                    3, "J/m²");
      if (ref.frame.count("slab" + facet + "_relaxed") != 0)
        report += row("γ(" + facet + "), relaxed", ref.surface("slab" + facet + "_relaxed"),
                      model_s.relaxed, 3, "J/m²");
    }
    if (ref.has({"fault0", "fault1"})) {
      report +=
          row("intrinsic stacking fault, unrelaxed", ref.fault("fault1"), sf.unrelaxed, 1, "mJ/m²");
      if (ref.has({"fault1_relaxed"}))
        report += row("intrinsic stacking fault, relaxed", ref.fault("fault1_relaxed"), sf.relaxed,
                      1, "mJ/m²");
    }
  }

  // ---- all structures: parity -------------------------------------------------------------
  annp::error_table table;
  std::vector<double> ref, pred;
  for (const auto& s : data) {
    if (!s.energy) continue;
    const auto r = pot.compute(s);
    table.add(s, r.energy, r.forces.data(), r.stress);
    ref.push_back(*s.energy / static_cast<double>(s.size()));
    pred.push_back(r.energy / static_cast<double>(s.size()));
  }
  report += "\n## Every bundled structure (training, validation and test together)\n\n```\n" +
            table.format() + "```\n";

  // ---- plots ----------------------------------------------------------------------------------
  annp::plot eos;
  eos.title = "energy-volume curves: DFT (points) and model (lines)";
  eos.xlabel = "volume (Å³/atom)";
  eos.ylabel = "energy (eV/atom)";
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                          "#9467bd", "#8c564b", "#17becf"};
  std::size_t ci = 0;
  for (const auto& [name, sc] : scans) {
    const std::string color = colors[ci++ % 7];
    annp::plot_series points{name + " DFT", sc.volume, sc.e_dft, true, color};
    // The model itself on a fine grid: the lowest-energy DFT cell scaled uniformly (the scans
    // are uniform scalings, hcp at fixed c/a).
    annp::plot_series line{name + " model", {}, {}, false, color};
    const auto [lo, hi] = std::minmax_element(sc.volume.begin(), sc.volume.end());
    const auto lowest = static_cast<std::size_t>(
        std::min_element(sc.e_dft.begin(), sc.e_dft.end()) - sc.e_dft.begin());
    const annp::structure& cell = *sc.structures[lowest];
    for (int k = 0; k <= 80; ++k) {
      const double v = *lo + (*hi - *lo) * k / 80.0;
      const auto t = annp::crystal::with_volume_per_atom(cell, v);
      line.x.push_back(v);
      line.y.push_back(pot.compute(t).energy / static_cast<double>(t.size()));
    }
    annp::plot one;
    one.title = name + ": DFT (points) and model (line)";
    one.xlabel = eos.xlabel;
    one.ylabel = eos.ylabel;
    one.series = {points, line};
    std::string file = name;
    for (char& ch : file)
      if (ch == ' ' || ch == '/' || ch == '=') ch = '_';
    annp::write_svg(out + "/eos_" + file + ".svg", one);
    eos.series.push_back(std::move(points));
    eos.series.push_back(std::move(line));
  }
  eos.width = 900;
  eos.height = 600;
  annp::write_svg(out + "/eos.svg", eos);
  annp::write_svg(
      out + "/parity.svg",
      annp::parity_plot(ref, pred, "energy per atom, every bundled structure", "eV/atom"));
  annp::write_file_atomically(out + "/report.md", report);
  std::cout << report;
  return 0;
}

int run(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: annp-properties MODEL[,MODEL2,...] DATA OUTDIR [REFERENCES]\n";
    return 2;
  }
  const std::string model_path = argv[1], data_path = argv[2], out = argv[3];
  const std::string references_path = argc == 5 ? argv[4] : "";
  std::vector<annp::any_potential> members = annp::read_model_list(model_path);
  if (members.front().elements().size() != 1)
    throw annp::error(model_path + ": annp-properties handles one-element models, this one has " +
                      std::to_string(members.front().elements().size()));
  const int z = members.front().elements()[0];
  std::filesystem::create_directories(out);
  if (members.size() == 1)
    return report_properties(members.front(), z, model_path, data_path, out, references_path);
  return report_properties(annp::committee_mean<annp::any_potential>(std::move(members)), z,
                           model_path, data_path, out, references_path);
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "annp-properties: " << e.what() << "\n";
    return 1;
  }
}
