#pragma once
// From labelled structures to everything a training run needs, in the order that keeps the
// validation and test sets unseen:
//
//   model m = annp::initial_model(elements, recipe, seed);   // functions, networks, no scaling
//   auto split = annp::split_dataset(structures, {0.1, 0.1}, seed);
//   auto data = annp::prepare_training(m, structures, split); // reference energies, energy
//                                                            // scale and scaling: training only
//   annp::network_set<> nets(m);
//   annp::trainer t(nets, data.train, optimizer,
//                   {.validation = &data.validation, .weights = weights, .seed = seed});
//   ...; nets.store(m); annp::write_model("al.annp", m);

#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/cutoff.hpp>
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/parameter_grid.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/network/init.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/model.hpp>
#include <annp/potential/short_range.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/training/dataset.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace annp {

struct model_recipe {
  descriptor_recipe descriptors; ///< cutoff radius and symmetry-function grids
  cutoff_kind cutoff = cutoff_kind_of<cutoff::cosine>();
  double cutoff_alpha = 0.0;               ///< inner-cutoff fraction
  std::vector<std::size_t> hidden{20, 20}; ///< hidden-layer widths
  activation_kind activation = activation_kind::of<activation::tanh>();
  scaling_mode scaling = scaling_mode::scale_sigma;
  double scaling_min = 0.0, scaling_max = 1.0; ///< scale_sigma with 0, 1: standardised
  /// Descriptors whose training range is at most this are inactive (descriptors/scaling.hpp).
  double scaling_min_range = 1e-4;
  short_range core; ///< repulsive pair baseline (none by default)
};

/// The sorted atomic numbers occurring in the structures.
[[nodiscard]] inline std::vector<int> elements_of(const std::vector<structure>& structures) {
  std::set<int> z;
  for (const auto& s : structures) z.insert(s.numbers.begin(), s.numbers.end());
  return {z.begin(), z.end()};
}

/// An untrained model: descriptor functions from the recipe's grids, networks initialised by
/// Nguyen-Widrow from `seed`, identity scaling, zero reference energies, energy scale 1.
[[nodiscard]] inline model initial_model(const std::vector<int>& elements, const model_recipe& r,
                                         std::uint64_t seed) {
  if (elements.empty()) throw error("initial_model: no elements");
  model m;
  m.elements = elements;
  m.cutoff = r.cutoff;
  m.cutoff_alpha = r.cutoff_alpha;
  m.functions = make_descriptor_functions(elements, r.descriptors);
  m.spins.assign(elements.size(), 0.0);
  std::vector<std::size_t> sizes;
  for (int z : elements) sizes.push_back(m.functions_of(z).size());
  for (std::size_t e = 0; e < elements.size(); ++e) {
    std::vector<layer_shape> layers;
    std::size_t in = sizes[e];
    for (std::size_t h : r.hidden) {
      if (h == 0) throw error("initial_model: a hidden layer needs at least one neuron");
      layers.push_back({in, h, r.activation});
      in = h;
    }
    layers.push_back({in, 1, activation_kind::of<activation::linear>()});
    dynamic_network net(layers);
    initialize(net, init::nguyen_widrow{}, seed + e);
    m.networks.push_back(std::move(net));
  }
  m.atomic_energies.assign(elements.size(), 0.0);
  m.energy_scale = 1.0;
  m.scaling = descriptor_scaling::identity(sizes);
  m.core = r.core;
  m.validate();
  return m;
}

namespace detail {
// radial_g2<NR> [, angular_narrow<NA> | angular_wide<NA>]: the layouts make_descriptor_functions
// builds, so the recipe's counts can be derived from the type.
template <class Kinds> struct recipe_layout : std::false_type {};
template <std::size_t NR>
struct recipe_layout<type_list<sf_count<sf_kinds::radial, NR>>> : std::true_type {
  static constexpr std::size_t radial = NR, angular = 0;
  static constexpr sf_kind angular_kind = sf_kind_of<sf_kinds::angular_narrow>();
  static constexpr bool chebyshev = false;
};
template <std::size_t NR, class A, std::size_t NA>
requires std::same_as<A, sf_kinds::angular_narrow> || std::same_as<A, sf_kinds::angular_wide>
struct recipe_layout<type_list<sf_count<sf_kinds::radial, NR>, sf_count<A, NA>>> : std::true_type {
  static constexpr std::size_t radial = NR, angular = NA;
  static constexpr sf_kind angular_kind = sf_kind_of<A>();
  static constexpr bool chebyshev = false;
};
// chebyshev_radial<NR>, chebyshev_angular<NA>: aenet's set (with spin-weighted copies for more
// than one element).
template <std::size_t NR, std::size_t NA>
struct recipe_layout<
    type_list<sf_count<sf_kinds::chebyshev_radial, NR>, sf_count<sf_kinds::chebyshev_angular, NA>>>
    : std::true_type {
  static constexpr std::size_t radial = NR, angular = NA;
  static constexpr sf_kind angular_kind = sf_kind_of<sf_kinds::chebyshev_angular>();
  static constexpr bool chebyshev = true;
};
} // namespace detail

