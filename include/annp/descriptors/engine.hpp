#pragma once
// descriptor_engine<Cutoff, Forms>: evaluates any list of symmetry functions per element, with
// exact derivatives, fast.
//
// How it is fast:
//  - Functions are grouped by (kind family, neighbour elements, r_c). Within a group, per
//    neighbour quantities (r, f_c, the Gaussian factors exp(-eta (r - r_s)^2) per distinct
//    (eta, r_s)) are computed once, and per triplet quantities (cos t, r_jk, (1 + lambda cos)^zeta
//    per distinct (zeta, lambda)) once per triplet, then combined for every member function.
//  - The Gaussian of a narrow angular function factorises,
//    exp(-eta [(r_ij-r_s)^2 + (r_ik-r_s)^2 + (r_jk-r_s)^2]) = E(r_ij) E(r_ik) E(r_jk), so only
//    E(r_jk) costs an exponential per triplet; wide angular functions cost none.
//  - Each group runs kernels compiled for its form (pair/triplet, narrow/wide, leg and angle
//    families): a static descriptor set's engine (Forms = the forms of its kinds) has the families
//    fixed at compile time, the run-time engine (Forms = detail::run_time_forms) reads them from
//    the group. The dispatch happens once per group and atom, never inside the batch loops.
//  - The neighbours of an atom are gathered into structure-of-arrays segments per element, each
//    aligned to the SIMD width and padded with weight-0 dummies, and the pair and triplet loops run
//    over SIMD batches (xsimd) of neighbours k for each neighbour j. Within a segment the
//    neighbours come in order of the element's distinct group cutoffs (those within the shortest
//    first), so a group with a shorter cutoff (a narrow family over the first shells beside wide
//    functions over more) computes its legs, and scans its j and k, over that prefix only.
//
// Output for one atom: the values G[m] and, on request, the Jacobian
// J(m, d, slot) = dG[m] / d(r_slot)_d, the derivative with respect to the displacement vector
// r_slot = r_neighbour - r_centre of each gathered neighbour slot; the derivative with respect to
// the central atom is -sum_slot J(m, ., slot). workspace::source(slot) maps a slot back to the
// caller's neighbour index.
//
// The engine is immutable after construction and safe to use from several threads, each with its
// own workspace.

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/simd.hpp>
#include <annp/descriptors/cutoff.hpp>
#include <annp/descriptors/symmetry_function.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace annp {

/// aenet's per-element "type spins" for weighted Chebyshev functions: for n elements the integers
/// -n/2 ... n/2, skipping 0 when n is even (n = 2: {-1, 1}; n = 3: {-1, 0, 1}); {1} for one
/// element.
[[nodiscard]] inline std::vector<double> default_element_spins(std::size_t n) {
  if (n == 1) return {1.0};
  std::vector<double> out;
  long s = -static_cast<long>(n / 2);
  for (std::size_t i = 0; i < n; ++i) {
    if (s == 0 && n % 2 == 0) ++s;
    out.push_back(static_cast<double>(s));
    ++s;
  }
  return out;
}

namespace detail {

enum class leg_family { gaussian, compact, chebyshev, cutoff_only };
enum class angle_family { none, cos_power, compact, chebyshev };
enum class weighting { none, atomic_number, spin };

struct gaussian_leg {
  double eta, rs;
  friend bool operator==(const gaussian_leg&, const gaussian_leg&) = default;
};
struct compact_leg {
  double rl;
  core_function core;
  friend bool operator==(const compact_leg&, const compact_leg&) = default;
};
struct cos_power {
  double zeta, lambda;
  double prefactor = 0.0; // 2^(1 - zeta)
  int integer_zeta = -1;  // zeta when it is a small integer, else -1
  cos_power() = default;
  cos_power(double z, double l)
      : zeta(z), lambda(l), prefactor(std::pow(2.0, 1.0 - z)),
        integer_zeta(z == std::floor(z) && z <= 64.0 ? static_cast<int>(z) : -1) {}
  friend bool operator==(const cos_power& a, const cos_power& b) {
    return a.zeta == b.zeta && a.lambda == b.lambda;
  }
};
struct compact_angle {
  double left, right; // radians
  core_function core;
  friend bool operator==(const compact_angle&, const compact_angle&) = default;
};

struct member {
  std::size_t out;   // index in the element's descriptor vector
  std::size_t leg;   // index into the group's leg list
  std::size_t angle; // index into the group's angle list (angular groups)
};

inline constexpr std::size_t npos_slot = static_cast<std::size_t>(-1);

struct function_group {
  std::size_t form_slot = npos_slot; // which of the engine's forms runs this group
  bool angular = false;
  bool narrow = false;
  leg_family legs = leg_family::gaussian;
  angle_family angles = angle_family::none;
  weighting weight = weighting::none;
  int e1 = -1, e2 = -1; // neighbour element indices; -1: all elements
  double rc = 0.0;
  std::size_t level = 0; // index of rc among the centre element's distinct group cutoffs
  std::vector<gaussian_leg> gaussians;
  std::vector<compact_leg> compacts;
  std::vector<cos_power> powers;
  std::vector<compact_angle> compact_angles;
  int max_order = 0; // Chebyshev
  std::vector<member> members;
  // Wide angular groups whose functions are polynomials of low degree in cos(theta) (cos powers
  // with small integer zetas, low Chebyshev orders) run through moments of the neighbours'
  // unit vectors (descriptor_engine::moment_kernel): the highest power (-1: triplet kernel), the
  // exponents (a, b, d) of every monomial ux^a uy^b uz^d up to it, per member the coefficient of
  // each product of moments.
  int moment_order = -1;
  std::vector<std::array<int, 3>> moment_exponents;
  std::vector<double> moment_coef; // [member * moment_exponents.size() + q]
  std::size_t moment_offset = 0;   // where its moments go in a workspace's kept moments
  std::size_t kept_leg_row = 0;    // radial groups: first row of its legs' slopes in a workspace
  // Narrow angular groups whose packed triplet terms the values pass keeps for the forces pass
  // (descriptor_engine::triplet_kernel, replay_triplets): their index among those groups.
  std::size_t kept_triplets = npos_slot;

