#pragma once
// Training data: splits, per-element reference energies and the precomputed descriptors (with
// their derivatives) that every training step needs.
//
// - split_dataset(): seeded, by structure, stratified by config_type: every config_type is split
//   in the requested proportions, so small categories (dimers, slabs) are represented in the
//   validation and test sets too. split_kind::shuffle draws one random stream through the
//   config_types in name order (a new config_type reshuffles every type after it);
//   split_kind::content ranks each type's structures by a seeded hash of their geometry, so a
//   structure keeps its place when data is added or relabelled.
// - fit_reference_energies(): per-element energies mu_e minimising sum_s (E_s - sum_e N_se mu_e)^2
//   (linear least squares), so that the networks learn only the interaction part.
// - training_data: for each structure, the scaled descriptors of every atom and, for force and
//   stress training, dG_i/dr_j for every atom pair (i, j) within the cutoff (periodic images of
//   the same atom merged) and dG_i/d(strain), all already multiplied by the scaling factors.
//   Descriptors are computed once (raw), scaling statistics come from the training split only,
//   and scaling is then applied in place.

#include <annp/core/error.hpp>
#include <annp/core/parallel.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/structure/structure.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace annp {

struct split_fractions {
  double validation = 0.1;
  double test = 0.0;
};

struct dataset_split {
  std::vector<std::size_t> train, validation, test; ///< indices into the structure list
};

/// How split_dataset orders each config_type before cutting it into validation, test, training.
enum class split_kind {
  shuffle, ///< one seeded Fisher-Yates stream through the config_types in name order
  content  ///< each structure ranked by structure_key(structure, seed)
};

namespace detail {
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
} // namespace detail

/// A seeded 64-bit key of a structure's geometry: atomic numbers, cell, periodicity and
/// positions (their exact bits as read), nothing else — labels, config_type and the position
/// in the file do not enter, so relabelled or reordered data keep their keys.
[[nodiscard]] inline std::uint64_t structure_key(const structure& s, std::uint64_t seed) {
  std::uint64_t h = detail::mix64(seed ^ 0x616e6e7073706c74ull);
  const auto add = [&h](std::uint64_t word) { h = detail::mix64(h ^ word); };
  const auto add_real = [&add](double x) { add(std::bit_cast<std::uint64_t>(x == 0.0 ? 0.0 : x)); };
  add(s.size());
  for (int z : s.numbers) add(static_cast<std::uint64_t>(static_cast<std::int64_t>(z)));
  for (std::size_t a = 0; a < 3; ++a) {
    add(s.pbc[a] ? 1u : 0u);
    for (std::size_t b = 0; b < 3; ++b) add_real(s.cell[a][b]);
  }
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t a = 0; a < 3; ++a) add_real(s.positions(i, a));
  return h;
}

/// Seeded split by structure, stratified by config_type. In each config_type with n structures,
/// round(n * validation) go to validation and round(n * test) to test (at least one each when
/// the fraction is positive and n >= 3), the rest to training. With split_kind::content the
/// structures of a type are ranked by structure_key (ties by index): adding structures to the
/// data moves at most a few of that type's structures between the parts and none of any other
/// type, and relabelling moves nothing.
[[nodiscard]] inline dataset_split split_dataset(const std::vector<structure>& structures,
                                                 const split_fractions& f, std::uint64_t seed,
                                                 split_kind kind = split_kind::shuffle) {
  if (f.validation < 0 || f.test < 0 || f.validation + f.test >= 1.0)
    throw error("split fractions must be >= 0 and leave structures for training");
  std::map<std::string, std::vector<std::size_t>> by_type;
  for (std::size_t k = 0; k < structures.size(); ++k)
    by_type[structures[k].config_type].push_back(k);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> keys;
  if (kind == split_kind::content) {
    keys.resize(structures.size());
    for (std::size_t k = 0; k < structures.size(); ++k)
      keys[k] = structure_key(structures[k], seed);
  }
  dataset_split out;
  for (auto& [type, idx] : by_type) {
    if (kind == split_kind::content)
      std::sort(idx.begin(), idx.end(), [&keys](std::size_t a, std::size_t b) {
        return keys[a] != keys[b] ? keys[a] < keys[b] : a < b;
      });
    else // Fisher-Yates with raw engine bits (portable across standard libraries).
      for (std::size_t k = idx.size(); k > 1; --k) std::swap(idx[k - 1], idx[rng() % k]);
    const std::size_t size = idx.size();
    const auto count = [size](double frac) {
      if (frac <= 0.0) return std::size_t{0};
      auto c = static_cast<std::size_t>(std::lround(static_cast<double>(size) * frac));
      if (c == 0 && size >= 3) c = 1;
      return c;
    };
    const std::size_t nv = count(f.validation), nt = count(f.test);
    for (std::size_t k = 0; k < idx.size(); ++k) {
      if (k < nv)
        out.validation.push_back(idx[k]);
      else if (k < nv + nt)
        out.test.push_back(idx[k]);
      else
        out.train.push_back(idx[k]);
    }
  }
  for (auto* v : {&out.train, &out.validation, &out.test}) std::sort(v->begin(), v->end());
  if (out.train.empty()) throw error("the split leaves no structures for training");
  return out;
}

