// annp-summary: what is in a data set, per config_type.
//
//   annp-summary [--cutoff 6.0] data.xyz|input.data ...
//
// For every config_type: structures, atoms, the range of energy per atom (eV/atom), and the
// neighbour count per atom within the cutoff (min / mean / max).

#include <annp/annp.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <vector>

namespace {

struct summary {
  std::size_t structures = 0, atoms = 0, labelled = 0;
  double e_min = std::numeric_limits<double>::infinity();
  double e_max = -std::numeric_limits<double>::infinity();
  std::size_t n_min = std::numeric_limits<std::size_t>::max(), n_max = 0;
  double n_sum = 0.0;
};

int usage(const char* prog) {
  std::cerr << "usage: " << prog << " [--cutoff R] FILE...\n"
            << "       " << prog << " --model MODEL.annp\n"
            << "  FILE: extended XYZ (*.xyz) or n2p2 input.data (*.data)\n"
            << "  --model: reads and checks a model file and describes it\n";
  return 2;
}

} // namespace

/// --model: reads (and so checks) a model file and says what it holds.
int describe_model(const std::string& path) {
  const annp::model m = annp::read_model(path);
  double cutoff = 0.0;
  for (const auto& f : m.functions) cutoff = std::max(cutoff, f.rc);
  std::printf("%s: annp model, %zu element(s), cutoff %.3f Å\n", path.c_str(), m.elements.size(),
              cutoff);
  for (std::size_t e = 0; e < m.elements.size(); ++e) {
    const auto& net = m.networks[e];
    std::string shape, acts;
    for (std::size_t l = 0; l < net.layer_count(); ++l) {
      shape += std::to_string(net.layers()[l].in) + "-";
      acts += (l ? " " : "") + net.activation_name(l);
    }
    std::printf("  %-2s  %3zu descriptors (%zu inactive), network %s1 %s (%zu parameters), "
                "reference energy %.6f eV\n",
                std::string(annp::symbol(m.elements[e])).c_str(),
                m.functions_of(m.elements[e]).size(), m.scaling.inactive_count(e), shape.c_str(),
                acts.c_str(), net.parameter_size(), m.atomic_energies[e]);
  }
  if (m.core.enabled())
    std::printf("  short-range core: %s repulsion alone below %.4g Å, blended with the networks "
                "up to %.4g Å\n",
                std::string(annp::short_range::kind_name(m.core.type)).c_str(), m.core.inner,
                m.core.outer);
  for (const auto& p : m.core.pairs)
    std::printf("    %s-%s pairs: alone below %.4g Å, blended up to %.4g Å\n",
                std::string(annp::symbol(p.z1)).c_str(), std::string(annp::symbol(p.z2)).c_str(),
                p.inner, p.outer);
  if (!m.core.enabled())
    std::printf("  short-range core: none (close pairs are left to the networks)\n");
  for (const auto& [k, v] : m.metadata) std::printf("  %s: %s\n", k.c_str(), v.c_str());
  // What annp-predict, the KIM driver, the pair style and Python need: a model every part of
  // which the dynamic types can evaluate (not so for a user-written activation).
  const annp::any_potential usable(m);
  (void)usable;
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--model") {
    try {
      return describe_model(argv[2]);
    } catch (const std::exception& e) {
      std::cerr << "annp-summary: " << e.what() << "\n";
      return 1;
    }
  }
  double cutoff = 6.0;
  std::vector<std::string> files;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--cutoff" && k + 1 < argc) {
      if (!annp::try_parse_double(argv[++k], cutoff) || cutoff <= 0.0) return usage(argv[0]);
    } else if (arg == "-h" || arg == "--help") {
      return usage(argv[0]);
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage(argv[0]);

  try {
    std::map<std::string, summary> by_type;
    summary total;
    annp::neighbor_list nl;
    for (const auto& file : files) {
      const auto frames = annp::read_structures(file);
      if (frames.empty()) throw annp::error(file + ": contains no structures");
      for (const auto& s : frames) {
        nl.build(s, annp::neighbor_list_options{cutoff});
        const std::string type = s.config_type.empty() ? "(none)" : s.config_type;
        for (summary* sum : {&by_type[type], &total}) {
          ++sum->structures;
          sum->atoms += s.size();
          if (s.energy && s.size() > 0) {
            const double e = *s.energy / static_cast<double>(s.size());
            sum->e_min = std::min(sum->e_min, e);
            sum->e_max = std::max(sum->e_max, e);
            ++sum->labelled;
          }
          for (std::size_t i = 0; i < s.size(); ++i) {
            sum->n_min = std::min(sum->n_min, nl.count(i));
            sum->n_max = std::max(sum->n_max, nl.count(i));
            sum->n_sum += static_cast<double>(nl.count(i));
          }
        }
      }
    }
    std::printf("%-24s %6s %6s %23s   %s\n", "config_type", "struct", "atoms", "E/atom range (eV)",
                "neighbours within cutoff (min/mean/max)");
    const auto row = [](const std::string& name, const summary& s) {
      char energy[64] = "          (unlabelled)";
      if (s.labelled > 0)
        std::snprintf(energy, sizeof energy, "%10.4f ... %9.4f", s.e_min, s.e_max);
      std::printf("%-24s %6zu %6zu %23s   %3zu / %6.1f / %3zu\n", name.c_str(), s.structures,
                  s.atoms, energy, s.atoms ? s.n_min : 0,
                  s.atoms ? s.n_sum / static_cast<double>(s.atoms) : 0.0, s.n_max);
    };
    for (const auto& [name, s] : by_type) row(name, s);
    row("total", total);
    std::printf("cutoff %.3f Å\n", cutoff);
  } catch (const std::bad_alloc&) {
    std::cerr << "annp-summary: out of memory (a cutoff far beyond the cell, or a cell in the "
                 "wrong units?)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "annp-summary: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
