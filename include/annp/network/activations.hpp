#pragma once
// Activation functions as policy types: value f(x), f'(x) and f''(x), on double and on
// simd::batch from the same source. Every function n2p2 offers is here with n2p2's definition
// and letter, plus shifted softplus and SiLU:
//
//   policy                        n2p2  f(x)
//   activation::linear            l     x
//   activation::tanh              t     tanh x
//   activation::logistic          s     1 / (1 + e^-x)
//   activation::softplus          p     ln(1 + e^x)
//   activation::relu              r     max(0, x)
//   activation::gaussian          g     exp(-x^2 / 2)
//   activation::cos               c     cos x
//   activation::reverse_logistic  S     1 - 1 / (1 + e^-x)
//   activation::exp               e     exp(-x)
//   activation::harmonic          h     x^2
//   activation::shifted_softplus  -     ln(1 + e^x) - ln 2
//   activation::silu              -     x / (1 + e^-x)
//
// Each satisfies annp::activation_function (core/concepts.hpp) and is listed once, in
// activation_list, from which run-time kinds, names and n2p2 letters are generated. A
// user-written activation satisfies the concept too, with a name of its own: a static network
// that names it evaluates it (forward, gradients, the mixed second derivatives of force training)
// and saves it under that name; only that static type can load such a model back.

#include <annp/core/concepts.hpp>
#include <annp/core/error.hpp>
#include <annp/core/registry.hpp>
#include <annp/core/simd.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <string_view>
#include <type_traits>

namespace annp {

namespace activation {

namespace detail {
template <class T> T sigmoid(const T& x) {
  using std::exp;
  using xsimd::exp;
  return 1.0 / (1.0 + exp(-x));
}
// ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^-|x|).
template <class T> T softplus_value(const T& x) {
  using std::abs;
  using std::exp;
  using std::log1p;
  using std::max;
  using xsimd::abs;
  using xsimd::exp;
  using xsimd::log1p;
  using xsimd::max;
  return max(x, T(0.0)) + log1p(exp(-abs(x)));
}
} // namespace detail

struct linear {
  static constexpr std::string_view name = "linear";
  static constexpr char n2p2_code = 'l';
  template <class T> static T value(const T& x) { return x; }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = x;
    d1 = T(1.0);
    d2 = T(0.0);
  }
};

/// tanh x = sign(x) (1 - 2 / (e^{2|x|} + 1)) with annp::fast_exp: one polynomial exponential and
/// one division, the same formula on doubles and batches. Its absolute error is about one ulp of
/// 1 (the relative error is larger only for |x| << 1, where it does not matter for a network).
/// xsimd's tanh evaluates two branches, each with a division, and is ~3x slower (measured, see
/// docs/performance.md).
struct tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr char n2p2_code = 't';
  template <class T> static T value(const T& x) {
    using std::abs;
    using std::copysign;
    using xsimd::abs;
    using xsimd::copysign;
    const T t = 1.0 - 2.0 / (fast_exp(2.0 * abs(x)) + 1.0);
    return copysign(t, x);
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = value(x);
    d1 = 1.0 - f * f;
    d2 = -2.0 * f * d1;
  }
};

struct logistic {
  static constexpr std::string_view name = "logistic";
  static constexpr char n2p2_code = 's';
  template <class T> static T value(const T& x) { return detail::sigmoid(x); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = detail::sigmoid(x);
    d1 = f * (1.0 - f);
    d2 = d1 * (1.0 - 2.0 * f);
  }
};

struct softplus {
  static constexpr std::string_view name = "softplus";
  static constexpr char n2p2_code = 'p';
  template <class T> static T value(const T& x) { return detail::softplus_value(x); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = detail::softplus_value(x);
    d1 = detail::sigmoid(x);
    d2 = d1 * (1.0 - d1);
  }
};

struct relu {
  static constexpr std::string_view name = "relu";
  static constexpr char n2p2_code = 'r';
  template <class T> static T value(const T& x) { return select(x > T(0.0), x, T(0.0)); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = value(x);
    d1 = select(x > T(0.0), T(1.0), T(0.0));
    d2 = T(0.0);
  }
};

struct gaussian {
  static constexpr std::string_view name = "gaussian";
  static constexpr char n2p2_code = 'g';
  template <class T> static T value(const T& x) {
    using std::exp;
    using xsimd::exp;
    return exp(-0.5 * x * x);
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = value(x);
    d1 = -x * f;
    d2 = (x * x - 1.0) * f;
  }
};