/// Per-element reference energies by linear least squares over the given structures (those with
/// an energy label). Elements that appear in no structure get 0.
[[nodiscard]] inline std::vector<double>
fit_reference_energies(const std::vector<structure>& structures,
                       const std::vector<std::size_t>& which, const std::vector<int>& elements) {
  const std::size_t ne = elements.size();
  std::vector<double> ata(ne * ne, 0.0), atb(ne, 0.0);
  std::size_t rows = 0;
  for (std::size_t k : which) {
    const auto& s = structures[k];
    if (!s.energy) continue;
    std::vector<double> n(ne, 0.0);
    for (int z : s.numbers)
      for (std::size_t e = 0; e < ne; ++e)
        if (elements[e] == z) n[e] += 1.0;
    for (std::size_t a = 0; a < ne; ++a) {
      atb[a] += n[a] * *s.energy;
      for (std::size_t b = 0; b < ne; ++b) ata[a * ne + b] += n[a] * n[b];
    }
    ++rows;
  }
  if (rows == 0) throw error("no energy labels to fit reference energies to");
  // Elements absent from the data: fix their reference at 0.
  for (std::size_t a = 0; a < ne; ++a)
    if (ata[a * ne + a] == 0.0) ata[a * ne + a] = 1.0;
  // Gaussian elimination with partial pivoting (ne is small).
  std::vector<double> mu = atb;
  for (std::size_t c = 0; c < ne; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < ne; ++r)
      if (std::abs(ata[r * ne + c]) > std::abs(ata[p * ne + c])) p = r;
    if (std::abs(ata[p * ne + c]) < 1e-12)
      throw error("reference energies are not determined: the compositions of the training "
                  "structures are linearly dependent (e.g. every structure has the same ratio "
                  "of elements); fix them by hand");
    for (std::size_t k = 0; k < ne; ++k) std::swap(ata[c * ne + k], ata[p * ne + k]);
    std::swap(mu[c], mu[p]);
    for (std::size_t r = c + 1; r < ne; ++r) {
      const double f = ata[r * ne + c] / ata[c * ne + c];
      for (std::size_t k = c; k < ne; ++k) ata[r * ne + k] -= f * ata[c * ne + k];
      mu[r] -= f * mu[c];
    }
  }
  for (std::size_t c = ne; c-- > 0;) {
    for (std::size_t k = c + 1; k < ne; ++k) mu[c] -= ata[c * ne + k] * mu[k];
    mu[c] /= ata[c * ne + c];
  }
  return mu;
}

/// The rule for a structure's loss weight (training_structure::weight): finite and >= 0.
[[nodiscard]] inline bool is_loss_weight(double w) { return w >= 0.0 && std::isfinite(w); }