  [[nodiscard]] std::size_t leg_count() const noexcept {
    switch (legs) {
    case leg_family::gaussian: return gaussians.size();
    case leg_family::compact: return compacts.size();
    case leg_family::chebyshev: return static_cast<std::size_t>(max_order) + 1;
    default: return 1;
    }
  }
  [[nodiscard]] std::size_t angle_count() const noexcept {
    switch (angles) {
    case angle_family::cos_power: return powers.size();
    case angle_family::compact: return compact_angles.size();
    case angle_family::chebyshev: return static_cast<std::size_t>(max_order) + 1;
    default: return 0;
    }
  }
};

/// What a group computes, as far as the kernels care: pair or triplet terms, narrow or wide, and
/// the leg and angle families. A fixed form is known at compile time (the kinds of a static
/// descriptor set), so its kernels contain exactly its families' code; a run-time form
/// (fixed = false) leaves the families to the group and its kernels branch on them.
struct group_form {
  bool angular = false, narrow = false, fixed = false;
  leg_family legs = leg_family::gaussian;
  angle_family angles = angle_family::none;
  friend constexpr bool operator==(const group_form&, const group_form&) = default;
  /// Whether a group of form g runs in kernels compiled for this form.
  [[nodiscard]] constexpr bool serves(const group_form& g) const noexcept {
    return angular == g.angular && narrow == g.narrow &&
           (!fixed || (legs == g.legs && angles == g.angles));
  }
};

/// The (fixed) form of a symmetry-function kind.
[[nodiscard]] constexpr group_form form_of(sf_kind k) noexcept {
  group_form f;
  f.angular = is_angular(k);
  f.narrow = is_narrow(k);
  f.fixed = true;
  if (is_chebyshev(k)) {
    f.legs = f.angular ? leg_family::cutoff_only : leg_family::chebyshev;
    f.angles = f.angular ? angle_family::chebyshev : angle_family::none;
  } else if (is_compact(k)) {
    f.legs = leg_family::compact;
    f.angles = f.angular ? angle_family::compact : angle_family::none;
  } else {
    f.legs = leg_family::gaussian;
    f.angles = f.angular ? angle_family::cos_power : angle_family::none;
  }
  return f;
}

/// The forms an engine has kernels for.
template <group_form... Fs> struct form_list {
  static constexpr std::array<group_form, sizeof...(Fs)> forms{Fs...};
  static constexpr std::size_t size = sizeof...(Fs);
};

/// Any function at all, families chosen per group at run time (models read from files).
using run_time_forms = form_list<group_form{false, false, false}, group_form{true, true, false},
                                 group_form{true, false, false}>;

/// The distinct forms among All, in first-appearance order, as a form_list.
template <group_form... All> struct distinct_forms {
  static constexpr auto distinct = [] {
    constexpr std::array<group_form, sizeof...(All)> all{All...};
    std::array<group_form, sizeof...(All)> out{};
    std::size_t n = 0;
    for (const auto& f : all) {
      bool seen = false;
      for (std::size_t k = 0; k < n; ++k) seen = seen || out[k] == f;
      if (!seen) out[n++] = f;
    }
    return std::pair{out, n};
  }();
  template <std::size_t... I>
  static auto make(std::index_sequence<I...>) -> form_list<distinct.first[I]...>;
  using type = decltype(make(std::make_index_sequence<distinct.second>{}));
};

template <class V> std::size_t index_of(std::vector<V>& list, const V& value) {
  for (std::size_t k = 0; k < list.size(); ++k)
    if (list[k] == value) return k;
  list.push_back(value);
  return list.size() - 1;
}

// Grows a scratch array to at least n elements; never shrinks it, so that groups of different
// sizes in turn do not construct its elements again on every call.
template <class V> void at_least(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

// Integer power by repeated multiplication for small integer exponents (n >= 0).
template <class T> T pow_int(const T& b, int n) {
  T out(1.0);
  for (int k = 0; k < n; ++k) out *= b;
  return out;
}

} // namespace detail

/// Forms: the group forms it has kernels for (detail::form_list). The default serves every
/// function kind, branching on leg and angle families inside the kernels; a static
/// descriptor_set passes the fixed forms of its kinds, so each of its groups runs kernels
/// compiled for exactly its families (dispatch once per group, no family branch per batch).
template <cutoff_function Cutoff, class Forms = detail::run_time_forms> class descriptor_engine {
 public:
  using cutoff_type = Cutoff;
  using form_list = Forms;
  static constexpr std::size_t W = simd::width;

  /// Per-thread scratch: the gathered neighbourhood of one atom, the Jacobian and temporaries.
  class workspace {
   public:
    /// Number of gathered slots (neighbours plus padding); Jacobian columns.
    [[nodiscard]] std::size_t slots() const noexcept { return m_slots; }
    /// Caller's neighbour index for a slot, or -1 for padding.
    [[nodiscard]] std::int64_t source(std::size_t slot) const noexcept { return m_source[slot]; }
    /// Displacement of a slot (padding slots are far away).
    [[nodiscard]] double x(std::size_t s) const noexcept { return m_x[s]; }
    [[nodiscard]] double y(std::size_t s) const noexcept { return m_y[s]; }
    [[nodiscard]] double z(std::size_t s) const noexcept { return m_z[s]; }
    /// J(m, d, slot) after compute(..., derivatives = true).
    [[nodiscard]] double jacobian(std::size_t m, std::size_t d, std::size_t slot) const noexcept {
      return m_jac[(m * 3 + d) * m_ld + slot];
    }
    [[nodiscard]] const double* jacobian_row(std::size_t m, std::size_t d) const noexcept {
      return m_jac.data() + (m * 3 + d) * m_ld;
    }
    /// Contracted derivative sum_m weight[m] dG_m/d(r_slot), after compute_contracted().
    [[nodiscard]] vec3 contracted(std::size_t slot) const noexcept {
      return {m_fx[slot], m_fy[slot], m_fz[slot]};
    }
    /// Leading dimension of the Jacobian rows (>= slots()).
    [[nodiscard]] std::size_t leading_dimension() const noexcept { return m_ld; }
    /// The real (non-padding) slots in slot order.
    [[nodiscard]] const std::vector<std::uint32_t>& real_slots() const noexcept { return m_real; }

   private:
    friend class descriptor_engine;
    std::size_t m_slots = 0, m_ld = 0;
    bool m_values = true; // contracted: whether the values are wanted too
    std::vector<double> m_x, m_y, m_z, m_r, m_one, m_zw, m_sw;
    std::vector<std::int64_t> m_source;
    std::vector<std::uint32_t> m_real;
    std::vector<std::size_t> m_seg_begin, m_seg_real_end, m_seg_end, m_count;
    std::vector<std::size_t>
        m_cut_end;            // [e * m_levels + l]: end of segment e's slots within cutoff l
    std::size_t m_levels = 1; // distinct group cutoffs of the gathered centre
    std::vector<double> m_jac;
    std::vector<double> m_fx, m_fy, m_fz;
    std::vector<double> m_leg, m_dleg; // [leg * ld + slot], dleg holds dR/dr / r
    std::vector<double> m_inv_r;       // 1 / r per slot (angular kernel)
    std::vector<simd::batch> m_gacc, m_acc, m_tmp;
    std::vector<double> m_gsum;         // scalar contributions to the values (moments)
    std::vector<double> m_mom, m_kcoef; // moments and derivative coefficients
    // Moments of every moment group of centre m_kept_for's gathered neighbourhood (npos: none),
    // kept by compute_values(..., keep = true) for compute_contracted on the same gather.
    std::vector<double> m_kept;
    std::vector<double> m_kept_dleg; // radial groups' dR/dr, [(kept_leg_row + leg) * ld + slot]
    std::size_t m_kept_for = detail::npos_slot;
    bool m_keep = false, m_reuse = false;             // this run stores the moments, or reads them
    std::vector<std::size_t> m_wbeg, m_wang, m_wfill; // contracted weights by leg (angular kernel)
    std::vector<double> m_wval;
    std::vector<std::uint32_t> m_pidx; // packed source batches of one j (narrow triplets)
    std::vector<double> m_pack;        // their positions, distances, weights, legs, forces
    // Narrow triplet terms kept by the values pass (with keep) for the forces pass: per packed
    // batch the angular factors, leg products and geometry (triplet_terms), per j a record
    // {j, first term, batches, first source, sources}, per kept group its records [begin, end).
    std::vector<simd::batch> m_tri;
    std::vector<std::uint32_t> m_tri_src;
    std::vector<std::size_t> m_tri_j, m_tri_group;
    std::size_t m_tri_top = 0, m_tri_src_top = 0; // batches and sources in use
  };

  descriptor_engine() = default;

  /// elements: atomic numbers of the model's elements (their order defines element indices);
  /// functions: all symmetry functions; each element's descriptor vector lists its functions in
  /// the given order. cutoff_alpha: inner cutoff fraction (n2p2's cutoff_type second argument).
  /// spins: per-element weights of weighted Chebyshev functions (default: aenet's type spins).
  descriptor_engine(std::vector<int> elements, const std::vector<symmetry_function>& functions,
                    double cutoff_alpha = 0.0, std::vector<double> spins = {})
      : m_elements(std::move(elements)), m_alpha(cutoff_alpha), m_spins(std::move(spins)) {
    if (m_elements.empty()) throw error("a descriptor set needs at least one element");
    for (std::size_t e = 0; e < m_elements.size(); ++e) {
      if (!is_atomic_number(m_elements[e]))
        throw error("unknown atomic number " + std::to_string(m_elements[e]) +
                    " in the element list");
      for (std::size_t f = 0; f < e; ++f)
        if (m_elements[f] == m_elements[e])
          throw error(std::string("element ") + std::string(symbol(m_elements[e])) +
                      " is listed twice");
    }
    if (m_spins.empty()) m_spins = default_element_spins(m_elements.size());
    if (m_spins.size() != m_elements.size())
      throw error("expected one element spin per element, got " + std::to_string(m_spins.size()));
    m_index.fill(-1);
    for (std::size_t e = 0; e < m_elements.size(); ++e)
      m_index[static_cast<std::size_t>(m_elements[e])] = static_cast<int>(e);
    m_functions.resize(m_elements.size());
    for (const auto& f : functions) {
      f.validate();
      const int ec = element_index(f.center);
      if (ec < 0) throw error(f.describe() + ": central element is not among the model's elements");
      if (is_element_resolved(f.kind) &&
          (element_index(f.e1) < 0 || (is_angular(f.kind) && element_index(f.e2) < 0)))
        throw error(f.describe() + ": neighbour element is not among the model's elements");
      m_functions[static_cast<std::size_t>(ec)].push_back(f);
    }
    m_groups.resize(m_elements.size());
    m_max_rc.assign(m_elements.size(), 0.0);
    for (std::size_t e = 0; e < m_elements.size(); ++e) {
      if (m_functions[e].empty())
        throw error(std::string("element ") + std::string(symbol(m_elements[e])) +
                    " has no descriptor functions");
      build_groups(e);
      // Room for the moments of each moment group in a workspace (kept between the values and
      // the contracted pass of one gathered atom): per side and leg, M_alpha and D_alpha.
      // Likewise the radial groups' leg slopes (rows of one gather's leading dimension).
      // And the narrow groups' packed triplet terms (their size varies with the neighbourhood).
      std::size_t kept = 0, rows = 0, triplets = 0;
      for (auto& g : m_groups[e])
        if (g.moment_order >= 0) {
          g.moment_offset = kept;
          kept += 2 * g.leg_count() * 2 * g.moment_exponents.size();
        } else if (!g.angular) {
          g.kept_leg_row = rows;
          rows += g.leg_count();
        } else if (g.narrow && simd::has_compress) {
          g.kept_triplets = triplets++;
        }
      m_kept_size.push_back(kept);
      m_kept_rows.push_back(rows);
      m_kept_triplets.push_back(triplets);
      // The distinct group cutoffs, ascending: gather orders each element segment by them.
      auto& lv = m_levels.emplace_back();
      for (const auto& g : m_groups[e])
        if (std::find(lv.begin(), lv.end(), g.rc) == lv.end()) lv.push_back(g.rc);
      std::sort(lv.begin(), lv.end());
      for (auto& g : m_groups[e])
        g.level = static_cast<std::size_t>(std::find(lv.begin(), lv.end(), g.rc) - lv.begin());
    }
    // Cutoff policies are constructed (and their parameters checked) once per group.
    m_cutoffs.resize(m_groups.size());
    for (std::size_t e = 0; e < m_groups.size(); ++e)
      for (auto& g : m_groups[e]) {
        m_cutoffs[e].emplace_back(g.rc, m_alpha);
        m_max_rc_all = std::max(m_max_rc_all, g.rc);
      }
  }

  [[nodiscard]] std::size_t element_count() const noexcept { return m_elements.size(); }
  [[nodiscard]] const std::vector<int>& elements() const noexcept { return m_elements; }
  /// Index of an element in the model, or -1.
  [[nodiscard]] int element_index(int z) const noexcept {
    return is_atomic_number(z) ? m_index[static_cast<std::size_t>(z)] : -1;
  }
  /// Number of descriptor values of element e.
  [[nodiscard]] std::size_t size(std::size_t e) const noexcept { return m_functions[e].size(); }
  [[nodiscard]] std::size_t max_size() const noexcept {
    std::size_t m = 0;
    for (const auto& f : m_functions) m = std::max(m, f.size());
    return m;
  }
  [[nodiscard]] const std::vector<symmetry_function>& functions(std::size_t e) const noexcept {
    return m_functions[e];
  }
  /// Whether function m of element e runs through moments of the neighbours (cost linear in
  /// their number) rather than over neighbour pairs: wide angular functions that are polynomials
  /// of degree <= max_moment_order in cos(theta), with all the other members of their group.
  [[nodiscard]] bool uses_moments(std::size_t e, std::size_t m) const noexcept {
    for (const auto& g : m_groups[e])
      for (const auto& mem : g.members)
        if (mem.out == m) return g.moment_order >= 0;
    return false;
  }
  /// Largest cutoff among element e's functions, and among all.
  [[nodiscard]] double cutoff(std::size_t e) const noexcept { return m_max_rc[e]; }
  [[nodiscard]] double max_cutoff() const noexcept { return m_max_rc_all; }
  [[nodiscard]] double cutoff_alpha() const noexcept { return m_alpha; }
  [[nodiscard]] const std::vector<double>& spins() const noexcept { return m_spins; }

  /// Gathers the neighbourhood of one atom of element `centre` into ws. The arrays describe the
  /// caller's neighbours (displacements r_j - r_i in Å, distances, element indices); neighbours
  /// beyond the element's cutoff are skipped.
  void gather(workspace& ws, std::size_t centre, std::size_t n, const double* dx, const double* dy,
              const double* dz, const double* r, const int* element) const {
    const std::size_t ne = m_elements.size();
    const double rc = m_max_rc[centre];
    ws.m_kept_for = detail::npos_slot;
    // Within each element segment the neighbours come in order of the distinct group cutoffs
    // (those within the shortest first), so that a group with a shorter cutoff than the
    // element's largest scans only the prefix of each segment within its own.
    const std::vector<double>& lv = m_levels[centre];
    const std::size_t nl = lv.size();
    const auto level_of = [&](double rk) {
      std::size_t l = 0;
      while (l + 1 < nl && !(rk < lv[l])) ++l;
      return l;
    };
    ws.m_count.assign(ne * nl, 0);
    for (std::size_t k = 0; k < n; ++k)
      if (r[k] < rc) ++ws.m_count[static_cast<std::size_t>(element[k]) * nl + level_of(r[k])];
    // Segments: aligned starts; room for a full batch read starting at the last real slot.
    ws.m_seg_begin.resize(ne);
    ws.m_seg_real_end.resize(ne);
    ws.m_seg_end.resize(ne);
    ws.m_cut_end.resize(ne * nl);
    ws.m_levels = nl;
    std::size_t at = 0;
    for (std::size_t e = 0; e < ne; ++e) {
      ws.m_seg_begin[e] = at;
      std::size_t end = at;
      for (std::size_t l = 0; l < nl; ++l) {
        end += ws.m_count[e * nl + l];
        ws.m_cut_end[e * nl + l] = end;
      }
      const std::size_t count = end - at;
      ws.m_seg_real_end[e] = end;
      at += count == 0 ? 0 : simd::round_up(count + W - 1);
      ws.m_seg_end[e] = at;
    }
    ws.m_slots = at;
    ws.m_ld = at + W; // one spare batch for reads starting near the end
    const std::size_t cap = ws.m_ld;
    for (auto* v : {&ws.m_x, &ws.m_y, &ws.m_z, &ws.m_r, &ws.m_one, &ws.m_zw, &ws.m_sw})
      v->assign(cap, 0.0);
    ws.m_source.assign(cap, -1);
    // Padding: far away (r = 1e4 Å, beyond any cutoff) with weight 0.
    std::fill(ws.m_x.begin(), ws.m_x.end(), 1.0e4);
    std::fill(ws.m_r.begin(), ws.m_r.end(), 1.0e4);
    ws.m_real.clear();
    std::vector<std::size_t>& fill = ws.m_count; // reuse as fill pointers
    for (std::size_t i = 0; i < ne * nl; ++i) fill[i] = ws.m_cut_end[i] - fill[i];
    for (std::size_t k = 0; k < n; ++k) {
      if (!(r[k] < rc)) continue;
      const auto e = static_cast<std::size_t>(element[k]);
      const std::size_t s = fill[e * nl + level_of(r[k])]++;
      ws.m_x[s] = dx[k];
      ws.m_y[s] = dy[k];
      ws.m_z[s] = dz[k];
      ws.m_r[s] = r[k];
      ws.m_one[s] = 1.0;
      ws.m_zw[s] = static_cast<double>(m_elements[e]);
      ws.m_sw[s] = m_spins[e];
      ws.m_source[s] = static_cast<std::int64_t>(k);
    }
    for (std::size_t e = 0; e < ne; ++e)
      for (std::size_t s = ws.m_seg_begin[e]; s < ws.m_seg_real_end[e]; ++s)
        ws.m_real.push_back(static_cast<std::uint32_t>(s));
  }

  /// Computes the descriptor values of the gathered atom (element `centre`) into G (size(centre)
  /// values) and, when derivatives is true, the full Jacobian J(m, d, slot) into ws.
  void compute(workspace& ws, std::size_t centre, double* G, bool derivatives) const {
    if (derivatives)
      run<mode::jacobian>(ws, centre, G, nullptr);
    else
      run<mode::values>(ws, centre, G, nullptr);
  }

  /// The values only, as compute(ws, centre, G, false); with keep, ws also keeps what a
  /// following compute_contracted on the same gathered neighbourhood can reuse — the moments of
  /// the wide angular groups, so that the forces pass skips its first sweep over the neighbours,
  /// the slopes of the radial legs, so that it computes no radial function again, and the
  /// narrow groups' triplet terms, so that it only contracts them (the next gather forgets
  /// them).
  void compute_values(workspace& ws, std::size_t centre, double* G, bool keep) const {
    ws.m_keep = keep;
    if (keep) {
      detail::at_least(ws.m_kept, m_kept_size[centre]);
      detail::at_least(ws.m_kept_dleg, m_kept_rows[centre] * ws.m_ld);
      ws.m_tri_j.clear();
      ws.m_tri_group.assign(2 * m_kept_triplets[centre], 0);
      ws.m_tri_top = ws.m_tri_src_top = 0;
    }
    run<mode::values>(ws, centre, G, nullptr);
    ws.m_keep = false;
    ws.m_kept_for = keep ? centre : detail::npos_slot;
  }

  /// Computes the values into G and the contracted derivative
  ///   F(slot) = sum_m weight[m] dG_m / d(r_slot)
  /// (read with workspace::contracted); with weight = dE/dG this is what forces need, without
  /// forming the Jacobian. G may be null when the values are known already (the triplet terms
  /// then skip accumulating them).
  void compute_contracted(workspace& ws, std::size_t centre, const double* weight,
                          double* G) const {
    ws.m_reuse = ws.m_kept_for == centre;
    run<mode::contracted>(ws, centre, G, weight);
    ws.m_reuse = false;
  }

 private:
  enum class mode { values, jacobian, contracted };

  // End of the real slots of element segment e within the cutoff of group g (a prefix: gather
  // orders each segment by the centre's group cutoffs). Neighbours beyond it give g nothing.
  [[nodiscard]] static std::size_t cut_end(const workspace& ws, const detail::function_group& g,
                                           std::size_t e) noexcept {
    return ws.m_cut_end[e * ws.m_levels + g.level];
  }

  template <mode M>
  void run(workspace& ws, std::size_t centre, double* G, const double* weight) const {
    const std::size_t nf = m_functions[centre].size();
    ws.m_values = G != nullptr;
    if (G != nullptr) std::fill(G, G + nf, 0.0);
    ws.m_gacc.assign(nf, simd::batch(0.0));
    ws.m_gsum.assign(nf, 0.0);
    if constexpr (M == mode::jacobian) ws.m_jac.assign(nf * 3 * ws.m_ld, 0.0);
    if constexpr (M == mode::contracted)
      for (auto* v : {&ws.m_fx, &ws.m_fy, &ws.m_fz}) v->assign(ws.m_ld, 0.0);
    for (std::size_t k = 0; k < m_groups[centre].size(); ++k)
      run_group<M>(ws, m_groups[centre][k], m_cutoffs[centre][k], weight);
    if (G != nullptr)
      for (std::size_t m = 0; m < nf; ++m) G[m] += simd::reduce_add(ws.m_gacc[m]) + ws.m_gsum[m];
  }

  // ---- setup -------------------------------------------------------------------------------

  void build_groups(std::size_t e) {
    auto& groups = m_groups[e];
    const auto& fs = m_functions[e];
    for (std::size_t m = 0; m < fs.size(); ++m) {
      const auto& f = fs[m];
      m_max_rc[e] = std::max(m_max_rc[e], f.rc);
      detail::function_group key;
      key.angular = is_angular(f.kind);
      key.narrow = is_narrow(f.kind);
      // (A kind outside a static set's forms keeps form_slot = npos; the set then refuses the
      // pattern with its own message before anything runs.)
      key.rc = f.rc;
      key.weight = is_z_weighted(f.kind)                  ? detail::weighting::atomic_number
                   : (is_chebyshev(f.kind) && f.weighted) ? detail::weighting::spin
                                                          : detail::weighting::none;
      if (is_element_resolved(f.kind)) {
        key.e1 = element_index(f.e1);
        key.e2 = key.angular ? element_index(f.e2) : -1;
        if (key.e2 >= 0 && key.e2 < key.e1) std::swap(key.e1, key.e2);
      }
      const detail::group_form form = detail::form_of(f.kind);
      key.legs = form.legs;
      key.angles = form.angles;
      for (std::size_t k = 0; k < Forms::size && key.form_slot == detail::npos_slot; ++k)
        if (Forms::forms[k].serves(form)) key.form_slot = k;
      detail::function_group* g = nullptr;
      for (auto& candidate : groups)
        if (candidate.angular == key.angular && candidate.narrow == key.narrow &&
            candidate.legs == key.legs && candidate.angles == key.angles &&
            candidate.weight == key.weight && candidate.e1 == key.e1 && candidate.e2 == key.e2 &&
            candidate.rc == key.rc)
          g = &candidate;
      if (!g) {
        groups.push_back(key);
        g = &groups.back();
      }
      detail::member mem{m, 0, 0};
      switch (g->legs) {
      case detail::leg_family::gaussian:
        mem.leg = detail::index_of(g->gaussians, detail::gaussian_leg{f.eta, f.rs});
        break;
      case detail::leg_family::compact:
        mem.leg = detail::index_of(g->compacts, detail::compact_leg{f.rl, f.core});
        break;
      case detail::leg_family::chebyshev:
        mem.leg = static_cast<std::size_t>(f.order);
        g->max_order = std::max(g->max_order, f.order);
        break;
      case detail::leg_family::cutoff_only: mem.leg = 0; break;
      }
      switch (g->angles) {
      case detail::angle_family::cos_power:
        mem.angle = detail::index_of(g->powers, detail::cos_power{f.zeta, f.lambda});
        break;
      case detail::angle_family::compact:
        mem.angle = detail::index_of(g->compact_angles,
                                     detail::compact_angle{f.angle_left * std::numbers::pi / 180.0,
                                                           f.angle_right * std::numbers::pi / 180.0,
                                                           f.core});
        break;
      case detail::angle_family::chebyshev:
        mem.angle = static_cast<std::size_t>(f.order);
        g->max_order = std::max(g->max_order, f.order);
        break;
      case detail::angle_family::none: break;
      }
      g->members.push_back(mem);
    }
    for (auto& g : groups) prepare_moments(g);
  }

  /// Highest degree in cos(theta) for which wide angular groups use moments: (N+1)(N+2)(N+3)/6
  /// monomials per neighbour and leg (35 at 4, 84 at 6, 165 at 8) against the triplet kernel's
  /// neighbours / 2 terms per neighbour. Measured on fcc Al with 54 neighbours (bench_descriptors,
  /// 4 legs x 4 angles): zetas {1, 4} 2.6-3.9x faster through moments, {1, 8} no faster.
  static constexpr int max_moment_order = 6;

  // The angular function of a member as a polynomial in cos(theta), coefficients of cos^0 ...
  // cos^n; empty when it is not one of degree <= max_moment_order (non-integer or large zeta,
  // high Chebyshev orders, compact windows).
  static std::vector<double> angle_polynomial(const detail::function_group& g,
                                              const detail::member& mem) {
    std::vector<double> p;
    if (g.angles == detail::angle_family::cos_power) {
      // 2^(1 - zeta) (1 + lambda x)^zeta = sum_n 2^(1 - zeta) C(zeta, n) lambda^n x^n
      const auto& cp = g.powers[mem.angle];
      if (cp.integer_zeta < 0 || cp.integer_zeta > max_moment_order) return p;
      double binomial = 1.0;
      for (int n = 0; n <= cp.integer_zeta; ++n) {
        p.push_back(cp.prefactor * binomial * std::pow(cp.lambda, n));
        binomial = binomial * (cp.integer_zeta - n) / (n + 1);
      }
    } else if (g.angles == detail::angle_family::chebyshev) {
      // T_0 = 1, T_1 = x, T_a = 2 x T_(a-1) - T_(a-2): integer coefficients, exact
      const auto order = static_cast<int>(mem.angle);
      if (order > max_moment_order) return p;
      std::vector<double> older{1.0}, old{0.0, 1.0};
      if (order == 0) return older;
      for (int a = 2; a <= order; ++a) {
        std::vector<double> t(static_cast<std::size_t>(a) + 1, 0.0);
        for (std::size_t n = 0; n < old.size(); ++n) t[n + 1] += 2.0 * old[n];
        for (std::size_t n = 0; n < older.size(); ++n) t[n] -= older[n];
        older = std::move(old);
        old = std::move(t);
      }
      p = old;
    }
    return p;
  }

  // Sets up the moment expansion of a wide angular group whose members are all polynomials in
  // cos(theta) of degree up to max_moment_order (else leaves it to the triplet kernel): with the
  // member's polynomial sum_n p_n x^n, the coefficient of the monomial u^alpha (|alpha| = n) is
  // p_n n! / (a! b! d!) (halved for pairs j < k within one set).
  static void prepare_moments(detail::function_group& g) {
    if (!g.angular || g.narrow) return;
    std::vector<std::vector<double>> poly;
    int order = 0;
    for (const auto& mem : g.members) {
      poly.push_back(angle_polynomial(g, mem));
      if (poly.back().empty()) return;
      order = std::max(order, static_cast<int>(poly.back().size()) - 1);
    }
    g.moment_order = order;
    g.moment_exponents.clear();
    for (int n = 0; n <= order; ++n)
      for (int a = n; a >= 0; --a)
        for (int b = n - a; b >= 0; --b) g.moment_exponents.push_back({a, b, n - a - b});
    const auto factorial = [](int n) {
      double f = 1.0;
      for (int k = 2; k <= n; ++k) f *= k;
      return f;
    };
    // One set (j < k of the same neighbours): half the double sum, less its diagonal.
    const bool one_set = g.e1 < 0 || g.e1 == g.e2;
    const double half = one_set ? 0.5 : 1.0;
    const std::size_t nq = g.moment_exponents.size();
    g.moment_coef.assign(g.members.size() * nq, 0.0);
    for (std::size_t mi = 0; mi < g.members.size(); ++mi)
      for (std::size_t q = 0; q < nq; ++q) {
        const auto [a, b, d] = g.moment_exponents[q];
        const auto n = static_cast<std::size_t>(a + b + d);
        if (n >= poly[mi].size()) continue;
        const double multinomial =
            factorial(a + b + d) / (factorial(a) * factorial(b) * factorial(d));
        g.moment_coef[mi * nq + q] = half * poly[mi][n] * multinomial;
      }
  }

  // ---- leg and angle families ----------------------------------------------------------------

  // Radial factors R_p(r) (and, with Deriv, dR_p/dr) of every leg of a group at one batch of
  // distances.
  // The form's leg family, fixed at compile time or read from the group.
  template <bool Deriv, detail::group_form F, class T>
  ANNP_INLINE static void legs_at(const detail::function_group& g, const Cutoff& fc, const T& r,
                                  T* R, T* dR) {
    if constexpr (F.fixed) {
      legs_of<Deriv, F.legs>(g, fc, r, R, dR);
    } else {
      switch (g.legs) {
      case detail::leg_family::gaussian:
        legs_of<Deriv, detail::leg_family::gaussian>(g, fc, r, R, dR);
        break;
      case detail::leg_family::compact:
        legs_of<Deriv, detail::leg_family::compact>(g, fc, r, R, dR);
        break;
      case detail::leg_family::chebyshev:
        legs_of<Deriv, detail::leg_family::chebyshev>(g, fc, r, R, dR);
        break;
      case detail::leg_family::cutoff_only:
        legs_of<Deriv, detail::leg_family::cutoff_only>(g, fc, r, R, dR);
        break;
      }
    }
  }

  template <bool Deriv, detail::leg_family L, class T>
  ANNP_INLINE static void legs_of(const detail::function_group& g, const Cutoff& fc, const T& r,
                                  T* R, T* dR) {
    using std::exp;
    using std::min;
    using xsimd::exp;
    using xsimd::min;
    if constexpr (L == detail::leg_family::gaussian) {
      T f, df;
      fc.evaluate(r, f, df);
      for (std::size_t p = 0; p < g.gaussians.size(); ++p) {
        const T d = r - g.gaussians[p].rs;
        const T e = fast_exp(-g.gaussians[p].eta * d * d);
        R[p] = e * f;
        if constexpr (Deriv) dR[p] = e * (df - 2.0 * g.gaussians[p].eta * d * f);
      }
    } else if constexpr (L == detail::leg_family::compact) {
      for (std::size_t p = 0; p < g.compacts.size(); ++p) {
        const compact_function c(g.compacts[p].rl, g.rc, g.compacts[p].core);
        T v, dv;
        c.evaluate(r, v, dv);
        const auto inside = (r > T(g.compacts[p].rl)) && (r < T(g.rc));
        R[p] = select(inside, v, T(0.0));
        if constexpr (Deriv) dR[p] = select(inside, dv, T(0.0));
      }
    } else if constexpr (L == detail::leg_family::chebyshev) {
      T f, df;
      fc.evaluate(r, f, df);
      const T x = min(2.0 * r / g.rc - 1.0, T(1.0));
      chebyshev(x, g.max_order, R, dR);
      for (int a = 0; a <= g.max_order; ++a) {
        const auto k = static_cast<std::size_t>(a);
        const T t = R[k];
        R[k] = t * f;
        if constexpr (Deriv) dR[k] = (2.0 / g.rc) * dR[k] * f + t * df;
      }
    } else {
      fc.evaluate(r, R[0], dR[0]);
    }
  }

  // T_a(x) and T_a'(x) for a = 0 ... order.
  template <class T> static void chebyshev(const T& x, int order, T* t, T* dt) {
    t[0] = T(1.0);
    dt[0] = T(0.0);
    if (order >= 1) {
      t[1] = x;
      dt[1] = T(1.0);
    }
    for (int a = 2; a <= order; ++a) {
      const auto k = static_cast<std::size_t>(a);
      t[k] = 2.0 * x * t[k - 1] - t[k - 2];
      dt[k] = 2.0 * t[k - 1] + 2.0 * x * dt[k - 1] - dt[k - 2];
    }
  }

  // Angular factors A_q(cos) and (with Deriv) dA_q/dcos.
  template <bool Deriv, detail::group_form F, class T>
  ANNP_INLINE static void angles_at(const detail::function_group& g, const T& c, T* A, T* dA) {
    if constexpr (F.fixed) {
      angles_of<Deriv, F.angles>(g, c, A, dA);
    } else {
      switch (g.angles) {
      case detail::angle_family::cos_power:
        angles_of<Deriv, detail::angle_family::cos_power>(g, c, A, dA);
        break;
      case detail::angle_family::compact:
        angles_of<Deriv, detail::angle_family::compact>(g, c, A, dA);
        break;
      case detail::angle_family::chebyshev:
        angles_of<Deriv, detail::angle_family::chebyshev>(g, c, A, dA);
        break;
      case detail::angle_family::none: break;
      }
    }
  }

  template <bool Deriv, detail::angle_family Fam, class T>
  ANNP_INLINE static void angles_of(const detail::function_group& g, const T& c, T* A, T* dA) {
    using std::abs;
    using std::acos;
    using std::exp;
    using std::log;
    using std::max;
    using std::min;
    using std::sqrt;
    using xsimd::abs;
    using xsimd::acos;
    using xsimd::exp;
    using xsimd::log;
    using xsimd::max;
    using xsimd::min;
    using xsimd::sqrt;
    if constexpr (Fam == detail::angle_family::cos_power) {
      for (std::size_t q = 0; q < g.powers.size(); ++q) {
        const auto& cp = g.powers[q];
        const T base = 1.0 + cp.lambda * c;
        const auto positive = base > T(0.0);
        const T b = select(positive, base, T(0.0));
        T bz1; // b^(zeta - 1)
        if (cp.integer_zeta >= 1) {
          bz1 = detail::pow_int(b, cp.integer_zeta - 1);
        } else {
          bz1 = select(positive, exp((cp.zeta - 1.0) * log(select(positive, b, T(1.0)))), T(0.0));
        }
        A[q] = cp.prefactor * bz1 * b;
        if constexpr (Deriv) dA[q] = (cp.prefactor * cp.zeta * cp.lambda) * bz1;
      }
    } else if constexpr (Fam == detail::angle_family::compact) {
      const T cc = min(max(c, T(-1.0)), T(1.0));
      const T theta = acos(cc);
      const auto interior = abs(c) < T(1.0);
      const T dtheta = -1.0 / sqrt(max(1.0 - cc * cc, T(1e-300)));
      for (std::size_t q = 0; q < g.compact_angles.size(); ++q) {
        const auto& ca = g.compact_angles[q];
        const compact_function cf(ca.left, ca.right, ca.core);
        T v, dv;
        cf.evaluate(theta, v, dv);
        const auto inside = interior && (theta >= T(ca.left)) && (theta <= T(ca.right));
        A[q] = select(inside, v, T(0.0));
        if constexpr (Deriv) dA[q] = select(inside, dv * dtheta, T(0.0));
      }
    } else if constexpr (Fam == detail::angle_family::chebyshev) {
      const T cc = min(max(c, T(-1.0)), T(1.0));
      chebyshev(cc, g.max_order, A, dA);
    }
  }

  // ---- kernels -------------------------------------------------------------------------------

  static const std::vector<double>& weights_of(const workspace& ws, detail::weighting w) {
    switch (w) {
    case detail::weighting::atomic_number: return ws.m_zw;
    case detail::weighting::spin: return ws.m_sw;
    default: return ws.m_one;
    }
  }

  // One dispatch per group: to the kernels compiled for the group's form.
  template <mode M>
  void run_group(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                 const double* w) const {
    const bool ran = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return ((g.form_slot == I && (run_form<M, Forms::forms[I]>(ws, g, fc, w), true)) || ...);
    }
    (std::make_index_sequence<Forms::size>{});
    if (!ran)
      throw error("descriptor engine: a group of " + std::string(g.angular ? "angular" : "radial") +
                  " functions has no kernels in this engine (internal error)");
  }

