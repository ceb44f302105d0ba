#pragma once
// descriptor_set<Cutoff, Kinds...>: the compile-time shape of a descriptor vector.
//
//   using descriptor = annp::descriptor_set<annp::cutoff::cosine,
//                                           annp::radial_g2<8>, annp::angular_narrow<16>>;
//   static_assert(descriptor::size == 24);   // known to the compiler: feeds network<24, ...>
//   descriptor d({13}, functions);          // runtime parameters (eta, zeta, lambda, r_s, r_c,
//   ...)
//
// Kinds lists kinds and counts; the runtime functions of every element must follow that pattern
// (first 8 radial, then 16 narrow angular). The cutoff kind is a template parameter because it
// is evaluated in the innermost loops. descriptor_set<Cutoff> with no kinds is the dynamic
// variant: any functions, size known at run time (models loaded from files).

#include <annp/core/concepts.hpp>
#include <annp/core/error.hpp>
#include <annp/core/extent.hpp>
#include <annp/descriptors/engine.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/structure/structure.hpp>

#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace annp {

/// Kind tags: a kind (a member of sf_kind_list) and how many functions of it each element has.
template <class Kind, std::size_t N> struct sf_count {
  static_assert(registry::contains<Kind, sf_kind_list>,
                "annp::sf_count<Kind, N>: Kind must be a symmetry-function kind of sf_kind_list "
                "(annp::sf_kinds::radial, annp::sf_kinds::angular_narrow, ...)");
  using kind_type = Kind;
  static constexpr sf_kind kind = sf_kind_of<Kind>();
  static constexpr std::size_t count = N;
};
template <std::size_t N> using radial_g2 = sf_count<sf_kinds::radial, N>;
template <std::size_t N> using angular_narrow = sf_count<sf_kinds::angular_narrow, N>;
template <std::size_t N> using angular_wide = sf_count<sf_kinds::angular_wide, N>;
template <std::size_t N> using angular_g4 = angular_narrow<N>; ///< Behler 2011 naming
template <std::size_t N> using angular_g5 = angular_wide<N>;   ///< Behler 2011 naming
template <std::size_t N> using radial_weighted = sf_count<sf_kinds::radial_weighted, N>;
template <std::size_t N>
using angular_narrow_weighted = sf_count<sf_kinds::angular_narrow_weighted, N>;
template <std::size_t N> using radial_compact = sf_count<sf_kinds::radial_compact, N>;
template <std::size_t N>
using angular_narrow_compact = sf_count<sf_kinds::angular_narrow_compact, N>;
template <std::size_t N> using angular_wide_compact = sf_count<sf_kinds::angular_wide_compact, N>;
template <std::size_t N>
using radial_compact_weighted = sf_count<sf_kinds::radial_compact_weighted, N>;
template <std::size_t N>
using angular_narrow_compact_weighted = sf_count<sf_kinds::angular_narrow_compact_weighted, N>;
template <std::size_t N>
using angular_wide_compact_weighted = sf_count<sf_kinds::angular_wide_compact_weighted, N>;
template <std::size_t N> using chebyshev_radial = sf_count<sf_kinds::chebyshev_radial, N>;
template <std::size_t N> using chebyshev_angular = sf_count<sf_kinds::chebyshev_angular, N>;

template <class T>
concept descriptor_kind = requires {
  { T::kind } -> std::convertible_to<sf_kind>;
  { T::count } -> std::convertible_to<std::size_t>;
}
&&(T::count > 0);