/// An untrained model for the static potential type Potential: its cutoff function, its
/// descriptor layout and its networks come from the type, the recipe supplies the rest (radius,
/// grids, zetas and lambdas, scaling, core). The descriptor set must be radial_g2<NR> optionally
/// followed by angular_narrow<NA> or angular_wide<NA> (what make_descriptor_functions builds):
/// the recipe's radial_count = NR / elements and angular_count = NA / (element pairs x zetas x
/// lambdas), which must divide evenly (the error says why not); or chebyshev_radial<NR>,
/// chebyshev_angular<NA>: orders 0 ... NR - 1 and 0 ... NA - 1 (for several elements, half of
/// each count and the same orders weighted by the element spins). A static network type is
/// initialised by Nguyen-Widrow from seed (one seed per element, as initial_model); a dynamic
/// one takes the recipe's hidden layers and activation. Then, as for any model:
///   model m = annp::initial_model_for<P>(elements, recipe, seed);
///   auto data = annp::prepare_training(m, structures, split, recipe);
///   P pot(m);  annp::trainer t(pot, data.train, optimizer, {...});
template <class Potential>
[[nodiscard]] model initial_model_for(const std::vector<int>& elements, model_recipe r,
                                      std::uint64_t seed) {
  using descriptor = typename Potential::descriptor_type;
  using network = typename Potential::network_type_t;
  if (elements.empty()) throw error("initial_model_for: no elements");
  r.cutoff = cutoff_kind_of<typename descriptor::cutoff_type>();
  if constexpr (!descriptor::is_dynamic) {
    using layout = detail::recipe_layout<typename descriptor::kind_list>;
    static_assert(layout::value,
                  "initial_model_for: the descriptor set must be radial_g2<N> optionally followed "
                  "by angular_narrow<N> or angular_wide<N>, or chebyshev_radial<N>, "
                  "chebyshev_angular<N>; build other layouts' functions yourself and construct "
                  "the model from them");
    const std::size_t ne = elements.size();
    const std::string set = "the descriptor set [" + descriptor::pattern() + "]";
    if constexpr (layout::chebyshev) {
      // Per element: orders 0..n-1, and with several elements the same weighted by spins.
      const std::size_t copies = ne > 1 ? 2 : 1;
      if (layout::radial % copies != 0 || layout::angular % copies != 0)
        throw error("initial_model_for: " + set + " needs even counts for " + std::to_string(ne) +
                    " elements (orders, then the same spin-weighted)");
      r.descriptors.radial_count = layout::radial / copies;
      r.descriptors.angular_count = layout::angular / copies;
    } else {
      const std::size_t pairs = ne * (ne + 1) / 2;
      const std::size_t per_grid =
          pairs * r.descriptors.zetas.size() * r.descriptors.lambdas.size();
      if (layout::radial % ne != 0)
        throw error("initial_model_for: " + set + " has " + std::to_string(layout::radial) +
                    " radial functions, not a multiple of the " + std::to_string(ne) + " elements");
      if (layout::angular > 0 && (per_grid == 0 || layout::angular % per_grid != 0))
        throw error("initial_model_for: " + set + " has " + std::to_string(layout::angular) +
                    " angular functions, not a multiple of " + std::to_string(pairs) +
                    " element pairs x " + std::to_string(r.descriptors.zetas.size()) + " zetas x " +
                    std::to_string(r.descriptors.lambdas.size()) + " lambdas");
      r.descriptors.radial_count = layout::radial / ne;
      r.descriptors.angular_count = layout::angular > 0 ? layout::angular / per_grid : 0;
    }
    r.descriptors.angular_kind = layout::angular_kind;
  }
  model m = initial_model(elements, r, seed);
  if constexpr (!network::is_dynamic) {
    m.networks.clear();
    for (std::size_t e = 0; e < elements.size(); ++e) {
      network n;
      initialize(n, init::nguyen_widrow{}, seed + e);
      m.networks.emplace_back(n);
    }
  }
  (void)Potential(m); // the type accepts the model (shapes, kinds), or says what differs
  return m;
}

