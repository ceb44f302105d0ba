#pragma once
// n2p2 short-range (2G) HDNNP models <-> annp::model.
//
// A model directory holds input.nn (settings and symmetry functions), scaling.data (per element
// and symmetry function: min, max, mean, sigma) and weights.ZZZ.data (one per element, ZZZ the
// atomic number). The mapping:
//   - elements are sorted by atomic number, symmetry functions in n2p2's order (n2p2_order_less),
//     so that scaling data and network inputs line up (a model whose functions are in another
//     order is written with its scaling rows and first-layer weight columns permuted to match);
//   - cutoff_type <n> [<alpha>] -> cutoff kind and inner cutoff;
//   - scale_symmetry_functions / center_... / scale_..._sigma, scale_min_short, scale_max_short
//     -> descriptor scaling;
//   - global_hidden_layers_short, global_nodes_short, global_activation_short (and the
//     element_..._short overrides) -> one network per element;
//   - data-set normalisation (mean_energy, conv_energy, conv_length): n2p2 trains in normalised
//     units; annp evaluates in eV and Å with energy_scale = 1 / conv_energy and
//     atomic_energies[e] = mean_energy + atom_energy(e). Descriptor values do not depend on the
//     length unit, and forces follow exactly.
// Unsupported model features (normalize_nodes, 4G/charge networks) are refused with an error
// rather than silently mis-read; training-only keywords are ignored.

#include <annp/core/atomic_file.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/io/n2p2_symfunction.hpp>
#include <annp/potential/model.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace annp {

namespace detail {

inline std::string weights_file_name(int z) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "weights.%03d.data", z);
  return buf;
}

// Keywords that change the model and that annp does not support.
inline bool n2p2_unsupported(std::string_view k) {
  return k == "normalize_nodes" || k == "use_electrostatics" || k == "nnp_type" ||
         k == "global_hidden_layers_electrostatic" || k == "use_short_nn" ||
         k == "global_hidden_layers_charge";
}

} // namespace detail