template <cutoff_function Cutoff, descriptor_kind... Kinds> class descriptor_set {
 public:
  using cutoff_type = Cutoff;
  /// A static set's engine has kernels for exactly the forms of its kinds (compile-time families,
  /// no per-batch family branch); a dynamic set's serves any function.
  using engine_type =
      std::conditional_t<sizeof...(Kinds) == 0, descriptor_engine<Cutoff>,
                         descriptor_engine<Cutoff, typename detail::distinct_forms<detail::form_of(
                                                       Kinds::kind)...>::type>>;
  using workspace = typename engine_type::workspace;
  static constexpr bool is_dynamic = sizeof...(Kinds) == 0;
  /// The kind tags (sf_count<Kind, N>...), in order.
  using kind_list = type_list<Kinds...>;
  /// Descriptor values per atom (every element has the same count), or annp::dynamic.
  static constexpr std::size_t size = is_dynamic ? dynamic : (Kinds::count + ... + 0);

  descriptor_set() = default;

  /// elements: the model's atomic numbers; functions: every element's functions, in descriptor
  /// order; cutoff_alpha: inner cutoff fraction; spins: weights of weighted Chebyshev functions.
  descriptor_set(std::vector<int> elements, const std::vector<symmetry_function>& functions,
                 double cutoff_alpha = 0.0, std::vector<double> spins = {})
      : m_engine(std::move(elements), functions, cutoff_alpha, std::move(spins)) {
    if constexpr (!is_dynamic) check_pattern();
  }

  [[nodiscard]] const engine_type& engine() const noexcept { return m_engine; }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_engine.element_count(); }
  [[nodiscard]] const std::vector<int>& elements() const noexcept { return m_engine.elements(); }
  [[nodiscard]] std::size_t size_of(std::size_t element) const noexcept {
    return m_engine.size(element);
  }
  [[nodiscard]] double max_cutoff() const noexcept { return m_engine.max_cutoff(); }

  /// The kinds and counts as text, e.g. "radial x 8, angular_narrow x 16".
  static std::string pattern() {
    if constexpr (is_dynamic) {
      return "any functions (dynamic)";
    } else {
      std::string s;
      ((s += (s.empty() ? "" : ", ") + std::string(kind_name(Kinds::kind)) + " x " +
             std::to_string(Kinds::count)),
       ...);
      return s;
    }
  }

 private:
  void check_pattern() const {
    constexpr std::array<sf_kind, sizeof...(Kinds)> kinds{Kinds::kind...};
    constexpr std::array<std::size_t, sizeof...(Kinds)> counts{Kinds::count...};
    for (std::size_t e = 0; e < m_engine.element_count(); ++e) {
      const auto& fs = m_engine.functions(e);
      const std::string el(symbol(m_engine.elements()[e]));
      if (fs.size() != size)
        throw error("element " + el + " has " + std::to_string(fs.size()) +
                    " descriptor functions, but the descriptor set is [" + pattern() +
                    "] = " + std::to_string(size));
      std::size_t m = 0;
      for (std::size_t k = 0; k < kinds.size(); ++k)
        for (std::size_t c = 0; c < counts[k]; ++c, ++m)
          if (fs[m].kind != kinds[k])
            throw error("element " + el + ": function " + std::to_string(m) + " (" +
                        fs[m].describe() + ") is " + std::string(kind_name(fs[m].kind)) +
                        ", but the descriptor set [" + pattern() + "] expects " +
                        std::string(kind_name(kinds[k])) + " there");
    }
  }

  engine_type m_engine;
};

/// Element index (in the descriptor set) of every atom; throws annp::error naming the structure
/// and the element when an atom's element is not part of the model.
template <class Engine>
[[nodiscard]] std::vector<int> element_indices(const Engine& engine, const structure& s) {
  std::vector<int> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out[i] = engine.element_index(s.numbers[i]);
    if (out[i] < 0) {
      std::string known;
      for (int z : engine.elements()) known += (known.empty() ? "" : ", ") + std::string(symbol(z));
      throw error((s.source.empty() ? std::string() : s.source + ": ") + "atom " +
                  std::to_string(i) + " is " + std::string(symbol(s.numbers[i])) +
                  ", which the model does not know (its elements: " + known + ")");
    }
  }
  return out;
}

/// Descriptor values of every atom of a structure.
struct structure_descriptors {
  std::vector<int> element;        ///< element index per atom
  std::vector<std::size_t> offset; ///< start of atom i's values; offset[n] = total
  std::vector<double> values;

  [[nodiscard]] std::span<const double> of(std::size_t i) const noexcept {
    return {values.data() + offset[i], offset[i + 1] - offset[i]};
  }
};

/// Computes the descriptor values of all atoms (no derivatives). nl must be a full list with a
/// cutoff of at least engine.max_cutoff().
template <class Engine>
[[nodiscard]] structure_descriptors compute_descriptors(const Engine& engine, const structure& s,
                                                        const neighbor_list& nl) {
  if (nl.kind() != list_kind::full || nl.cutoff() < engine.max_cutoff() || nl.size() != s.size())
    throw error(
        "compute_descriptors needs a full neighbour list of this structure with a cutoff of "
        "at least " +
        std::to_string(engine.max_cutoff()) + " Å");
  structure_descriptors out;
  out.element = element_indices(engine, s);
  out.offset.resize(s.size() + 1, 0);
  for (std::size_t i = 0; i < s.size(); ++i)
    out.offset[i + 1] = out.offset[i] + engine.size(static_cast<std::size_t>(out.element[i]));
  out.values.resize(out.offset.back());
  typename Engine::workspace ws;
  std::vector<int> neighbour_element;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t b = nl.begin(i), n = nl.count(i);
    neighbour_element.resize(n);
    for (std::size_t k = 0; k < n; ++k) neighbour_element[k] = out.element[nl.index()[b + k]];
    const auto e = static_cast<std::size_t>(out.element[i]);
    engine.gather(ws, e, n, nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
                  nl.r().data() + b, neighbour_element.data());
    engine.compute(ws, e, out.values.data() + out.offset[i], false);
  }
  return out;
}

} // namespace annp