/// The precomputed view of one structure.
struct training_structure {
  std::size_t index = 0; ///< position in the data set's structure list
  std::size_t atoms = 0;
  std::vector<int> element;        ///< per atom
  std::vector<std::size_t> offset; ///< per atom: start of its descriptors in G
  std::vector<double> G;           ///< scaled descriptors, all atoms
  // dG_i/dr_j (scaled): for atom i, pairs pair_begin[i] .. pair_begin[i+1]-1 with partner atom
  // pair_atom[p] and 3 x n_i values at deriv[deriv_offset[p] ...] as [alpha][m].
  std::vector<std::size_t> pair_begin;
  std::vector<std::uint32_t> pair_atom;
  std::vector<std::size_t> deriv_offset;
  std::vector<double> deriv;
  // dG_i/d(strain_ab) (scaled): 9 x n_i values per atom at strain[offset[i] * 9 ...] as [ab][m].
  std::vector<double> strain;
  double volume = 0.0;
  bool periodic = false;
  bool has_derivatives = false; ///< derivatives available: stored here, or recomputed (streamed)
  /// The derivatives are not stored but recomputed when used (training_data::resolve).
  bool streamed = false;
  /// Descriptor values outside the training range (set by count_extrapolations()).
  std::size_t extrapolations = 0;
  /// Relative weight of this structure's labels in the loss (training_objective): 1 by default,
  /// 0 leaves them out; set by training_data::set_weights().
  double weight = 1.0;
};

struct training_data_options {
  bool derivatives = true; ///< dG/dr and dG/d(strain) (force and stress training)
  /// Recompute each structure's derivatives when it is used instead of storing them: ≈ 0.3 kB
  /// instead of ≈ 54 kB per atom (6 Å cutoff, 30 functions), for the cost of computing the
  /// descriptor Jacobian again at every use (docs/performance.md).
  bool stream = false;
};

/// Descriptors (and derivatives) of a list of structures. Computed by a descriptor engine of any
/// cutoff type; afterwards the data no longer depend on it (the structures must outlive them).
class training_data {
 public:
  training_data() = default;