/// Merges into `into` the shortest distance of each element pair (atomic numbers z1 <= z2)
/// that comes closer than `below` (Å) in a structure; pairs that do not are left out.
inline void shortest_pair_distances(const structure& s, double below,
                                    std::map<std::pair<int, int>, double>& into) {
  if (s.size() < 2 && !s.any_periodic()) return;
  neighbor_list_options o{below};
  o.min_distance = 0.0;
  const neighbor_list nl(s, o);
  for (std::size_t i = 0; i < nl.size(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const std::pair<int, int> zz = std::minmax(s.numbers[i], s.numbers[nl.index()[k]]);
      const auto [at, fresh] = into.try_emplace(zz, nl.r()[k]);
      if (!fresh) at->second = std::min(at->second, nl.r()[k]);
    }
}

/// The same for one structure alone.
[[nodiscard]] inline std::map<std::pair<int, int>, double>
shortest_pair_distances(const structure& s, double below) {
  std::map<std::pair<int, int>, double> out;
  shortest_pair_distances(s, below, out);
  return out;
}

/// The shortest interatomic distance in a structure if it is below `below` (Å), else `below`.
[[nodiscard]] inline double shortest_distance(const structure& s, double below) {
  double r = below;
  for (const auto& [zz, d] : shortest_pair_distances(s, below)) r = std::min(r, d);
  return r;
}

/// The closest pair of a structure inside a short-range core's outer radius of its element
/// pair, relative to that radius: {distance, outer radius, z1, z2}; distance < 0 if none.
struct core_intrusion {
  double distance = -1.0, outer = 0.0;
  int z1 = 0, z2 = 0;
};
[[nodiscard]] inline core_intrusion core_intrusion_of(const structure& s, const short_range& core) {
  core_intrusion worst;
  if (!core.enabled()) return worst;
  for (const auto& [zz, r] : shortest_pair_distances(s, core.reach())) {
    const double outer = core.radii(zz.first, zz.second).second;
    if (r < outer && (worst.distance < 0.0 || r / outer < worst.distance / worst.outer))
      worst = {r, outer, zz.first, zz.second};
  }
  return worst;
}

/// The first config_type named in `by_config_type` that no structure has, if any.
[[nodiscard]] inline std::optional<std::string>
absent_config_type(const std::vector<structure>& structures,
                   const std::map<std::string, double>& by_config_type) {
  std::set<std::string> seen;
  for (const auto& s : structures) seen.insert(s.config_type);
  for (const auto& entry : by_config_type)
    if (!seen.contains(entry.first)) return entry.first;
  return std::nullopt;
}

/// The loss weight of every structure (training_structure::weight): the weight of its
/// config_type in `by_config_type` (1 where absent) times its own `weight` key, when its source
/// file gives one (an extended-XYZ comment line's weight=0.5). Every config_type named must
/// occur in the structures (absent_config_type), every weight follow is_loss_weight (a weight
/// key that does not is refused with its source).
[[nodiscard]] inline std::vector<double>
structure_weights(const std::vector<structure>& structures,
                  const std::map<std::string, double>& by_config_type = {}) {
  if (const auto type = absent_config_type(structures, by_config_type))
    throw error("structure weights: no structure has config_type '" + *type + "'");
  for (const auto& [type, w] : by_config_type)
    if (!is_loss_weight(w))
      throw error("structure weights: the weight of config_type '" + type +
                  "' must be a finite number >= 0, got " + format_double(w));
  std::vector<double> out(structures.size(), 1.0);
  for (std::size_t k = 0; k < structures.size(); ++k) {
    const auto& s = structures[k];
    if (const auto it = by_config_type.find(s.config_type); it != by_config_type.end())
      out[k] = it->second;
    for (const auto& [key, value] : s.info) {
      if (key != "weight") continue;
      double w = 0.0;
      if (!try_parse_double(value, w) || !is_loss_weight(w))
        throw error((s.source.empty() ? "structure " + std::to_string(k) : s.source) +
                    ": weight=" + value + ": expected a finite number >= 0");
      out[k] *= w;
    }
  }
  return out;
}

struct prepared_training {
  training_data train, validation, test;
  /// The validation structures whose descriptors all lie inside the training range: model
  /// selection on these is not dominated by structures the training data cannot describe.
  training_data validation_in_range;
  std::size_t validation_extrapolating = 0, test_extrapolating = 0; ///< structures
  std::vector<double> reference_energies; ///< per element, eV (least squares, training split)
  double energy_scale = 1.0;              ///< eV: spread of interaction energies per atom

  /// Sets the loss weights of every split's structures (structure_weights(), indexed like the
  /// structures the data were prepared from).
  void set_weights(std::span<const double> per_structure) {
    for (auto* d : {&train, &validation, &test, &validation_in_range})
      d->set_weights(per_structure);
  }
};

/// Fits the reference energies and the energy scale on the training split, computes the
/// descriptors (and, with `derivatives`, their derivatives) of all three splits, takes the
/// scaling statistics from the training split only, and writes all of it into the model.
/// With a short-range core in the model, no training structure may have two atoms closer than
/// its outer radius (the networks are fitted where the core is off), and validation structures
/// that do are left out of model selection. The structures must outlive the returned data.
/// With `stream`, the derivatives are recomputed whenever a structure is used instead of stored
/// (training_data_options::stream: for training sets too large to keep them).
[[nodiscard]] inline prepared_training
prepare_training(model& m, const std::vector<structure>& structures, const dataset_split& split,
                 const model_recipe& recipe, bool derivatives = true, bool stream = false) {
  prepared_training out;
  std::vector<bool> inside_core(structures.size(), false);
  if (m.core.enabled()) {
    for (const auto* which : {&split.validation, &split.test})
      for (std::size_t k : *which)
        inside_core[k] = core_intrusion_of(structures[k], m.core).distance >= 0.0;
    for (std::size_t k : split.train) {
      const auto in = core_intrusion_of(structures[k], m.core);
      if (in.distance >= 0.0)
        throw error((structures[k].source.empty() ? "training structure " + std::to_string(k)
                                                  : structures[k].source) +
                    ": two atoms (" + std::string(symbol(in.z1)) + "-" +
                    std::string(symbol(in.z2)) + ") are " + format_double(in.distance) +
                    " Å apart, inside the short-range core's outer radius " +
                    format_double(in.outer) +
                    " Å; the networks are fitted only where the core is off: choose an outer "
                    "radius at most the shortest distance in the training data");
    }
  }
  out.reference_energies = fit_reference_energies(structures, split.train, m.elements);
  // Energy scale: standard deviation of the per-atom interaction energy on the training split.
  double sum = 0.0, sq = 0.0;
  std::size_t n = 0;
  for (std::size_t k : split.train) {
    const auto& s = structures[k];
    if (!s.energy || s.size() == 0) continue;
    double e = *s.energy;
    for (int z : s.numbers)
      for (std::size_t el = 0; el < m.elements.size(); ++el)
        if (m.elements[el] == z) e -= out.reference_energies[el];
    e /= static_cast<double>(s.size());
    sum += e;
    sq += e * e;
    ++n;
  }
  const double mean = n ? sum / static_cast<double>(n) : 0.0;
  const double var = n ? sq / static_cast<double>(n) - mean * mean : 0.0;
  out.energy_scale = var > 1e-12 ? std::sqrt(var) : 1.0;
  m.atomic_energies = out.reference_energies;
  m.energy_scale = out.energy_scale;
  with_cutoff(m.cutoff, [&](auto c) {
    const descriptor_engine<decltype(c)> engine(m.elements, m.functions, m.cutoff_alpha, m.spins);
    const training_data_options o{derivatives, stream};
    out.train = training_data(engine, structures, split.train, o);
    out.validation = training_data(engine, structures, split.validation, o);
    out.test = training_data(engine, structures, split.test, o);
    std::vector<std::size_t> sizes;
    for (std::size_t e = 0; e < m.elements.size(); ++e) sizes.push_back(engine.size(e));
    descriptor_statistics stats(sizes);
    out.train.accumulate(stats);
    std::vector<descriptor_stats> per_element;
    for (std::size_t e = 0; e < sizes.size(); ++e) {
      if (stats.result(e).count == 0)
        throw error("prepare_training: no atom of " + std::string(symbol(m.elements[e])) +
                    " in the training split: its descriptors cannot be scaled");
      per_element.push_back(stats.result(e));
    }
    out.validation_extrapolating = out.validation.count_extrapolations(per_element);
    out.test_extrapolating = out.test.count_extrapolations(per_element);
    m.scaling = descriptor_scaling(recipe.scaling, recipe.scaling_min, recipe.scaling_max,
                                   std::move(per_element), recipe.scaling_min_range);
    return 0;
  });
  out.train.apply_scaling(m.scaling);
  out.validation.apply_scaling(m.scaling);
  out.test.apply_scaling(m.scaling);
  out.validation_in_range = out.validation.select(
      [&](const training_structure& t) { return t.extrapolations == 0 && !inside_core[t.index]; });
  return out;
}

} // namespace annp