/// Reads an n2p2 model from input.nn, scaling.data and the weights files (weights_pattern with
/// "%03d" standing for the atomic number, as n2p2 names them).
[[nodiscard]] inline model read_n2p2_model(const std::string& input_nn,
                                           const std::string& scaling_data,
                                           const std::string& weights_pattern) {
  auto in_file = open_input_file(input_nn);
  line_reader in(in_file, input_nn);
  std::string line;
  std::vector<int> elements;
  std::size_t declared_elements = 0;
  std::map<int, double> atom_energy;
  int cutoff_type = -1;
  double alpha = 0.0, smin = 0.0, smax = 1.0, mean_energy = 0.0, conv_energy = 1.0;
  bool scale = false, center = false, sigma = false, have_smin = false, have_smax = false;
  std::size_t hidden = 0;
  std::vector<std::size_t> nodes;
  std::vector<char> activations;
  std::map<int, std::vector<std::size_t>> element_nodes;
  std::map<int, std::vector<char>> element_activations;
  std::vector<std::pair<symmetry_function, std::size_t>> functions; // with their line
  const auto guarded = [&](auto&& f) {
    try {
      return f();
    } catch (const error& e) {
      in.fail(e.what());
    }
  };
  while (in.next(line)) {
    const std::string content = line.substr(0, line.find('#'));
    auto t = split_whitespace(content);
    if (t.empty()) continue;
    const std::string_view k = t[0];
    const auto need = [&](std::size_t n, const char* form) {
      if (t.size() < n) in.fail(std::string("expected '") + form + "'");
    };
    if (detail::n2p2_unsupported(k)) {
      if (k == "nnp_type" && t.size() >= 2 && t[1] == "2") continue;
      in.fail("keyword '" + std::string(k) +
              "' describes a model feature annp does not support "
              "(annp imports short-range 2G HDNNPs)");
    } else if (k == "number_of_elements") {
      need(2, "number_of_elements <n>");
      declared_elements = in.parse_integer<std::size_t>(t[1], "the number of elements");
    } else if (k == "elements") {
      need(2, "elements <symbol> ...");
      for (std::size_t i = 1; i < t.size(); ++i)
        elements.push_back(guarded([&] { return atomic_number(t[i]); }));
    } else if (k == "atom_energy") {
      need(3, "atom_energy <element> <energy>");
      atom_energy[guarded([&] { return atomic_number(t[1]); })] =
          in.parse_double(t[2], "the atomic energy");
    } else if (k == "cutoff_type") {
      need(2, "cutoff_type <type> [<alpha>]");
      cutoff_type = in.parse_integer<int>(t[1], "the cutoff type");
      (void)guarded([&] { return cutoff_kind_from_n2p2(cutoff_type); }); // names this line
      if (t.size() > 2) alpha = in.parse_double(t[2], "the cutoff parameter alpha");
    } else if (k == "scale_symmetry_functions") {
      scale = true;
    } else if (k == "center_symmetry_functions") {
      center = true;
    } else if (k == "scale_symmetry_functions_sigma") {
      sigma = true;
    } else if (k == "scale_min_short") {
      need(2, "scale_min_short <value>");
      smin = in.parse_double(t[1], "scale_min_short");
      have_smin = true;
    } else if (k == "scale_max_short") {
      need(2, "scale_max_short <value>");
      smax = in.parse_double(t[1], "scale_max_short");
      have_smax = true;
    } else if (k == "global_hidden_layers_short") {
      need(2, "global_hidden_layers_short <n>");
      hidden = in.parse_integer<std::size_t>(t[1], "the number of hidden layers");
    } else if (k == "global_nodes_short") {
      need(2, "global_nodes_short <n> ...");
      for (std::size_t i = 1; i < t.size(); ++i)
        nodes.push_back(in.parse_integer<std::size_t>(t[i], "a layer width"));
    } else if (k == "global_activation_short") {
      need(2, "global_activation_short <letter> ...");
      for (std::size_t i = 1; i < t.size(); ++i) {
        if (t[i].size() != 1)
          in.fail("expected one-letter activations, got " + detail::quote_token(t[i]));
        activations.push_back(t[i][0]);
      }
    } else if (k == "element_nodes_short") {
      need(3, "element_nodes_short <element> <n> ...");
      auto& v = element_nodes[guarded([&] { return atomic_number(t[1]); })];
      for (std::size_t i = 2; i < t.size(); ++i)
        v.push_back(in.parse_integer<std::size_t>(t[i], "a layer width"));
    } else if (k == "element_activation_short") {
      need(3, "element_activation_short <element> <letter> ...");
      auto& v = element_activations[guarded([&] { return atomic_number(t[1]); })];
      for (std::size_t i = 2; i < t.size(); ++i) v.push_back(t[i][0]);
    } else if (k == "symfunction_short") {
      t.erase(t.begin());
      functions.emplace_back(guarded([&] { return parse_n2p2_symfunction(t); }), in.line_number());
    } else if (k == "mean_energy") {
      need(2, "mean_energy <value>");
      mean_energy = in.parse_double(t[1], "mean_energy");
    } else if (k == "conv_energy") {
      need(2, "conv_energy <value>");
      conv_energy = in.parse_double(t[1], "conv_energy");
    } else if (k == "conv_length") {
      need(2, "conv_length <value>");
      (void)in.parse_double(t[1], "conv_length"); // descriptors and forces are unit-free here
    }
    // Every other keyword configures training or output and does not change the model.
  }
  const auto fail = [&](const std::string& m) { throw error(input_nn, 0, m); };
  if (elements.empty()) fail("no 'elements' keyword");
  if (declared_elements != 0 && declared_elements != elements.size())
    fail("number_of_elements says " + std::to_string(declared_elements) + " but 'elements' lists " +
         std::to_string(elements.size()));
  if (cutoff_type < 0) fail("no 'cutoff_type' keyword");
  if (hidden == 0 || nodes.size() != hidden || activations.size() != hidden + 1)
    fail("the network needs global_hidden_layers_short <n>, global_nodes_short with n widths and "
         "global_activation_short with n + 1 letters");
  if (!(conv_energy > 0.0)) fail("conv_energy must be positive");
  if ((scale || sigma) && (!have_smin || !have_smax)) {
    // n2p2's defaults
    if (!have_smin) smin = 0.0;
    if (!have_smax) smax = 1.0;
  }
  std::sort(elements.begin(), elements.end());
  model m;
  m.elements = elements;
  m.cutoff = cutoff_kind_from_n2p2(cutoff_type);
  m.cutoff_alpha = alpha;
  m.spins = std::vector<double>(elements.size(), 1.0);
  m.energy_scale = 1.0 / conv_energy;
  for (int z : elements)
    m.atomic_energies.push_back(mean_energy + (atom_energy.count(z) ? atom_energy[z] : 0.0));
  std::stable_sort(functions.begin(), functions.end(),
                   [](const auto& a, const auto& b) { return n2p2_order_less(a.first, b.first); });
  for (const auto& [f, ln] : functions) {
    if (std::find(elements.begin(), elements.end(), f.center) == elements.end() ||
        (is_element_resolved(f.kind) &&
         (std::find(elements.begin(), elements.end(), f.e1) == elements.end() ||
          (is_angular(f.kind) &&
           std::find(elements.begin(), elements.end(), f.e2) == elements.end()))))
      throw error(input_nn, ln, "symmetry function refers to an element not in 'elements'");
    m.functions.push_back(f);
  }
  const scaling_mode mode = sigma             ? scaling_mode::scale_sigma
                            : scale && center ? scaling_mode::scale_center
                            : scale           ? scaling_mode::scale
                            : center          ? scaling_mode::center
                                              : scaling_mode::none;

  // scaling.data: e_index sf_index min max mean sigma (indices 1-based, n2p2 order).
  std::vector<descriptor_stats> stats(elements.size());
  for (std::size_t e = 0; e < elements.size(); ++e) {
    const std::size_t nf = m.functions_of(elements[e]).size();
    if (nf == 0) fail("element " + std::string(symbol(elements[e])) + " has no symmetry functions");
    stats[e].min.assign(nf, 0.0);
    stats[e].max.assign(nf, 0.0);
    stats[e].mean.assign(nf, 0.0);
    stats[e].sigma.assign(nf, 0.0);
  }
  {
    auto sf = open_input_file(scaling_data);
    line_reader sin(sf, scaling_data);
    std::vector<std::vector<bool>> seen(elements.size());
    for (std::size_t e = 0; e < elements.size(); ++e) seen[e].assign(stats[e].min.size(), false);
    while (sin.next(line)) {
      const std::string content = line.substr(0, line.find('#'));
      const auto t = split_whitespace(content);
      if (t.empty()) continue;
      if (t.size() != 6)
        sin.fail("expected '<element index> <function index> <min> <max> <mean> <sigma>', got " +
                 std::to_string(t.size()) + " fields");
      const auto e = sin.parse_integer<std::size_t>(t[0], "the element index");
      const auto k = sin.parse_integer<std::size_t>(t[1], "the symmetry-function index");
      if (e < 1 || e > elements.size())
        sin.fail("element index " + std::to_string(e) + " out of range");
      if (k < 1 || k > stats[e - 1].min.size())
        sin.fail("symmetry-function index " + std::to_string(k) + " out of range for " +
                 std::string(symbol(elements[e - 1])));
      auto& st = stats[e - 1];
      st.min[k - 1] = sin.parse_double(t[2], "the minimum");
      st.max[k - 1] = sin.parse_double(t[3], "the maximum");
      st.mean[k - 1] = sin.parse_double(t[4], "the mean");
      st.sigma[k - 1] = sin.parse_double(t[5], "the standard deviation");
      seen[e - 1][k - 1] = true;
    }
    for (std::size_t e = 0; e < elements.size(); ++e)
      for (std::size_t k = 0; k < seen[e].size(); ++k)
        if (!seen[e][k])
          throw error(scaling_data, 0,
                      "no scaling data for " + std::string(symbol(elements[e])) +
                          " symmetry function " + std::to_string(k + 1));
  }
  m.scaling = descriptor_scaling(mode, smin, smax, stats);

  // Networks and weights.
  for (int z : elements) {
    const std::size_t nf = m.functions_of(z).size();
    const auto& widths = element_nodes.count(z) ? element_nodes[z] : nodes;
    const auto& acts = element_activations.count(z) ? element_activations[z] : activations;
    if (acts.size() != widths.size() + 1)
      fail("element " + std::string(symbol(z)) + ": " + std::to_string(widths.size()) +
           " hidden layers need " + std::to_string(widths.size() + 1) + " activation letters");
    std::vector<layer_shape> shapes;
    std::size_t prev = nf;
    for (std::size_t l = 0; l <= widths.size(); ++l) {
      const std::size_t out = l < widths.size() ? widths[l] : 1;
      shapes.push_back({prev, out, guarded([&] { return activation_from_n2p2(acts[l]); })});
      prev = out;
    }
    dynamic_network net(shapes);
    char path[4096];
    std::snprintf(path, sizeof path, weights_pattern.c_str(), z);
    auto wf = open_input_file(path);
    line_reader win(wf, path);
    std::vector<bool> seen(net.parameter_size(), false);
    while (win.next(line)) {
      const std::string content = line.substr(0, line.find('#'));
      const auto t = split_whitespace(content);
      if (t.empty()) continue;
      const double v = win.parse_double(t[0], "a connection value");
      if (t.size() == 7 && t[1] == "a") {
        // weight: from layer l_s neuron n_s to layer l_e neuron n_e (1-based neurons)
        const auto ls = win.parse_integer<std::size_t>(t[3], "l_s");
        const auto ns = win.parse_integer<std::size_t>(t[4], "n_s");
        const auto le = win.parse_integer<std::size_t>(t[5], "l_e");
        const auto nn = win.parse_integer<std::size_t>(t[6], "n_e");
        if (le != ls + 1 || le < 1 || le > shapes.size() || ns < 1 || ns > shapes[le - 1].in ||
            nn < 1 || nn > shapes[le - 1].out)
          win.fail("weight indices do not fit the network " + net.describe());
        const std::size_t at =
            net.parameter_offset(le - 1) + (nn - 1) * shapes[le - 1].in + (ns - 1);
        net.parameters()[at] = v;
        seen[at] = true;
      } else if (t.size() == 5 && t[1] == "b") {
        const auto l = win.parse_integer<std::size_t>(t[3], "l");
        const auto n = win.parse_integer<std::size_t>(t[4], "n");
        if (l < 1 || l > shapes.size() || n < 1 || n > shapes[l - 1].out)
          win.fail("bias indices do not fit the network " + net.describe());
        const std::size_t at =
            net.parameter_offset(l - 1) + shapes[l - 1].in * shapes[l - 1].out + (n - 1);
        net.parameters()[at] = v;
        seen[at] = true;
      } else {
        win.fail(
            "expected '<value> a <index> <l_s> <n_s> <l_e> <n_e>' or '<value> b <index> <l> <n>'");
      }
    }
    const auto missing = std::count(seen.begin(), seen.end(), false);
    if (missing > 0)
      throw error(path, 0,
                  std::to_string(missing) + " of " + std::to_string(seen.size()) +
                      " connections of the network " + net.describe() + " are missing");
    m.networks.push_back(std::move(net));
  }
  m.metadata.emplace_back("imported_from", "n2p2 " + input_nn);
  m.validate();
  return m;
}