  template <mode M, detail::group_form F>
  void run_form(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                const double* w) const {
    if constexpr (F.angular)
      angular_kernel<M, F>(ws, g, fc, w);
    else
      radial_kernel<M, F>(ws, g, fc, w);
  }

  // Pair terms: G_m += sum_j w_j R_p(r_j); dG_m/dr_j = w_j R_p'(r_j) r_j / r_j.
  template <mode M, detail::group_form F>
  void radial_kernel(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                     const double* wm) const {
    using B = simd::batch;
    constexpr bool deriv = M != mode::values;
    // (Batches reaching past the group's prefix read real neighbours beyond its cutoff, or
    // padding: both give 0.)
    const std::size_t begin = g.e1 >= 0 ? ws.m_seg_begin[static_cast<std::size_t>(g.e1)] : 0;
    const std::size_t end = g.e1 >= 0 ? cut_end(ws, g, static_cast<std::size_t>(g.e1)) : ws.m_slots;
    const std::size_t nl = g.leg_count(), ld = ws.m_ld;
    detail::at_least(ws.m_tmp, 2 * nl);
    B* __restrict R = ws.m_tmp.data();
    B* __restrict dR = R + nl;
    const double* __restrict weight = weights_of(ws, g.weight).data();
    B* __restrict gacc = ws.m_gacc.data();
    double* __restrict jac = ws.m_jac.data();
    double* __restrict fx = ws.m_fx.data();
    double* __restrict fy = ws.m_fy.data();
    double* __restrict fz = ws.m_fz.data();
    // A keeping values pass stores the slopes dR/dr; the forces pass after it (values not
    // wanted) reads them instead of computing the legs again.
    if (M == mode::values && ws.m_keep) {
      double* __restrict kept = ws.m_kept_dleg.data() + g.kept_leg_row * ld;
      for (std::size_t s = begin; s < end; s += W) {
        const B r = simd::load(ws.m_r.data() + s);
        legs_at<true, F>(g, fc, r, R, dR);
        const B w = simd::load(weight + s);
        for (const auto& mem : g.members) gacc[mem.out] = simd::fma(w, R[mem.leg], gacc[mem.out]);
        for (std::size_t p = 0; p < nl; ++p) simd::store(kept + p * ld + s, dR[p]);
      }
      return;
    }
    if (M == mode::contracted && ws.m_reuse && !ws.m_values) {
      const double* __restrict kept = ws.m_kept_dleg.data() + g.kept_leg_row * ld;
      for (std::size_t s = begin; s < end; s += W) {
        const B r = simd::load(ws.m_r.data() + s);
        const B w = simd::load(weight + s);
        B t(0.0);
        for (const auto& mem : g.members)
          t = simd::fma(B(wm[mem.out]), simd::load(kept + mem.leg * ld + s), t);
        t *= w / r;
        simd::store(fx + s, simd::load(fx + s) + t * simd::load(ws.m_x.data() + s));
        simd::store(fy + s, simd::load(fy + s) + t * simd::load(ws.m_y.data() + s));
        simd::store(fz + s, simd::load(fz + s) + t * simd::load(ws.m_z.data() + s));
      }
      return;
    }
    for (std::size_t s = begin; s < end; s += W) {
      const B r = simd::load(ws.m_r.data() + s);
      legs_at<deriv, F>(g, fc, r, R, dR);
      const B w = simd::load(weight + s);
      B t(0.0);
      for (const auto& mem : g.members) {
        gacc[mem.out] = simd::fma(w, R[mem.leg], gacc[mem.out]);
        if constexpr (M == mode::jacobian) {
          const B x = simd::load(ws.m_x.data() + s), y = simd::load(ws.m_y.data() + s),
                  z = simd::load(ws.m_z.data() + s);
          const B tm = (w / r) * dR[mem.leg];
          double* jx = jac + (mem.out * 3) * ld + s;
          simd::store(jx, simd::fma(tm, x, simd::load(jx)));
          simd::store(jx + ld, simd::fma(tm, y, simd::load(jx + ld)));
          simd::store(jx + 2 * ld, simd::fma(tm, z, simd::load(jx + 2 * ld)));
        }
        if constexpr (M == mode::contracted) t = simd::fma(B(wm[mem.out]), dR[mem.leg], t);
      }
      if constexpr (M == mode::contracted) {
        t *= w / r;
        simd::store(fx + s, simd::load(fx + s) + t * simd::load(ws.m_x.data() + s));
        simd::store(fy + s, simd::load(fy + s) + t * simd::load(ws.m_y.data() + s));
        simd::store(fz + s, simd::load(fz + s) + t * simd::load(ws.m_z.data() + s));
      }
    }
  }