struct cos {
  static constexpr std::string_view name = "cos";
  static constexpr char n2p2_code = 'c';
  template <class T> static T value(const T& x) {
    using std::cos;
    using xsimd::cos;
    return cos(x);
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    T s, c;
    sin_cos(x, s, c);
    f = c;
    d1 = -s;
    d2 = -c;
  }
};

struct reverse_logistic {
  static constexpr std::string_view name = "reverse_logistic";
  static constexpr char n2p2_code = 'S';
  template <class T> static T value(const T& x) { return 1.0 - detail::sigmoid(x); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    const T s = detail::sigmoid(x);
    f = 1.0 - s;
    d1 = s * (s - 1.0);
    d2 = d1 * (1.0 - 2.0 * s);
  }
};

struct exp {
  static constexpr std::string_view name = "exp";
  static constexpr char n2p2_code = 'e';
  template <class T> static T value(const T& x) {
    using std::exp;
    using xsimd::exp;
    return exp(-x);
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = value(x);
    d1 = -f;
    d2 = f;
  }
};

struct harmonic {
  static constexpr std::string_view name = "harmonic";
  static constexpr char n2p2_code = 'h';
  template <class T> static T value(const T& x) { return x * x; }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = x * x;
    d1 = 2.0 * x;
    d2 = T(2.0);
  }
};

struct shifted_softplus {
  static constexpr std::string_view name = "shifted_softplus";
  static constexpr char n2p2_code = '\0'; // not in n2p2
  template <class T> static T value(const T& x) {
    return detail::softplus_value(x) - std::numbers::ln2;
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = value(x);
    d1 = detail::sigmoid(x);
    d2 = d1 * (1.0 - d1);
  }
};

struct silu {
  static constexpr std::string_view name = "silu";
  static constexpr char n2p2_code = '\0'; // not in n2p2
  template <class T> static T value(const T& x) { return x * detail::sigmoid(x); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    const T s = detail::sigmoid(x);
    const T ds = s * (1.0 - s);
    f = x * s;
    d1 = s + x * ds;
    d2 = ds * (2.0 + x * (1.0 - 2.0 * s));
  }
};

} // namespace activation

namespace act = activation;

/// The built-in activations, in the order of their run-time kinds: model files name them,
/// dynamic networks dispatch over them, n2p2's letters map to them. A new built-in activation is
/// a policy type above and one entry here.
using activation_list =
    type_list<activation::linear, activation::tanh, activation::logistic, activation::softplus,
              activation::relu, activation::gaussian, activation::cos, activation::reverse_logistic,
              activation::exp, activation::harmonic, activation::shifted_softplus,
              activation::silu>;

static_assert(
    []<class... A>(type_list<A...>) { return (activation_function<A> && ...); }(activation_list{}),
    "every built-in activation satisfies annp::activation_function");

/// Run-time identifier of an activation (dynamic networks, model files): a built-in policy's
/// position in activation_list, or unlisted() — a user-written activation, evaluated only by the
/// static network type that names it. activation_kind::of<A>() is unlisted for every type not in
/// the list, so a user type is never replaced by a built-in one, whatever its name. Linear by
/// default.
using activation_kind = registry::kind<activation_list, activation::linear>;

/// Calls fn with a default-constructed policy object of the given built-in kind.
template <class Fn> decltype(auto) with_activation(activation_kind k, Fn&& fn) {
  if (!k.is_listed())
    throw error("a custom activation is evaluated only by the static network type that names it");
  return registry::visit<activation_list>(k.index(), std::forward<Fn>(fn));
}

[[nodiscard]] inline std::string_view activation_name(activation_kind k) {
  return k.is_listed() ? registry::names<activation_list>[k.index()] : std::string_view("custom");
}

/// Whether name is the name of a built-in activation.
[[nodiscard]] constexpr bool is_builtin_activation_name(std::string_view name) noexcept {
  return registry::find<activation_list>(name) != registry::npos;
}

[[nodiscard]] inline activation_kind activation_from_name(std::string_view name) {
  return activation_kind::named(name, "activation");
}

/// n2p2's letter (global_activation_short) -> kind; throws for unknown letters.
[[nodiscard]] inline activation_kind activation_from_n2p2(char c) {
  return activation_kind::coded([]<class A>(A) { return A::n2p2_code; }, c, '\0',
                                "n2p2 activation letter", " ");
}

[[nodiscard]] inline char activation_n2p2_code(activation_kind k) {
  if (!k.is_listed()) throw error("a custom activation has no n2p2 equivalent");
  const char c = with_activation(k, [](auto a) { return decltype(a)::n2p2_code; });
  if (c == '\0')
    throw error("activation " + std::string(activation_name(k)) + " has no n2p2 equivalent");
  return c;
}

} // namespace annp