/// Reads an n2p2 model directory (input.nn, scaling.data, weights.ZZZ.data).
[[nodiscard]] inline model read_n2p2_model(const std::string& directory) {
  const std::filesystem::path d(directory);
  return read_n2p2_model((d / "input.nn").string(), (d / "scaling.data").string(),
                         (d / "weights.%03d.data").string());
}

/// Writes a model as an n2p2 model directory (atomic writes per file). Refuses models n2p2
/// cannot express (Chebyshev functions, activations without an n2p2 letter, spins, a
/// short-range baseline, inactive descriptors).
inline void write_n2p2_model(const std::string& directory, const model& m) {
  m.validate();
  if (m.core.enabled())
    throw error("n2p2 has no short-range pair baseline: this model's " +
                std::string(short_range::kind_name(m.core.type)) +
                " term cannot be written as an n2p2 model");
  for (std::size_t e = 0; e < m.elements.size(); ++e)
    if (m.scaling.inactive_count(e) > 0)
      throw error(
          "n2p2 cannot mark descriptors inactive: " + std::to_string(m.scaling.inactive_count(e)) +
          " descriptors of " + std::string(symbol(m.elements[e])) +
          " have a training range below min_range and are unused by this model");
  for (const auto& f : m.functions)
    if (n2p2_type(f.kind) < 0) throw error(f.describe() + ": n2p2 has no such symmetry function");
  std::filesystem::create_directories(directory);
  const std::filesystem::path d(directory);
  std::vector<int> sorted = m.elements;
  std::sort(sorted.begin(), sorted.end());
  const auto index_of = [&](int z) {
    return static_cast<std::size_t>(std::find(m.elements.begin(), m.elements.end(), z) -
                                    m.elements.begin());
  };
  // n2p2 needs the same network shape for all elements unless element_* overrides are used.
  std::string nn = "# n2p2 model written by annp\n";
  nn += "number_of_elements " + std::to_string(m.elements.size()) + "\nelements";
  for (int z : sorted) nn += " " + std::string(symbol(z));
  nn += "\ncutoff_type " + std::to_string(cutoff_kind_n2p2_type(m.cutoff)) + " " +
        format_double(m.cutoff_alpha) + "\n";
  switch (m.scaling.mode()) {
  case scaling_mode::none: break;
  case scaling_mode::scale: nn += "scale_symmetry_functions\n"; break;
  case scaling_mode::center: nn += "center_symmetry_functions\n"; break;
  case scaling_mode::scale_center:
    nn += "scale_symmetry_functions\ncenter_symmetry_functions\n";
    break;
  case scaling_mode::scale_sigma: nn += "scale_symmetry_functions_sigma\n"; break;
  }
  nn += "scale_min_short " + format_double(m.scaling.smin()) + "\nscale_max_short " +
        format_double(m.scaling.smax()) + "\n";
  // Energy: E_i = NN / conv_energy + mean_energy + atom_energy; annp's scale and references.
  nn += "mean_energy 0\nconv_energy " + format_double(1.0 / m.energy_scale) + "\nconv_length 1\n";
  for (int z : sorted)
    nn += "atom_energy " + std::string(symbol(z)) + " " +
          format_double(m.atomic_energies[index_of(z)]) + "\n";
  const auto& first = m.networks[index_of(sorted[0])];
  const auto letters = [&](const dynamic_network& net) {
    std::string s;
    for (const auto& l : net.layers()) s += std::string(" ") + activation_n2p2_code(l.activation);
    return s;
  };
  const auto widths = [&](const dynamic_network& net) {
    std::string s;
    for (std::size_t l = 0; l + 1 < net.layer_count(); ++l)
      s += " " + std::to_string(net.layers()[l].out);
    return s;
  };
  nn += "global_hidden_layers_short " + std::to_string(first.layer_count() - 1) + "\n";
  nn += "global_nodes_short" + widths(first) + "\nglobal_activation_short" + letters(first) + "\n";
  for (int z : sorted) {
    const auto& net = m.networks[index_of(z)];
    if (net.layer_count() != first.layer_count())
      throw error("n2p2 needs the same number of hidden layers for every element");
    if (widths(net) != widths(first))
      nn += "element_nodes_short " + std::string(symbol(z)) + widths(net) + "\n";
    if (letters(net) != letters(first))
      nn += "element_activation_short " + std::string(symbol(z)) + letters(net) + "\n";
  }
  // n2p2 feeds each network its element's functions in n2p2's order: order[k][j] is the annp
  // input (of element sorted[k]) that becomes n2p2's input j; scaling rows and the first layer's
  // weight columns are written in that order.
  std::vector<std::vector<std::size_t>> order(sorted.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const auto fz = m.functions_of(sorted[k]);
    auto& o = order[k];
    o.resize(fz.size());
    std::iota(o.begin(), o.end(), std::size_t{0});
    std::stable_sort(o.begin(), o.end(),
                     [&](std::size_t a, std::size_t b) { return n2p2_order_less(fz[a], fz[b]); });
    for (std::size_t j : o) nn += format_n2p2_symfunction(fz[j]) + "\n";
  }
  std::string sc =
      "# symmetry function scaling data written by annp: e_index sf_index min max mean sigma\n";
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const auto& st = m.scaling.stats(index_of(sorted[k]));
    for (std::size_t j = 0; j < order[k].size(); ++j) {
      const std::size_t i = order[k][j];
      sc += std::to_string(k + 1) + " " + std::to_string(j + 1) + " " + format_double(st.min[i]) +
            " " + format_double(st.max[i]) + " " + format_double(st.mean[i]) + " " +
            format_double(st.sigma[i]) + "\n";
    }
  }
  write_file_atomically((d / "input.nn").string(), nn);
  write_file_atomically((d / "scaling.data").string(), sc);
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const int z = sorted[k];
    const auto& net = m.networks[index_of(z)];
    std::string w =
        "# neural network connections written by annp: value type index l_s n_s l_e n_e\n";
    std::size_t count = 0;
    for (std::size_t l = 0; l < net.layer_count(); ++l) {
      const auto& s = net.layers()[l];
      const auto W = net.weights(l);
      for (std::size_t i = 0; i < s.in; ++i)
        for (std::size_t o = 0; o < s.out; ++o)
          w += format_double(W[o * s.in + (l == 0 ? order[k][i] : i)]) + " a " +
               std::to_string(++count) + " " + std::to_string(l) + " " + std::to_string(i + 1) +
               " " + std::to_string(l + 1) + " " + std::to_string(o + 1) + "\n";
      const auto b = net.bias(l);
      for (std::size_t o = 0; o < s.out; ++o)
        w += format_double(b[o]) + " b " + std::to_string(++count) + " " + std::to_string(l + 1) +
             " " + std::to_string(o + 1) + "\n";
    }
    write_file_atomically((d / detail::weights_file_name(z)).string(), w);
  }
}

} // namespace annp
