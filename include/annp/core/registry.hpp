#pragma once
// Compile-time registries: a family of policy types (activations, cutoff functions) is one
// type_list, and everything that needs the family at run time — dispatch from a run-time index
// to the static type, names for files and messages, variants over the family — is generated
// from that list. Adding a member to a family is one policy type plus one list entry.
//
//   using cutoff_list = type_list<cutoff::hard, cutoff::cosine, ...>;
//   registry::index_of<cutoff::cosine, cutoff_list>   // 1
//   registry::visit<cutoff_list>(i, [](auto c) { ... decltype(c) is the i-th type ... });
//   registry::find<cutoff_list>("cosine")             // 1 (registry::npos if absent)
//   registry::name_list<cutoff_list>()                // "hard, cosine, ... or poly4"
//   using cutoff_kind = registry::kind<cutoff_list, cutoff::cosine>;  // a run-time member
//
// Members are default-constructible and have a static `name`.

#include <annp/core/error.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace annp {

/// A list of types (a registry's members, in a fixed order that run-time indices refer to).
template <class... Ts> struct type_list { static constexpr std::size_t size = sizeof...(Ts); };

namespace registry {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

namespace detail {
template <class T, class List> struct index_of;
template <class T, class... Ts> struct index_of<T, type_list<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>..., false};
    for (std::size_t k = 0; k < sizeof...(Ts); ++k)
      if (same[k]) return k;
    return npos;
  }();
};
template <class List> struct names;
template <class... Ts> struct names<type_list<Ts...>> {
  static constexpr std::array<std::string_view, sizeof...(Ts)> value{Ts::name...};
};
template <std::size_t I, class List> struct at;
template <std::size_t I, class... Ts> struct at<I, type_list<Ts...>> {
  using type = std::tuple_element_t<I, std::tuple<Ts...>>;
};
template <template <class...> class To, class List> struct rebind;
template <template <class...> class To, class... Ts> struct rebind<To, type_list<Ts...>> {
  using type = To<Ts...>;
};
template <template <class> class F, class List> struct transform;
template <template <class> class F, class... Ts> struct transform<F, type_list<Ts...>> {
  using type = type_list<F<Ts>...>;
};
} // namespace detail

/// Position of T in List, npos if it is not a member.
template <class T, class List>
inline constexpr std::size_t index_of = detail::index_of<T, List>::value;

/// Whether T is a member of List.
template <class T, class List> inline constexpr bool contains = index_of<T, List> != npos;

/// The I-th member of List.
template <std::size_t I, class List> using at = typename detail::at<I, List>::type;

/// To<Ts...> for List = type_list<Ts...> (e.g. a std::variant over the family).
template <template <class...> class To, class List>
using rebind = typename detail::rebind<To, List>::type;

/// type_list<F<Ts>...>.
template <template <class> class F, class List>
using transform = typename detail::transform<F, List>::type;

/// The members' names, in list order.
template <class List>
inline constexpr const std::array<std::string_view, List::size>& names = detail::names<List>::value;

/// Index of the member called `name`, npos if none.
template <class List> [[nodiscard]] constexpr std::size_t find(std::string_view name) noexcept {
  for (std::size_t k = 0; k < List::size; ++k)
    if (names<List>[k] == name) return k;
  return npos;
}

/// "a, b, c or d": the members' names for messages.
template <class List> [[nodiscard]] std::string name_list(std::string_view last = " or ") {
  std::string s;
  for (std::size_t k = 0; k < List::size; ++k) {
    if (k > 0) s += k + 1 == List::size ? last : std::string_view(", ");
    s += names<List>[k];
  }
  return s;
}

/// Calls fn(T{}) for every member T of List, in order.
template <class List, class Fn> void for_each(Fn&& fn) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (fn(at<I, List>{}), ...); }
  (std::make_index_sequence<List::size>{});
}

/// Index of the member called `name`; throws annp::error "unknown <what> '<name>' (expected a, b
/// or c)" when there is none.
template <class List>
[[nodiscard]] std::size_t find_named(std::string_view name, std::string_view what) {
  const std::size_t k = find<List>(name);
  if (k == npos)
    throw error("unknown " + std::string(what) + " '" + std::string(name) + "' (expected " +
                name_list<List>() + ")");
  return k;
}

/// Index of the member T whose code(T{}) equals value, among the members whose code is not `none`
/// (e.g. a number another program uses for the member); throws annp::error "unknown <what>
/// <value> (expected one of <codes>)" when there is none.
template <class List, class Code, class V>
[[nodiscard]] std::size_t find_code(Code code, V value, V none, std::string_view what,
                                    std::string_view separator = ", ") {
  const auto text = [](V v) {
    if constexpr (std::is_same_v<V, char>)
      return std::string(1, v);
    else
      return std::to_string(v);
  };
  std::size_t found = npos, k = 0;
  std::string codes;
  for_each<List>([&](auto member) {
    const V c = code(member);
    if (c != none) {
      codes += (codes.empty() ? std::string_view() : separator);
      codes += text(c);
      if (c == value) found = k;
    }
    ++k;
  });
  if (found == npos) {
    const std::string shown = std::is_same_v<V, char> ? "'" + text(value) + "'" : text(value);
    throw error("unknown " + std::string(what) + " " + shown + " (expected one of " + codes + ")");
  }
  return found;
}

/// Calls fn(T{}) for the index-th member T of List and returns its result (every member's call
/// must return the same type). Throws annp::error for an index outside the list.
template <class List, class Fn, std::size_t I = 0>
decltype(auto) visit(std::size_t index, Fn&& fn) {
  static_assert(List::size > 0, "an empty registry has nothing to visit");
  using T = at<I, List>;
  if constexpr (I + 1 == List::size) {
    if (index != I)
      throw error("internal error: registry index " + std::to_string(index) +
                  " outside a list of " + std::to_string(List::size));
    return fn(T{});
  } else {
    if (index == I) return fn(T{});
    return visit<List, Fn, I + 1>(index, std::forward<Fn>(fn));
  }
}

/// A run-time reference to a member of List (its index), or to something unlisted (e.g. a
/// user-written activation that only a static type evaluates). Default-constructed: Default.
template <class List, class Default> class kind {
 public:
  static_assert(contains<Default, List>, "registry::kind: the default must be a member");
  constexpr kind() noexcept = default;
  /// The kind of type T: its index, or unlisted() when T is not a member.
  template <class T> [[nodiscard]] static constexpr kind of() noexcept {
    return kind(index_of<T, List>);
  }
  [[nodiscard]] static constexpr kind unlisted() noexcept { return kind(npos); }
  /// The member called `name` (throws annp::error naming `what` and the members otherwise).
  [[nodiscard]] static kind named(std::string_view name, std::string_view what) {
    return kind(find_named<List>(name, what));
  }
  /// The member whose code is `value` (see registry::find_code).
  template <class Code, class V>
  [[nodiscard]] static kind coded(Code code, V value, V none, std::string_view what,
                                  std::string_view separator = ", ") {
    return kind(find_code<List>(code, value, none, what, separator));
  }
  [[nodiscard]] constexpr bool is_listed() const noexcept { return m_index != npos; }
  /// Position in List (npos when unlisted).
  [[nodiscard]] constexpr std::size_t index() const noexcept { return m_index; }
  friend constexpr bool operator==(kind, kind) noexcept = default;

 private:
  explicit constexpr kind(std::size_t index) noexcept : m_index(index) {}
  std::size_t m_index = index_of<Default, List>;
};

} // namespace registry
} // namespace annp
