// annp-predict: energies, forces and stress of a potential for every structure of a file.
//
//   annp-predict [options] MODEL INPUT [OUTPUT]
//   annp-predict [options] MODEL1,MODEL2[,...] INPUT [OUTPUT]     (a committee)
//
//   MODEL   an annp model file, or an n2p2 model directory (input.nn, scaling.data, weights.*)
//   INPUT   extended XYZ (*.xyz) or n2p2 input.data (*.data)
//   OUTPUT  extended XYZ with the predictions (default: none)
//
//   --atomic-energies        also write per-atom energies (property "energies")
//   --extrapolation MODE     count (default), warn or error
//   --threads N              OpenMP threads
//
// The output keeps the reference labels of INPUT as info "ref_energy" and "ref_stress" and
// property "ref_forces" (and reads them back as the labels when it is given its own output), writes
// the predicted energy, forces and stress, and the number of descriptor values outside the training
// range per atom (property "extrapolations"). When INPUT has labels, the RMSE and MAE of energy per
// atom, forces and stress are printed per config_type, and again without the structures that
// have descriptor values outside the training range when there are such.
//
// A committee (comma-separated models, at least two) predicts the mean energy, forces and stress of
// its members and their spread (sample standard deviation over members): info "energy_std" (eV),
// per-atom property "force_dev" (|standard deviation vector of the atom's force|, eV/Å) and info
// "max_force_dev", the largest of them - the uncertainty by which active learning selects
// structures. Stress and per-atom energies are those of the first member.

#include <annp/annp.hpp>
#include <annp/tools/model_list.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <new>
#include <string>
#include <vector>

