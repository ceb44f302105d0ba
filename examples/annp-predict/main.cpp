// annp-predict: energies, forces and stress of a potential for every structure of a file.
//
//   annp-predict [options] MODEL INPUT [OUTPUT]
//
//   MODEL   an annp model file, or an n2p2 model directory (input.nn, scaling.data, weights.*)
//   INPUT   extended XYZ (*.xyz) or n2p2 input.data (*.data)
//   OUTPUT  extended XYZ with the predictions (default: none)
//
//   --atomic-energies        also write per-atom energies (property "energies")
//   --extrapolation MODE     count (default), warn or error
//   --threads N              OpenMP threads
//
// The output keeps the reference labels of INPUT as info "ref_energy" and property
// "ref_forces", writes the predicted energy, forces and stress, and the number of descriptor
// values outside the training range per atom (property "extrapolations"). When INPUT has labels,
// the RMSE and MAE of energy per atom, forces and stress are printed per config_type.

#include <annp/annp.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace {

int usage(const char* prog) {
  std::cerr << "usage: " << prog << " [--atomic-energies] [--extrapolation count|warn|error] "
            << "[--threads N] MODEL INPUT [OUTPUT]\n"
            << "  MODEL: annp model file or n2p2 model directory\n"
            << "  INPUT: extended XYZ (*.xyz) or n2p2 input.data (*.data)\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  bool atomic = false;
  annp::compute_options options;
  std::vector<std::string> args;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--atomic-energies") {
      atomic = true;
    } else if (a == "--extrapolation" && k + 1 < argc) {
      const std::string m = argv[++k];
      if (m == "count")
        options.extrapolation = annp::extrapolation_policy::count;
      else if (m == "warn")
        options.extrapolation = annp::extrapolation_policy::warn;
      else if (m == "error")
        options.extrapolation = annp::extrapolation_policy::error;
      else
        return usage(argv[0]);
    } else if (a == "--threads" && k + 1 < argc) {
      int n = 0;
      if (!annp::try_parse_integer(argv[++k], n) || n < 1) return usage(argv[0]);
      annp::set_threads(n);
    } else if (a == "-h" || a == "--help" || (a.size() > 1 && a[0] == '-')) {
      return usage(argv[0]);
    } else {
      args.push_back(a);
    }
  }
  if (args.size() < 2 || args.size() > 3) return usage(argv[0]);
  try {
    const bool is_n2p2 = std::filesystem::is_directory(args[0]);
    const annp::any_potential pot(is_n2p2 ? annp::read_n2p2_model(args[0])
                                          : annp::read_model(args[0]));
    auto frames = annp::read_structures(args[1]);
    if (frames.empty()) throw annp::error(args[1], 0, "contains no structures");
    options.atomic_energies = atomic;
    annp::error_table errors;
    std::size_t extrapolated_structures = 0, extrapolated_atoms = 0;
    bool labelled = false;
    for (auto& s : frames) {
      const auto r = pot.compute(s, options);
      errors.add(s, r.energy, r.forces.data(), r.stress);
      labelled = labelled || s.energy.has_value();
      extrapolated_atoms += r.extrapolated_atoms;
      extrapolated_structures += r.extrapolated_atoms > 0 ? 1 : 0;
      if (args.size() < 3) continue;
      // Keep the references, write the predictions.
      if (s.energy) s.set_info("ref_energy", annp::format_double(*s.energy));
      if (s.forces) {
        annp::atom_property ref;
        ref.name = "ref_forces";
        ref.type = 'R';
        ref.columns = 3;
        ref.real.assign(s.forces->begin(), s.forces->end());
        s.properties.push_back(std::move(ref));
      }
      s.energy = r.energy;
      s.forces = r.forces;
      s.stress = r.stress;
      annp::atom_property count;
      count.name = "extrapolations";
      count.type = 'I';
      count.columns = 1;
      count.integer.assign(s.size(), 0);
      for (const auto& rec : r.extrapolations) ++count.integer[rec.atom];
      s.properties.push_back(std::move(count));
      if (atomic) {
        annp::atom_property e;
        e.name = "energies";
        e.type = 'R';
        e.columns = 1;
        e.real = r.atomic_energies;
        s.properties.push_back(std::move(e));
      }
    }
    if (args.size() == 3) annp::write_extxyz(args[2], frames);
    std::printf("%zu structures; %zu with descriptors outside the training range (%zu atoms)\n",
                frames.size(), extrapolated_structures, extrapolated_atoms);
    if (labelled) std::cout << errors.format("errors against the labels of " + args[1]);
    if (args.size() == 3) std::printf("predictions written to %s\n", args[2].c_str());
  } catch (const annp::error& e) {
    std::cerr << "annp-predict: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