  // Wide angular terms through moments. With A_pj = w_j R_p(r_j), unit vectors u_j and an
  // angular function P(cos) = sum_n p_n cos^n (2^(1-zeta) (1 + lambda cos)^zeta, T_a(cos)),
  //   sum_{j,k} A_pj A_pk P(u_j.u_k) = sum_alpha c_alpha M_p,alpha M'_p,alpha,
  //   M_p,alpha = sum_j A_pj u_j^alpha,  u^alpha = ux^a uy^b uz^d,  n = a + b + d <= deg P,
  //   c_alpha = p_n n! / (a! b! d!),
  // M' the other set's moments between two neighbour sets. Within one set the pairs j < k are
  //   1/2 sum_alpha c_alpha (M_p,alpha^2 - D_p,alpha),  D_p,alpha = sum_j (A_pj u_j^alpha)^2,
  // the diagonal removed term by term with the same products (an atom with one such neighbour
  // gets exactly 0). Derivatives, with a_j = A_pj u_j^alpha:
  //   da_j/dr_j = A'_pj u_j^alpha u_j + (A_pj / r_j) (I - u_j u_j^T) grad u^alpha (u_j),
  //   d/dr_j of the pair sum: sum_alpha c_alpha (M' - a_j) da_j/dr_j (one set), c_alpha M'
  //   da_j/dr_j (two sets).
  // Linear in the neighbours: every slot is visited twice (moments, then derivatives).
  template <mode M, detail::group_form F>
  void moment_kernel(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                     const double* wm) const {
    using B = simd::batch;
    constexpr bool deriv = M != mode::values;
    const std::size_t nl = g.leg_count(), nm = g.members.size();
    const std::size_t nq = g.moment_exponents.size(), ld = ws.m_ld;
    const auto np1 = static_cast<std::size_t>(g.moment_order) + 1;
    const bool one_set = g.e1 < 0 || g.e1 == g.e2;
    const auto range = [&](int e) {
      return e < 0 ? std::pair<std::size_t, std::size_t>{0, ws.m_slots}
                   : std::pair{ws.m_seg_begin[static_cast<std::size_t>(e)],
                               cut_end(ws, g, static_cast<std::size_t>(e))};
    };
    const std::pair<std::size_t, std::size_t> sides[2] = {range(g.e1),
                                                          one_set ? range(g.e1) : range(g.e2)};
    const std::size_t nsides = one_set ? 1 : 2;
    const double* __restrict weight = weights_of(ws, g.weight).data();
    const std::size_t stride = 2 * nq; // per leg: M_alpha, then D_alpha
    detail::at_least(ws.m_tmp, 3 * np1 + 2 * nl + 5 * nq + nl * stride);
    B* __restrict X = ws.m_tmp.data(); // powers of ux, uy, uz
    B* __restrict Y = X + np1;
    B* __restrict Z = Y + np1;
    B* __restrict R = Z + np1;
    B* __restrict dR = R + nl;
    B* __restrict mono = dR + nl; // u^alpha and its gradient
    B* __restrict gx = mono + nq;
    B* __restrict gy = gx + nq;
    B* __restrict gz = gy + nq;
    B* __restrict e = gz + nq;   // per-slot derivative coefficients
    B* __restrict macc = e + nq; // [p * stride + q]
    // One batch of slots: distance, unit vector, weight, legs, monomials (and gradients).
    const auto at = [&](std::size_t s, bool grads, B& r, B& ux, B& uy, B& uz, B& w) {
      r = simd::load(ws.m_r.data() + s);
      const B inv_r = 1.0 / r;
      ux = simd::load(ws.m_x.data() + s) * inv_r;
      uy = simd::load(ws.m_y.data() + s) * inv_r;
      uz = simd::load(ws.m_z.data() + s) * inv_r;
      w = simd::load(weight + s);
      legs_at<deriv, F>(g, fc, r, R, dR);
      X[0] = Y[0] = Z[0] = B(1.0);
      for (std::size_t n = 1; n < np1; ++n) {
        X[n] = X[n - 1] * ux;
        Y[n] = Y[n - 1] * uy;
        Z[n] = Z[n - 1] * uz;
      }
      for (std::size_t q = 0; q < nq; ++q) {
        const auto [a, b, d] = g.moment_exponents[q];
        const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b),
                   ud = static_cast<std::size_t>(d);
        const B yz = Y[ub] * Z[ud];
        mono[q] = X[ua] * yz;
        if (grads) {
          const B xa = X[ua];
          gx[q] = a > 0 ? static_cast<double>(a) * X[ua - 1] * yz : B(0.0);
          gy[q] = b > 0 ? static_cast<double>(b) * xa * Y[ub - 1] * Z[ud] : B(0.0);
          gz[q] = d > 0 ? static_cast<double>(d) * xa * Y[ub] * Z[ud - 1] : B(0.0);
        }
      }
    };
    // Moments of each side: mom[(side * nl + p) * stride + q]; kept in (or, in a forces pass
    // after a keeping values pass, read from) the workspace's kept moments.
    const bool reuse = M == mode::contracted && ws.m_reuse;
    double* mom = nullptr;
    if (reuse || (M == mode::values && ws.m_keep)) {
      mom = ws.m_kept.data() + g.moment_offset;
    } else {
      detail::at_least(ws.m_mom, 2 * nl * stride);
      mom = ws.m_mom.data();
    }
    for (std::size_t side = 0; side < (reuse ? 0 : nsides); ++side) {
      std::fill(macc, macc + nl * stride, B(0.0));
      for (std::size_t s = sides[side].first; s < sides[side].second; s += W) {
        B r, ux, uy, uz, w;
        at(s, false, r, ux, uy, uz, w);
        for (std::size_t p = 0; p < nl; ++p) {
          const B A = w * R[p];
          B* mp = macc + p * stride;
          for (std::size_t q = 0; q < nq; ++q) {
            const B a = A * mono[q];
            mp[q] += a;
            if (one_set) mp[nq + q] += a * a;
          }
        }
      }
      for (std::size_t k = 0; k < nl * stride; ++k)
        mom[side * nl * stride + k] = simd::reduce_add(macc[k]);
    }
    const double* mom_a = mom;
    const double* mom_b = one_set ? mom_a : mom_a + nl * stride;
    for (std::size_t mi = 0; mi < nm; ++mi) {
      const auto& mem = g.members[mi];
      const double* c = g.moment_coef.data() + mi * nq;
      const double* ma = mom_a + mem.leg * stride;
      const double* mb = mom_b + mem.leg * stride;
      double v = 0.0;
      for (std::size_t q = 0; q < nq; ++q)
        v += c[q] * (one_set ? ma[q] * ma[q] - ma[nq + q] : ma[q] * mb[q]);
      ws.m_gsum[mem.out] += v;
    }
    if constexpr (deriv) {
      // Derivative coefficients per side, rows of 2 nq: K[q] = c_q M'_q (twice for one set) and
      // C[q] = 2 c_q (one set), so that slot j's coefficient is K[q] - C[q] a_j. Contracted:
      // summed per leg with the weights (rows [side][p]); Jacobian: per member.
      constexpr bool contracted = M == mode::contracted;
      const std::size_t rows = contracted ? nl : nm;
      ws.m_kcoef.assign(2 * rows * stride, 0.0);
      for (std::size_t side = 0; side < nsides; ++side)
        for (std::size_t mi = 0; mi < nm; ++mi) {
          const auto& mem = g.members[mi];
          const double* c = g.moment_coef.data() + mi * nq;
          const double* other = (side == 0 ? mom_b : mom_a) + mem.leg * stride;
          const double f = one_set ? 2.0 : 1.0, wt = contracted ? wm[mem.out] : 1.0;
          double* k = ws.m_kcoef.data() + (side * rows + (contracted ? mem.leg : mi)) * stride;
          for (std::size_t q = 0; q < nq; ++q) {
            k[q] += wt * f * c[q] * other[q];
            if (one_set) k[nq + q] += wt * f * c[q];
          }
        }
      double* __restrict jac = ws.m_jac.data();
      for (std::size_t side = 0; side < nsides; ++side)
        for (std::size_t s = sides[side].first; s < sides[side].second; s += W) {
          B r, ux, uy, uz, w;
          at(s, true, r, ux, uy, uz, w);
          // sum_q e_q da_q/dr with e_q = K[q] - C[q] a_q of leg p:
          //   A' (sum_q e_q u^alpha) u + (A / r) (Sg - (u.Sg) u),  Sg = sum_q e_q grad u^alpha.
          const auto term = [&](const double* k, std::size_t p, B& tx, B& ty, B& tz) {
            const B A = w * R[p], dA = w * dR[p];
            B s0(0.0), sx(0.0), sy(0.0), sz(0.0);
            for (std::size_t q = 0; q < nq; ++q) {
              e[q] = one_set ? k[q] - k[nq + q] * (A * mono[q]) : B(k[q]);
              s0 += e[q] * mono[q];
              sx += e[q] * gx[q];
              sy += e[q] * gy[q];
              sz += e[q] * gz[q];
            }
            const B radial = dA * s0;
            const B tangential = A / r;
            const B us = ux * sx + uy * sy + uz * sz;
            tx = radial * ux + tangential * (sx - us * ux);
            ty = radial * uy + tangential * (sy - us * uy);
            tz = radial * uz + tangential * (sz - us * uz);
          };
          if constexpr (contracted) {
            B fx(0.0), fy(0.0), fz(0.0);
            for (std::size_t p = 0; p < nl; ++p) {
              B tx, ty, tz;
              term(ws.m_kcoef.data() + (side * rows + p) * stride, p, tx, ty, tz);
              fx += tx;
              fy += ty;
              fz += tz;
            }
            simd::store(ws.m_fx.data() + s, simd::load(ws.m_fx.data() + s) + fx);
            simd::store(ws.m_fy.data() + s, simd::load(ws.m_fy.data() + s) + fy);
            simd::store(ws.m_fz.data() + s, simd::load(ws.m_fz.data() + s) + fz);
          } else {
            for (std::size_t mi = 0; mi < nm; ++mi) {
              B tx, ty, tz;
              term(ws.m_kcoef.data() + (side * rows + mi) * stride, g.members[mi].leg, tx, ty, tz);
              double* jx = jac + (g.members[mi].out * 3) * ld + s;
              simd::store(jx, simd::load(jx) + tx);
              simd::store(jx + ld, simd::load(jx + ld) + ty);
              simd::store(jx + 2 * ld, simd::load(jx + 2 * ld) + tz);
            }
          }
        }
    }
  }

  // Angular groups: wide ones with moments where they can, narrow ones from kept triplet terms
  // where a keeping values pass left them, the triplet kernel otherwise.
  template <mode M, detail::group_form F>
  void angular_kernel(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                      const double* wm) const {
    if constexpr (!F.narrow && (!F.fixed || F.angles == detail::angle_family::cos_power ||
                                F.angles == detail::angle_family::chebyshev)) {
      if (g.moment_order >= 0) {
        moment_kernel<M, F>(ws, g, fc, wm);
        return;
      }
    }
    if constexpr (F.narrow && simd::has_compress && M != mode::jacobian) {
      // A values pass that keeps computes the forces pass's terms of every packed triplet as
      // well and keeps them; the forces pass on the same gather then only contracts them with
      // its weights (no distance, exponential, cutoff or power again, no packing).
      if (g.kept_triplets != detail::npos_slot) {
        if (M == mode::values && ws.m_keep) {
          triplet_kernel<mode::contracted, F, true>(ws, g, fc, wm);
          return;
        }
        if (M == mode::contracted && ws.m_reuse) {
          replay_triplets(ws, g, wm);
          return;
        }
      }
    }
    triplet_kernel<M, F, false>(ws, g, fc, wm);
  }

  // Batches kept per packed batch of triplets: A and dA per angle, S, T1, T2 and Sc per leg
  // (the triplet kernel's names), then cos/a^2, cos/b^2, 1/(ab) and the k side's x, y, z.
  static constexpr std::size_t triplet_terms(std::size_t na, std::size_t nl) noexcept {
    return 2 * na + 4 * nl + 6;
  }

  // The members' weights by leg for the contracted triplet terms: [wbeg[p], wbeg[p + 1]) for
  // leg p, with the angle each multiplies.
  static void weights_by_leg(workspace& ws, const detail::function_group& g, const double* wm) {
    const std::size_t nl = g.leg_count(), nm = g.members.size();
    ws.m_wbeg.assign(nl + 1, 0);
    ws.m_wang.resize(nm);
    ws.m_wval.resize(nm);
    for (const auto& mem : g.members) ++ws.m_wbeg[mem.leg + 1];
    for (std::size_t p = 0; p < nl; ++p) ws.m_wbeg[p + 1] += ws.m_wbeg[p];
    std::vector<std::size_t>& at = ws.m_wfill;
    at.assign(ws.m_wbeg.begin(), ws.m_wbeg.end() - 1);
    for (const auto& mem : g.members) {
      const std::size_t t = at[mem.leg]++;
      ws.m_wang[t] = mem.angle;
      ws.m_wval[t] = wm[mem.out];
    }
  }

  // The contracted coefficients of one batch of triplets. The weights contract per leg first:
  // with WX_p = sum_{m on leg p} weight_m A_m and WY_p likewise with A'_m, ca, cb and cc summed
  // over members are
  //   CA = sum_p (WX_p T1_p) - cos/a^2 sum_p (WY_p S_p),
  //   CB = 1/(ab) sum_p (WY_p S_p) - sum_p (WX_p Sc_p),
  //   CC = sum_p (WX_p T2_p) - cos/b^2 sum_p (WY_p S_p):
  // two multiply-adds per member instead of nine. The members are visited leg by leg with WX_p,
  // WY_p in registers (two chains each): summed in memory, member by member, every add waited
  // for the store of the one before.
  ANNP_INLINE static void
  contract_triplets(std::size_t nl, const std::size_t* __restrict wbeg,
                    const std::size_t* __restrict wang, const double* __restrict wval,
                    const simd::batch* __restrict A, const simd::batch* __restrict dA,
                    const simd::batch* __restrict S, const simd::batch* __restrict T1,
                    const simd::batch* __restrict T2, const simd::batch* __restrict Sc,
                    simd::batch f1, simd::batch f3, simd::batch inv_ab, simd::batch& CA,
                    simd::batch& CB, simd::batch& CC) {
    using B = simd::batch;
    B ys(0.0), xs(0.0);
    CA = CC = B(0.0);
    for (std::size_t p = 0; p < nl; ++p) {
      B wx0(0.0), wx1(0.0), wy0(0.0), wy1(0.0);
      std::size_t t = wbeg[p];
      for (; t + 1 < wbeg[p + 1]; t += 2) {
        const B w0(wval[t]), w1(wval[t + 1]);
        wx0 = simd::fma(w0, A[wang[t]], wx0);
        wy0 = simd::fma(w0, dA[wang[t]], wy0);
        wx1 = simd::fma(w1, A[wang[t + 1]], wx1);
        wy1 = simd::fma(w1, dA[wang[t + 1]], wy1);
      }
      if (t < wbeg[p + 1]) {
        const B w0(wval[t]);
        wx0 = simd::fma(w0, A[wang[t]], wx0);
        wy0 = simd::fma(w0, dA[wang[t]], wy0);
      }
      const B WX = wx0 + wx1, WY = wy0 + wy1;
      CA = simd::fma(WX, T1[p], CA);
      CC = simd::fma(WX, T2[p], CC);
      xs = simd::fma(WX, Sc[p], xs);
      ys = simd::fma(WY, S[p], ys);
    }
    CA = simd::fma(-ys, f1, CA);
    CB = simd::fma(ys, inv_ab, -xs);
    CC = simd::fma(-ys, f3, CC);
  }

  // Adds the contracted derivatives of a packed run of k (sources: pairs of slot batch k and
  // its lane bits) back onto their slots.
  static void expand_packed(const std::uint32_t* __restrict src, std::size_t nsrc,
                            const double* __restrict px, const double* __restrict py,
                            const double* __restrict pz, double* __restrict fx,
                            double* __restrict fy, double* __restrict fz) {
    std::size_t q = 0;
    for (std::size_t t = 0; t < nsrc; ++t) {
      const std::size_t k = src[2 * t];
      const unsigned bits = src[2 * t + 1];
      simd::store(fx + k, simd::load(fx + k) + simd::expand(bits, simd::load(px + q)));
      simd::store(fy + k, simd::load(fy + k) + simd::expand(bits, simd::load(py + q)));
      simd::store(fz + k, simd::load(fz + k) + simd::expand(bits, simd::load(pz + q)));
      q += static_cast<std::size_t>(std::popcount(bits));
    }
  }

  // The forces pass of a narrow group from the terms its values pass kept (triplet_kernel with
  // Record): per j, each kept batch contracted with this pass's weights, the k side added onto
  // the packed lanes and expanded back onto the slots, the j side onto j.
  void replay_triplets(workspace& ws, const detail::function_group& g, const double* wm) const {
    using B = simd::batch;
    const std::size_t nl = g.leg_count(), na = g.angle_count();
    const std::size_t nt = triplet_terms(na, nl);
    weights_by_leg(ws, g, wm);
    const std::size_t* __restrict wbeg = ws.m_wbeg.data();
    const std::size_t* __restrict wang = ws.m_wang.data();
    const double* __restrict wval = ws.m_wval.data();
    B* __restrict gacc = ws.m_gacc.data();
    const std::size_t cap = ws.m_ld;
    detail::at_least(ws.m_pack, 3 * cap);
    double* __restrict pfx = ws.m_pack.data();
    double* __restrict pfy = pfx + cap;
    double* __restrict pfz = pfy + cap;
    double* __restrict fx = ws.m_fx.data();
    double* __restrict fy = ws.m_fy.data();
    double* __restrict fz = ws.m_fz.data();
    const std::size_t* records = ws.m_tri_j.data();
    const std::size_t first = ws.m_tri_group[2 * g.kept_triplets];
    const std::size_t last = ws.m_tri_group[2 * g.kept_triplets + 1];
    for (std::size_t r = first; r < last; ++r) {
      const std::size_t* rec = records + 5 * r;
      const std::size_t j = rec[0], nb = rec[2];
      const double ux = ws.m_x[j], uy = ws.m_y[j], uz = ws.m_z[j];
      B ja(0.0), jbx(0.0), jby(0.0), jbz(0.0);
      std::fill_n(pfx, nb * W, 0.0);
      std::fill_n(pfy, nb * W, 0.0);
      std::fill_n(pfz, nb * W, 0.0);
      const B* __restrict t = ws.m_tri.data() + rec[1];
      for (std::size_t b = 0; b < nb; ++b, t += nt) {
        const B *A = t, *dA = A + na, *S = dA + na, *T1 = S + nl, *T2 = T1 + nl, *Sc = T2 + nl;
        const B* geo = Sc + nl; // cos/a^2, cos/b^2, 1/(ab), x, y, z
        if (ws.m_values)
          for (const auto& mem : g.members)
            gacc[mem.out] = simd::fma(A[mem.angle], S[mem.leg], gacc[mem.out]);
        B CA, CB, CC;
        contract_triplets(nl, wbeg, wang, wval, A, dA, S, T1, T2, Sc, geo[0], geo[1], geo[2], CA,
                          CB, CC);
        add_triplet_forces(CA, CB, CC, geo[3], geo[4], geo[5], ux, uy, uz, pfx + b * W, pfy + b * W,
                           pfz + b * W, ja, jbx, jby, jbz);
      }
      expand_packed(ws.m_tri_src.data() + rec[3], rec[4], pfx, pfy, pfz, fx, fy, fz);
      const double sa = simd::reduce_add(ja);
      fx[j] += sa * ux + simd::reduce_add(jbx);
      fy[j] += sa * uy + simd::reduce_add(jby);
      fz[j] += sa * uz + simd::reduce_add(jbz);
    }
  }

  // The contracted derivatives of one batch of triplets: dT/dv onto the k side (x, y, z of the
  // batch), dT/du's coefficients onto j's accumulators.
  ANNP_INLINE static void add_triplet_forces(simd::batch CA, simd::batch CB, simd::batch CC,
                                             simd::batch vx, simd::batch vy, simd::batch vz,
                                             double ux, double uy, double uz, double* __restrict fx,
                                             double* __restrict fy, double* __restrict fz,
                                             simd::batch& ja, simd::batch& jbx, simd::batch& jby,
                                             simd::batch& jbz) {
    using B = simd::batch;
    simd::store(fx, simd::fma(CC, vx, simd::fma(CB, B(ux), simd::load(fx))));
    simd::store(fy, simd::fma(CC, vy, simd::fma(CB, B(uy), simd::load(fy))));
    simd::store(fz, simd::fma(CC, vz, simd::fma(CB, B(uz), simd::load(fz))));
    ja += CA;
    jbx = simd::fma(CB, vx, jbx);
    jby = simd::fma(CB, vy, jby);
    jbz = simd::fma(CB, vz, jbz);
  }

  // Triplet terms. With u = r_ij, v = r_ik, w = v - u, a = |u|, b = |v|, c = |w| and a term
  // T = A(cos) S, S = R_ij R_ik [R_jk] w_j w_k:
  //   dT/du = ca u + cb v,  dT/dv = cb u + cc v, with
  //   ca = A (R'_ij/a R_ik R_jk + R_ij R_ik R'_jk/c) w - A' S cos/a^2
  //   cb = A' S/(a b) - A R_ij R_ik R'_jk/c w
  //   cc = A (R_ij R'_ik/b R_jk + R_ij R_ik R'_jk/c) w - A' S cos/b^2
  // Neighbour j is scalar, neighbours k a SIMD batch.
  // The triplet kernel. With Record (M = contracted, from a values pass that keeps) it computes
  // the values and, instead of contracting, keeps each packed batch's terms for
  // replay_triplets.
  template <mode M, detail::group_form F, bool Record>
  void triplet_kernel(workspace& ws, const detail::function_group& g, const Cutoff& fc,
                      const double* wm) const {
    constexpr bool Narrow = F.narrow;
    using B = simd::batch;
    constexpr bool deriv = M != mode::values;
    const std::size_t nl = g.leg_count(), na = g.angle_count(), nm = g.members.size();
    const std::size_t ld = ws.m_ld;
    // Radial legs at every slot (vector computation, scalar storage).
    detail::at_least(ws.m_leg, nl * ld);
    detail::at_least(ws.m_dleg, nl * ld);
    detail::at_least(ws.m_inv_r, ld);
    detail::at_least(ws.m_tmp, 9 * nl + 2 * na);
    B* __restrict R = ws.m_tmp.data();
    B* __restrict dR = R + nl;
    double* __restrict leg = ws.m_leg.data();
    double* __restrict dleg = ws.m_dleg.data();
    // 1/r once per slot: the triplet batches need 1/r_ik for cos(theta) and its derivatives, and
    // a division per batch and pass cost more than loading it.
    double* __restrict inv_r = ws.m_inv_r.data();
    // Element-resolved groups need legs only in their segments' prefixes within g.rc, through
    // the last batch a k-range ending there can read (one that starts at its last slot).
    std::size_t spans[2][2] = {{0, ws.m_slots}, {0, 0}};
    if (g.e1 >= 0) {
      const auto e1 = static_cast<std::size_t>(g.e1), e2 = static_cast<std::size_t>(g.e2);
      spans[0][0] = ws.m_seg_begin[e1];
      spans[0][1] = cut_end(ws, g, e1) + W - 1;
      if (e2 != e1) {
        spans[1][0] = ws.m_seg_begin[e2];
        spans[1][1] = cut_end(ws, g, e2) + W - 1;
      }
    }
    for (const auto& span : spans)
      for (std::size_t s = span[0]; s < span[1]; s += W) {
        const B r = simd::load(ws.m_r.data() + s);
        simd::store(inv_r + s, 1.0 / r);
        legs_at<deriv, F>(g, fc, r, R, dR);
        for (std::size_t p = 0; p < nl; ++p) {
          simd::store(leg + p * ld + s, R[p]);
          if constexpr (deriv) simd::store(dleg + p * ld + s, dR[p] / r);
        }
      }
    B* __restrict A = dR + nl;
    B* __restrict dA = A + na;
    B* __restrict S = dA + na;  // per leg: R_ij R_ik R_jk w
    B* __restrict T1 = S + nl;  // (R'_ij/a R_ik R_jk + R_ij R_ik R'_jk/c) w
    B* __restrict T2 = T1 + nl; // (R_ij R'_ik/b R_jk + R_ij R_ik R'_jk/c) w
    B* __restrict Sc = T2 + nl; // R_ij R_ik R'_jk/c w
    B* __restrict P1 = Sc + nl; // S cos / a^2
    B* __restrict P2 = P1 + nl; // S / (a b)
    B* __restrict P3 = P2 + nl; // S cos / b^2
    B* __restrict Rjk = R;      // R, dR are reused for the r_jk legs
    B* __restrict dRjk = dR;
    detail::at_least(ws.m_acc, 4 * nm);
    if constexpr (M == mode::contracted && !Record) weights_by_leg(ws, g, wm);
    const std::size_t* __restrict wbeg = ws.m_wbeg.data();
    const std::size_t* __restrict wang = ws.m_wang.data();
    const double* __restrict wval = ws.m_wval.data();
    B* __restrict acc = ws.m_acc.data();
    B* __restrict gacc = ws.m_gacc.data();
    const double* __restrict weight = weights_of(ws, g.weight).data();
    const double* __restrict px = ws.m_x.data();
    const double* __restrict py = ws.m_y.data();
    const double* __restrict pz = ws.m_z.data();
    const double* __restrict pr = ws.m_r.data();
    double* __restrict jac = ws.m_jac.data();
    double* __restrict fx = ws.m_fx.data();
    double* __restrict fy = ws.m_fy.data();
    double* __restrict fz = ws.m_fz.data();

    // Where a batch of k reads its positions, distances, weights and legs and adds its
    // contracted derivatives: the gathered slots themselves, or for narrow functions a packed
    // copy of only the neighbours k within r_c of both i and j. Narrow terms vanish beyond r_c,
    // and in a dense neighbourhood most (j, k) pairs are beyond it (56 % for fcc Al at
    // r_c = 6 Å): packing them away first keeps every lane of the expensive batches busy. The
    // Jacobian (training) keeps the unpacked path, whose per-slot stores do not pack.
    struct k_side {
      const double *x, *y, *z, *ir, *w, *leg, *dleg; // ir: 1 / r
      std::size_t ld;
      double *fx, *fy, *fz;
    };
    constexpr bool Pack = Narrow && M != mode::jacobian && simd::has_compress;
    static_assert(!Record || (Pack && M == mode::contracted));
    [[maybe_unused]] const std::size_t nt = triplet_terms(na, nl);
    [[maybe_unused]] B* __restrict kept = nullptr; // Record: this j's kept batches
    if constexpr (Record) ws.m_tri_group[2 * g.kept_triplets] = ws.m_tri_j.size() / 5;
    const std::size_t cap = ld; // packed lanes, padded to whole batches, never exceed ld
    // Packed arrays, cap each: x, y, z, 1/r, w, the contracted fx, fy, fz, then the legs and
    // (with derivatives) their slopes.
    constexpr std::size_t at_ir = 3, at_leg = 8;
    if constexpr (Pack) {
      detail::at_least(ws.m_pidx, 2 * cap);
      detail::at_least(ws.m_pack, (at_leg + 2 * nl) * cap);
    }
    const k_side whole{px, py, pz, inv_r, weight, leg, dleg, ld, fx, fy, fz};

    // run_j is inlined into its one call site below. As a function of its own it read every
    // captured size and pointer through its closure, and reloaded them after every SIMD store
    // (the vector types may alias anything): a tenth of the kernel's instructions.
    const auto run_j = [&](std::size_t j, std::size_t kbegin, std::size_t kend) ANNP_INLINE_LAMBDA {
      const double a = pr[j];
      if (!(a < g.rc) || kbegin >= kend) return;
      const double ux = px[j], uy = py[j], uz = pz[j];
      const double wj = weight[j];
      const double inv_a = 1.0 / a, inv_a2 = inv_a * inv_a;
      if constexpr (M == mode::jacobian) std::fill(acc, acc + 4 * nm, B(0.0));
      B ja(0.0), jbx(0.0), jby(0.0), jbz(0.0); // contracted accumulators for j
      const auto one_batch = [&](const k_side& ks, std::size_t k) ANNP_INLINE_LAMBDA {
        const B vx = simd::load(ks.x + k), vy = simd::load(ks.y + k), vz = simd::load(ks.z + k);
        const B inv_b = simd::load(ks.ir + k);
        const B cos = simd::fma(B(uz), vz, simd::fma(B(uy), vy, ux * vx)) * (inv_a * inv_b);
        const B w = wj * simd::load(ks.w + k);
        B inv_c(1.0);
        if constexpr (Narrow) {
          const B wx = vx - ux, wy = vy - uy, wz = vz - uz;
          const B c2 = simd::fma(wz, wz, simd::fma(wy, wy, wx * wx));
          // Unpacked: skip batches entirely beyond r_c (about one in six for fcc at 6 Å).
          if constexpr (!Pack)
            if (xsimd::all(c2 >= B(g.rc * g.rc))) return;
          const B c = xsimd::sqrt(c2);
          inv_c = 1.0 / c;
          legs_at<deriv, F>(g, fc, c, Rjk, dRjk);
        }
        angles_at<deriv, F>(g, cos, A, dA);
        const B inv_ab = inv_a * inv_b;
        const B f1 = cos * inv_a2, f3 = cos * (inv_b * inv_b);
        for (std::size_t p = 0; p < nl; ++p) {
          const B rik = simd::load(ks.leg + p * ks.ld + k);
          const double rij = leg[p * ld + j];
          B wjk = w;
          if constexpr (Narrow) wjk *= Rjk[p];
          S[p] = (rij * rik) * wjk;
          if constexpr (deriv) {
            const B sa = (dleg[p * ld + j] * rik) * wjk;
            const B sb = (rij * wjk) * simd::load(ks.dleg + p * ks.ld + k);
            B sc(0.0);
            if constexpr (Narrow) sc = ((rij * w) * rik) * (dRjk[p] * inv_c);
            Sc[p] = sc;
            T1[p] = sa + sc;
            T2[p] = sb + sc;
            if constexpr (M == mode::jacobian) {
              P1[p] = S[p] * f1;
              P2[p] = S[p] * inv_ab;
              P3[p] = S[p] * f3;
            }
          }
        }
        B CA(0.0), CB(0.0), CC(0.0);
        if constexpr (M == mode::contracted) {
          if (ws.m_values)
            for (std::size_t mi = 0; mi < nm; ++mi) {
              const auto& mem = g.members[mi];
              gacc[mem.out] = simd::fma(A[mem.angle], S[mem.leg], gacc[mem.out]);
            }
          if constexpr (Record) {
            B* __restrict t = kept + (k / W) * nt;
            for (std::size_t q = 0; q < na; ++q) {
              t[q] = A[q];
              t[na + q] = dA[q];
            }
            t += 2 * na;
            for (std::size_t p = 0; p < nl; ++p) {
              t[p] = S[p];
              t[nl + p] = T1[p];
              t[2 * nl + p] = T2[p];
              t[3 * nl + p] = Sc[p];
            }
            t += 4 * nl;
            t[0] = f1;
            t[1] = f3;
            t[2] = inv_ab;
            t[3] = vx;
            t[4] = vy;
            t[5] = vz;
            return;
          } else {
            contract_triplets(nl, wbeg, wang, wval, A, dA, S, T1, T2, Sc, f1, f3, inv_ab, CA, CB,
                              CC);
          }
        } else {
          for (std::size_t mi = 0; mi < nm; ++mi) {
            const auto& mem = g.members[mi];
            const B X = A[mem.angle];
            gacc[mem.out] = simd::fma(X, S[mem.leg], gacc[mem.out]);
            if constexpr (M == mode::jacobian) {
              const B Y = dA[mem.angle];
              const std::size_t p = mem.leg;
              const B ca = simd::fma(X, T1[p], -(Y * P1[p]));
              const B cb = simd::fma(Y, P2[p], -(X * Sc[p]));
              const B cc = simd::fma(X, T2[p], -(Y * P3[p]));
              double* jx = jac + (mem.out * 3) * ld + k;
              simd::store(jx, simd::fma(cc, vx, simd::fma(cb, B(ux), simd::load(jx))));
              simd::store(jx + ld, simd::fma(cc, vy, simd::fma(cb, B(uy), simd::load(jx + ld))));
              simd::store(jx + 2 * ld,
                          simd::fma(cc, vz, simd::fma(cb, B(uz), simd::load(jx + 2 * ld))));
              B* am = acc + 4 * mi;
              am[0] += ca;
              am[1] = simd::fma(cb, vx, am[1]);
              am[2] = simd::fma(cb, vy, am[2]);
              am[3] = simd::fma(cb, vz, am[3]);
            }
          }
        }
        if constexpr (M == mode::contracted)
          add_triplet_forces(CA, CB, CC, vx, vy, vz, ux, uy, uz, ks.fx + k, ks.fy + k, ks.fz + k,
                             ja, jbx, jby, jbz);
      };
      if constexpr (Pack) {
        // Pack the lanes within reach with compress (one instruction per array and source
        // batch), run the packed batches, then expand their derivatives back onto the slots.
        double* __restrict pk = ws.m_pack.data();
        std::uint32_t* __restrict src = ws.m_pidx.data(); // source batch k and its lane bits
        std::size_t n = 0, nsrc = 0;
        const B rc2(g.rc * g.rc), rcb(g.rc);
        for (std::size_t k = kbegin; k < kend; k += W) {
          const B vx = simd::load(px + k), vy = simd::load(py + k), vz = simd::load(pz + k);
          const B b = simd::load(pr + k);
          const B wx = vx - ux, wy = vy - uy, wz = vz - uz;
          const B c2 = simd::fma(wz, wz, simd::fma(wy, wy, wx * wx));
          const unsigned bits = simd::lane_bits((c2 < rc2) & (b < rcb));
          if (bits == 0) continue;
          simd::store(pk + n, simd::compress(bits, vx));
          simd::store(pk + cap + n, simd::compress(bits, vy));
          simd::store(pk + 2 * cap + n, simd::compress(bits, vz));
          simd::store(pk + 4 * cap + n, simd::compress(bits, simd::load(weight + k)));
          simd::store(pk + at_ir * cap + n, simd::compress(bits, simd::load(inv_r + k)));
          // Legs through walking pointers: indexed through the closure, every pointer and
          // stride was reloaded from memory per leg (a tenth of the kernel's samples).
          const double* __restrict from = leg + k;
          double* __restrict to = pk + at_leg * cap + n;
          for (std::size_t p = 0; p < nl; ++p, from += ld, to += cap)
            simd::store(to, simd::compress(bits, simd::load(from)));
          if constexpr (deriv) {
            from = dleg + k;
            for (std::size_t p = 0; p < nl; ++p, from += ld, to += cap)
              simd::store(to, simd::compress(bits, simd::load(from)));
          }
          src[2 * nsrc] = static_cast<std::uint32_t>(k);
          src[2 * nsrc + 1] = bits;
          ++nsrc;
          n += static_cast<std::size_t>(std::popcount(bits));
        }
        if (n == 0) return;
        // Padding lanes: far away with weight 0, so every term they give is 0.
        const std::size_t np = simd::round_up(n);
        for (std::size_t q = n; q < np; ++q) {
          pk[q] = 1.0e4;
          pk[at_ir * cap + q] = 1.0e-4;
          pk[cap + q] = pk[2 * cap + q] = pk[4 * cap + q] = 0.0;
          for (std::size_t p = 0; p < (deriv ? 2 : 1) * nl; ++p) pk[(at_leg + p) * cap + q] = 0.0;
        }
        const k_side packed{pk,
                            pk + cap,
                            pk + 2 * cap,
                            pk + at_ir * cap,
                            pk + 4 * cap,
                            pk + at_leg * cap,
                            pk + (at_leg + nl) * cap,
                            cap,
                            pk + 5 * cap,
                            pk + 6 * cap,
                            pk + 7 * cap};
        if constexpr (Record) {
          // Room for this j's batches, its sources, and its record.
          detail::at_least(ws.m_tri, ws.m_tri_top + (np / W) * nt);
          detail::at_least(ws.m_tri_src, ws.m_tri_src_top + 2 * nsrc);
          kept = ws.m_tri.data() + ws.m_tri_top;
          std::copy_n(src, 2 * nsrc, ws.m_tri_src.data() + ws.m_tri_src_top);
          for (const std::size_t v : {j, ws.m_tri_top, np / W, ws.m_tri_src_top, nsrc})
            ws.m_tri_j.push_back(v);
          ws.m_tri_top += (np / W) * nt;
          ws.m_tri_src_top += 2 * nsrc;
        }
        // Only the lanes the packed batches touch start from zero.
        if constexpr (M == mode::contracted && !Record)
          for (std::size_t d = 5; d < 8; ++d) std::fill_n(pk + d * cap, np, 0.0);
        for (std::size_t q = 0; q < np; q += W) one_batch(packed, q);
        if constexpr (M == mode::contracted && !Record)
          expand_packed(src, nsrc, packed.fx, packed.fy, packed.fz, fx, fy, fz);
      } else {
        for (std::size_t k = kbegin; k < kend; k += W) one_batch(whole, k);
      }
      if constexpr (M == mode::jacobian) {
        for (std::size_t mi = 0; mi < nm; ++mi) {
          const B* am = acc + 4 * mi;
          const double sa = simd::reduce_add(am[0]);
          double* jj = jac + (g.members[mi].out * 3) * ld + j;
          jj[0] += sa * ux + simd::reduce_add(am[1]);
          jj[ld] += sa * uy + simd::reduce_add(am[2]);
          jj[2 * ld] += sa * uz + simd::reduce_add(am[3]);
        }
      }
      if constexpr (M == mode::contracted && !Record) {
        const double sa = simd::reduce_add(ja);
        fx[j] += sa * ux + simd::reduce_add(jbx);
        fy[j] += sa * uy + simd::reduce_add(jby);
        fz[j] += sa * uz + simd::reduce_add(jbz);
      }
    };

    // The neighbours j (real slots, in slot order) and for each the range of k:
    //  - any elements (e1 < 0): every unordered pair of real neighbours once, k over the slots
    //    after j (padding in between has weight 0; reads stay within the spare batch);
    //  - one element pair e1 = e2: j and k in its segment, k after j;
    //  - e1 != e2: j in e1's segment, k over all of e2's.
    // Segment e's real slots are consecutive in m_real.
    const std::uint32_t* js = ws.m_real.data();
    std::size_t nj = ws.m_real.size(), kfixed = 0, kend = 0;
    bool after_j = true;
    const auto first_real_of = [&](std::size_t e) {
      std::size_t before = 0;
      for (std::size_t f = 0; f < e; ++f) before += ws.m_seg_real_end[f] - ws.m_seg_begin[f];
      return before;
    };
    if (g.e1 < 0) {
      kend = nj == 0 ? 0 : static_cast<std::size_t>(js[nj - 1]) + 1;
    } else {
      const auto e1 = static_cast<std::size_t>(g.e1), e2 = static_cast<std::size_t>(g.e2);
      js += first_real_of(e1);
      nj = cut_end(ws, g, e1) - ws.m_seg_begin[e1];
      kend = cut_end(ws, g, e2);
      after_j = e1 == e2;
      kfixed = ws.m_seg_begin[e2];
    }
    for (std::size_t t = 0; t < nj; ++t) {
      const std::size_t j = js[t];
      run_j(j, after_j ? j + 1 : kfixed, kend);
    }
    if constexpr (Record) ws.m_tri_group[2 * g.kept_triplets + 1] = ws.m_tri_j.size() / 5;
  }

  std::vector<int> m_elements;
  double m_alpha = 0.0;
  std::vector<double> m_spins;
  std::array<int, max_atomic_number + 1> m_index{};
  std::vector<std::vector<symmetry_function>> m_functions;
  std::vector<std::vector<detail::function_group>> m_groups;
  std::vector<std::vector<Cutoff>> m_cutoffs;
  std::vector<double> m_max_rc;
  std::vector<std::size_t> m_kept_size;      // per element: doubles of kept moments
  std::vector<std::size_t> m_kept_rows;      // per element: rows of kept radial leg slopes
  std::vector<std::size_t> m_kept_triplets;  // per element: narrow groups that keep triplets
  std::vector<std::vector<double>> m_levels; // per centre element: its distinct group cutoffs
  double m_max_rc_all = 0.0;
};

} // namespace annp