  /// Computes raw descriptors of structures[which[k]] (threaded over structures).
  template <class Engine>
  training_data(const Engine& engine, const std::vector<structure>& structures,
                const std::vector<std::size_t>& which, training_data_options options = {})
      : m_structures(&structures) {
    m_items.resize(which.size());
    training_data_options stored = options;
    if (options.derivatives && options.stream) {
      stored.derivatives = false;
      // The engine is copied: the data outlive the caller's engine.
      auto eng = std::make_shared<const Engine>(engine);
      m_rebuild = std::make_shared<const rebuild_function>(
          [eng](const structure& s, std::size_t index, training_structure& t) {
            typename Engine::workspace ws;
            build(*eng, ws, s, index, training_data_options{true, false}, t);
          });
    }
    const auto n = static_cast<std::ptrdiff_t>(which.size());
    std::vector<std::string> failures(which.size());
    ANNP_OMP("omp parallel")
    {
      typename Engine::workspace ws;
      ANNP_OMP("omp for schedule(dynamic, 1)")
      for (std::ptrdiff_t k = 0; k < n; ++k) {
        try {
          auto& t = m_items[static_cast<std::size_t>(k)];
          build(engine, ws, structures[which[static_cast<std::size_t>(k)]],
                which[static_cast<std::size_t>(k)], stored, t);
          if (m_rebuild) t.has_derivatives = t.streamed = true;
        } catch (const error& e) {
          failures[static_cast<std::size_t>(k)] = e.what();
        }
      }
    }
    for (const auto& f : failures)
      if (!f.empty()) throw error(f);
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_items.size(); }
  [[nodiscard]] const training_structure& operator[](std::size_t k) const { return m_items[k]; }
  [[nodiscard]] const structure& source(std::size_t k) const {
    return (*m_structures)[m_items[k].index];
  }
  [[nodiscard]] std::size_t atom_count() const noexcept {
    std::size_t n = 0;
    for (const auto& t : m_items) n += t.atoms;
    return n;
  }
  /// Bytes held by the precomputed descriptors and derivatives (allocated capacity): what
  /// training on these structures keeps in memory besides the structures themselves.
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    const auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
    std::size_t n = m_items.capacity() * sizeof(training_structure);
    for (const auto& t : m_items)
      n += bytes(t.element) + bytes(t.offset) + bytes(t.G) + bytes(t.pair_begin) +
           bytes(t.pair_atom) + bytes(t.deriv_offset) + bytes(t.deriv) + bytes(t.strain);
    return n;
  }

  /// Adds the raw descriptors of every atom to statistics (call before apply_scaling).
  void accumulate(descriptor_statistics& stats) const {
    for (const auto& t : m_items)
      for (std::size_t i = 0; i < t.atoms; ++i)
        stats.add(static_cast<std::size_t>(t.element[i]),
                  std::span<const double>(t.G.data() + t.offset[i], t.offset[i + 1] - t.offset[i]));
  }

  /// Counts, per structure, the raw descriptor values outside [min, max] of the statistics
  /// (call before apply_scaling). Returns the number of structures with at least one.
  std::size_t count_extrapolations(const std::vector<descriptor_stats>& range) {
    if (m_scaled) throw error("training data: count extrapolations before scaling");
    std::size_t structures = 0;
    for (auto& t : m_items) {
      t.extrapolations = 0;
      for (std::size_t i = 0; i < t.atoms; ++i) {
        const auto& r = range.at(static_cast<std::size_t>(t.element[i]));
        for (std::size_t m = 0; m < t.offset[i + 1] - t.offset[i]; ++m) {
          const double g = t.G[t.offset[i] + m];
          // A small tolerance: values at the edge of the range are not extrapolations.
          const double tol = 1e-9 * std::max(1.0, r.max[m] - r.min[m]);
          if (g < r.min[m] - tol || g > r.max[m] + tol) ++t.extrapolations;
        }
      }
      structures += t.extrapolations > 0 ? 1 : 0;
    }
    return structures;
  }

  /// Item k with its derivatives: the stored item, or for streamed data the item recomputed
  /// into `scratch` (with the data's scaling) and returned from there.
  const training_structure& resolve(std::size_t k, training_structure& scratch) const {
    const auto& t = m_items[k];
    if (!t.streamed) return t;
    (*m_rebuild)((*m_structures)[t.index], t.index, scratch);
    if (m_scaling) scale(scratch, *m_scaling);
    scratch.extrapolations = t.extrapolations;
    scratch.weight = t.weight;
    return scratch;
  }

  /// Sets every structure's loss weight from a list indexed like the structures the data were
  /// built from (training_structure::index): finite and >= 0.
  void set_weights(std::span<const double> per_structure) {
    for (auto& t : m_items) {
      if (t.index >= per_structure.size())
        throw error("training data: " + std::to_string(per_structure.size()) +
                    " structure weights for structure index " + std::to_string(t.index));
      const double w = per_structure[t.index];
      if (!is_loss_weight(w))
        throw error("training data: the weight of structure " + std::to_string(t.index) +
                    " must be a finite number >= 0, got " + format_double(w));
      t.weight = w;
    }
  }

  /// The structures for which keep(structure) is true (descriptors are copied).
  template <class Predicate> [[nodiscard]] training_data select(Predicate keep) const {
    training_data out;
    out.m_structures = m_structures;
    out.m_scaled = m_scaled;
    out.m_rebuild = m_rebuild;
    out.m_scaling = m_scaling;
    for (const auto& t : m_items)
      if (keep(t)) out.m_items.push_back(t);
    return out;
  }

  /// Scales descriptors and derivatives in place (once).
  void apply_scaling(const descriptor_scaling& scaling) {
    if (m_scaled) throw error("training data: scaling applied twice");
    for (auto& t : m_items) scale(t, scaling);
    if (m_rebuild) m_scaling = std::make_shared<const descriptor_scaling>(scaling);
    m_scaled = true;
  }

 private:
  using rebuild_function = std::function<void(const structure&, std::size_t, training_structure&)>;

  static void scale(training_structure& t, const descriptor_scaling& scaling) {
    const bool stored = t.has_derivatives && !t.streamed;
    for (std::size_t i = 0; i < t.atoms; ++i) {
      const auto e = static_cast<std::size_t>(t.element[i]);
      const auto& f = scaling.factors(e);
      const std::size_t nf = f.size();
      scaling.apply(e, t.G.data() + t.offset[i]);
      if (!stored) continue;
      for (std::size_t p = t.pair_begin[i]; p < t.pair_begin[i + 1]; ++p)
        for (std::size_t a = 0; a < 3; ++a)
          for (std::size_t m = 0; m < nf; ++m) t.deriv[t.deriv_offset[p] + a * nf + m] *= f[m];
      for (std::size_t ab = 0; ab < 9; ++ab)
        for (std::size_t m = 0; m < nf; ++m) t.strain[9 * t.offset[i] + ab * nf + m] *= f[m];
    }
  }

  template <class Engine>
  static void build(const Engine& eng, typename Engine::workspace& ws, const structure& s,
                    std::size_t index, const training_data_options& options,
                    training_structure& t) {
    t.index = index;
    t.atoms = s.size();
    t.element = element_indices(eng, s);
    t.periodic = s.fully_periodic();
    t.volume = t.periodic ? s.volume() : 0.0;
    t.has_derivatives = options.derivatives;
    t.offset.assign(t.atoms + 1, 0);
    for (std::size_t i = 0; i < t.atoms; ++i)
      t.offset[i + 1] = t.offset[i] + eng.size(static_cast<std::size_t>(t.element[i]));
    t.G.assign(t.offset.back(), 0.0);
    const neighbor_list nl(s, neighbor_list_options{eng.max_cutoff()});
    std::vector<int> ne;
    t.pair_begin.assign(1, 0);
    t.pair_atom.clear(); // t may be reused (streamed data recompute into scratch)
    t.deriv_offset.clear();
    t.deriv.clear();
    t.strain.clear();
    t.streamed = false;
    if (options.derivatives) t.strain.assign(9 * t.offset.back(), 0.0);
    std::vector<std::size_t> slot_of(t.atoms);
    for (std::size_t i = 0; i < t.atoms; ++i) {
      const auto e = static_cast<std::size_t>(t.element[i]);
      const std::size_t nf = eng.size(e);
      const std::size_t b = nl.begin(i), n = nl.count(i);
      ne.resize(n);
      for (std::size_t k = 0; k < n; ++k) ne[k] = t.element[nl.index()[b + k]];
      eng.gather(ws, e, n, nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
                 nl.r().data() + b, ne.data());
      // Streamed data compute their values through the Jacobian path too (and drop the
      // Jacobian): the values pass packs triplet lanes and sums in another order, and streamed
      // data must give the stored data's loss and gradient bit for bit.
      eng.compute(ws, e, t.G.data() + t.offset[i], options.derivatives || options.stream);
      if (!options.derivatives) continue;
      // Merge slots by partner atom; the atom itself (first) collects -sum of all slots.
      std::fill(slot_of.begin(), slot_of.end(), static_cast<std::size_t>(-1));
      const std::size_t first = t.pair_atom.size();
      const auto pair_for = [&](std::size_t j) {
        if (slot_of[j] == static_cast<std::size_t>(-1)) {
          slot_of[j] = t.pair_atom.size();
          t.pair_atom.push_back(static_cast<std::uint32_t>(j));
          t.deriv_offset.push_back(t.deriv.size());
          t.deriv.resize(t.deriv.size() + 3 * nf, 0.0);
        }
        return slot_of[j];
      };
      (void)pair_for(i);
      for (auto slot : ws.real_slots()) {
        const auto j = nl.index()[b + static_cast<std::size_t>(ws.source(slot))];
        const std::size_t pj = pair_for(j), pi = slot_of[i];
        const double d[3] = {ws.x(slot), ws.y(slot), ws.z(slot)};
        for (std::size_t a = 0; a < 3; ++a)
          for (std::size_t m = 0; m < nf; ++m) {
            const double v = ws.jacobian(m, a, slot);
            t.deriv[t.deriv_offset[pj] + a * nf + m] += v;
            t.deriv[t.deriv_offset[pi] + a * nf + m] -= v;
            for (std::size_t c = 0; c < 3; ++c)
              t.strain[9 * t.offset[i] + (c * 3 + a) * nf + m] += v * d[c];
          }
      }
      (void)first;
      t.pair_begin.push_back(t.pair_atom.size());
    }
    if (!options.derivatives) t.pair_begin.assign(t.atoms + 1, 0);
  }

  const std::vector<structure>* m_structures = nullptr;
  std::vector<training_structure> m_items;
  bool m_scaled = false;
  std::shared_ptr<const rebuild_function> m_rebuild;   // streamed derivatives
  std::shared_ptr<const descriptor_scaling> m_scaling; // applied to recomputed items
};

} // namespace annp