namespace {

int usage(const char* prog) {
  std::cerr << "usage: " << prog << " [--atomic-energies] [--extrapolation count|warn|error] "
            << "[--threads N] MODEL[,MODEL...] INPUT [OUTPUT]\n"
            << "  MODEL: annp model file or n2p2 model directory; several (comma-separated) "
               "form a committee\n"
            << "  INPUT: extended XYZ (*.xyz) or n2p2 input.data (*.data)\n"
            << "  OUTPUT: extended XYZ with the predictions (not *.data)\n";
  return 2;
}

/// A file that annp-predict wrote: its references (ref_energy, ref_forces) become the labels
/// again and its earlier predictions are dropped, so predicting on it keeps the DFT labels and
/// writes each column once.
void restore_references(annp::structure& s) {
  if (!s.find_info("predicted_by")) return;
  s.energy.reset(); // what the earlier run predicted is not a label
  s.forces.reset();
  s.stress.reset();
  if (const auto* e = s.find_info("ref_energy")) {
    double v = 0.0;
    if (!annp::try_parse_double(*e, v))
      throw annp::error(s.source + ": ref_energy '" + *e + "' is not a number");
    s.energy = v;
  }
  if (const auto* st = s.find_info("ref_stress")) {
    const auto tokens = annp::split_whitespace(*st);
    annp::mat3 m{};
    for (std::size_t k = 0; k < 9; ++k)
      if (tokens.size() != 9 || !annp::try_parse_double(tokens[k], m[k / 3][k % 3]))
        throw annp::error(s.source + ": ref_stress must be 9 numbers, got '" + *st + "'");
    s.stress = m;
  }
  for (auto& p : s.properties)
    if (p.name == "ref_forces" && p.type == 'R' && p.columns == 3 &&
        p.real.size() == 3 * s.size()) {
      xt::xtensor<double, 2> f = xt::zeros<double>({s.size(), std::size_t{3}});
      std::copy(p.real.begin(), p.real.end(), f.begin());
      s.forces = std::move(f);
    }
  std::erase_if(s.info, [](const auto& kv) {
    return kv.first == "ref_energy" || kv.first == "ref_stress" || kv.first == "energy_std" ||
           kv.first == "max_force_dev" || kv.first == "predicted_by";
  });
  std::erase_if(s.properties, [](const annp::atom_property& p) {
    return p.name == "ref_forces" || p.name == "extrapolations" || p.name == "force_dev" ||
           p.name == "energies";
  });
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
    // The output is extended XYZ (it holds per-atom columns n2p2's format cannot); a name that
    // annp's tools read as n2p2 input.data would not read back.
    if (args.size() == 3 && annp::guess_structure_format(args[2]) == annp::structure_format::n2p2)
      throw annp::error("'" + args[2] +
                        "': OUTPUT is written as extended XYZ, but a *.data name is read as n2p2 "
                        "input.data by annp's tools; name it *.xyz");
    const std::vector<annp::any_potential> members = annp::read_model_list(args[0]);
    const annp::any_potential& pot = members.front();
    const bool is_committee = members.size() > 1;
    const annp::committee<annp::any_potential> group =
        is_committee ? annp::committee<annp::any_potential>(members)
                     : annp::committee<annp::any_potential>();
    auto frames = annp::read_structures(args[1]);
    if (frames.empty()) throw annp::error(args[1], 0, "contains no structures");
    options.atomic_energies = atomic;
    // Every out-of-range value is recorded: the per-atom "extrapolations" column counts them all.
    options.max_extrapolation_records = std::numeric_limits<std::size_t>::max();
    annp::error_table errors, inside; // all labelled structures; those inside the range
    std::size_t extrapolated_structures = 0, extrapolated_atoms = 0;
    bool labelled = false;
    double largest_dev = 0.0;
    for (auto& s : frames) {
      restore_references(s);
      auto r = pot.compute(s, options);
      annp::committee_result c;
      if (is_committee) {
        c = group.compute(s, options, &r);
        r.energy = c.energy;
        r.forces = c.forces;
        r.stress = c.stress; // the mean of every output, not the first member's stress
        if (atomic) r.atomic_energies = c.atomic_energies;
        largest_dev = std::max(largest_dev, c.max_force_spread);
      }
      errors.add(s, r.energy, r.forces.data(), r.stress);
      if (r.extrapolated_atoms == 0) inside.add(s, r.energy, r.forces.data(), r.stress);
      labelled = labelled || s.energy.has_value();
      extrapolated_atoms += r.extrapolated_atoms;
      extrapolated_structures += r.extrapolated_atoms > 0 ? 1 : 0;
      if (args.size() < 3) continue;
      // Keep the references, write the predictions.
      s.set_info("predicted_by", "annp-predict");
      if (s.energy) s.set_info("ref_energy", annp::format_double(*s.energy));
      if (s.stress) {
        std::string v;
        for (std::size_t k = 0; k < 9; ++k)
          v += (k ? " " : "") + annp::format_double((*s.stress)[k / 3][k % 3]);
        s.set_info("ref_stress", v);
      }
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
      if (is_committee) {
        annp::atom_property dev;
        dev.name = "force_dev";
        dev.type = 'R';
        dev.columns = 1;
        for (std::size_t i = 0; i < s.size(); ++i) {
          double v = 0.0;
          for (std::size_t d = 0; d < 3; ++d) v += c.force_spread(i, d) * c.force_spread(i, d);
          dev.real.push_back(std::sqrt(v));
        }
        s.properties.push_back(std::move(dev));
        s.set_info("energy_std", annp::format_double(c.energy_spread));
        s.set_info("max_force_dev", annp::format_double(c.max_force_spread));
      }
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
    if (is_committee)
      std::printf("committee of %zu models: largest per-atom force deviation %.4g eV/A\n",
                  members.size(), largest_dev);
    if (labelled) std::cout << errors.format("errors against the labels of " + args[1]);
    if (labelled && extrapolated_structures > 0)
      std::cout << inside.format("the same without the " + std::to_string(extrapolated_structures) +
                                 " structures outside the training range");
    if (args.size() == 3) std::printf("predictions written to %s\n", args[2].c_str());
  } catch (const std::bad_alloc&) {
    std::cerr << "annp-predict: out of memory (a cutoff far beyond the cell, or a cell in the "
                 "wrong units?)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "annp-predict: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
