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
// Each satisfies annp::activation_function (core/concepts.hpp). A user-written activation
// satisfies it too, with kind = activation_kind::custom and a name of its own: a static network
// that names it evaluates it (forward, gradients, the mixed second derivatives of force training)
// and saves it under that name; only that static type can load such a model back.

#include <annp/core/concepts.hpp>
#include <annp/core/error.hpp>
#include <annp/core/simd.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <string_view>
#include <type_traits>

namespace annp {

/// Runtime identifier of an activation (dynamic networks, model files).
enum class activation_kind {
  linear,
  tanh,
  logistic,
  softplus,
  relu,
  gaussian,
  cos,
  reverse_logistic,
  exp,
  harmonic,
  shifted_softplus,
  silu,
  custom ///< a user-written activation: evaluated only by the static network type naming it
};

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
  static constexpr activation_kind kind = activation_kind::linear;
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
  static constexpr activation_kind kind = activation_kind::tanh;
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
  static constexpr activation_kind kind = activation_kind::logistic;
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
  static constexpr activation_kind kind = activation_kind::softplus;
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
  static constexpr activation_kind kind = activation_kind::relu;
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
  static constexpr activation_kind kind = activation_kind::gaussian;
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
  static constexpr activation_kind kind = activation_kind::cos;
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
  static constexpr activation_kind kind = activation_kind::reverse_logistic;
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
  static constexpr activation_kind kind = activation_kind::exp;
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
  static constexpr activation_kind kind = activation_kind::harmonic;
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
  static constexpr activation_kind kind = activation_kind::shifted_softplus;
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
  static constexpr activation_kind kind = activation_kind::silu;
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

static_assert(activation_function<activation::linear>);
static_assert(activation_function<activation::tanh>);
static_assert(activation_function<activation::logistic>);
static_assert(activation_function<activation::softplus>);
static_assert(activation_function<activation::relu>);
static_assert(activation_function<activation::gaussian>);
static_assert(activation_function<activation::cos>);
static_assert(activation_function<activation::reverse_logistic>);
static_assert(activation_function<activation::exp>);
static_assert(activation_function<activation::harmonic>);
static_assert(activation_function<activation::shifted_softplus>);
static_assert(activation_function<activation::silu>);

/// Calls fn with a default-constructed policy object of the given runtime kind.
template <class Fn> decltype(auto) with_activation(activation_kind k, Fn&& fn) {
  switch (k) {
  case activation_kind::linear: return fn(activation::linear{});
  case activation_kind::tanh: return fn(activation::tanh{});
  case activation_kind::logistic: return fn(activation::logistic{});
  case activation_kind::softplus: return fn(activation::softplus{});
  case activation_kind::relu: return fn(activation::relu{});
  case activation_kind::gaussian: return fn(activation::gaussian{});
  case activation_kind::cos: return fn(activation::cos{});
  case activation_kind::reverse_logistic: return fn(activation::reverse_logistic{});
  case activation_kind::exp: return fn(activation::exp{});
  case activation_kind::harmonic: return fn(activation::harmonic{});
  case activation_kind::shifted_softplus: return fn(activation::shifted_softplus{});
  case activation_kind::silu: return fn(activation::silu{});
  case activation_kind::custom: break;
  }
  throw error("a custom activation is evaluated only by the static network type that names it");
}

[[nodiscard]] inline std::string_view activation_name(activation_kind k) {
  if (k == activation_kind::custom) return "custom";
  return with_activation(k, [](auto a) { return decltype(a)::name; });
}

/// Whether name is the name of a built-in activation.
constexpr bool is_builtin_activation_name(std::string_view name) {
  for (std::string_view n :
       {activation::linear::name, activation::tanh::name, activation::logistic::name,
        activation::softplus::name, activation::relu::name, activation::gaussian::name,
        activation::cos::name, activation::reverse_logistic::name, activation::exp::name,
        activation::harmonic::name, activation::shifted_softplus::name, activation::silu::name})
    if (n == name) return true;
  return false;
}

/// The built-in kind of policy A, or custom when A is not one of the built-in policy types
/// (whatever A::kind says: a user type is never replaced by a built-in one).
template <class A> constexpr activation_kind builtin_kind_of() {
  if constexpr (std::is_same_v<A, activation::linear>)
    return activation_kind::linear;
  else if constexpr (std::is_same_v<A, activation::tanh>)
    return activation_kind::tanh;
  else if constexpr (std::is_same_v<A, activation::logistic>)
    return activation_kind::logistic;
  else if constexpr (std::is_same_v<A, activation::softplus>)
    return activation_kind::softplus;
  else if constexpr (std::is_same_v<A, activation::relu>)
    return activation_kind::relu;
  else if constexpr (std::is_same_v<A, activation::gaussian>)
    return activation_kind::gaussian;
  else if constexpr (std::is_same_v<A, activation::cos>)
    return activation_kind::cos;
  else if constexpr (std::is_same_v<A, activation::reverse_logistic>)
    return activation_kind::reverse_logistic;
  else if constexpr (std::is_same_v<A, activation::exp>)
    return activation_kind::exp;
  else if constexpr (std::is_same_v<A, activation::harmonic>)
    return activation_kind::harmonic;
  else if constexpr (std::is_same_v<A, activation::shifted_softplus>)
    return activation_kind::shifted_softplus;
  else if constexpr (std::is_same_v<A, activation::silu>)
    return activation_kind::silu;
  else
    return activation_kind::custom;
}

[[nodiscard]] inline activation_kind activation_from_name(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(activation_kind::silu); ++k)
    if (activation_name(static_cast<activation_kind>(k)) == name)
      return static_cast<activation_kind>(k);
  throw error("unknown activation '" + std::string(name) +
              "' (expected linear, tanh, logistic, softplus, relu, gaussian, cos, "
              "reverse_logistic, exp, harmonic, shifted_softplus or silu)");
}

/// n2p2's letter (global_activation_short) -> kind; throws for unknown letters.
[[nodiscard]] inline activation_kind activation_from_n2p2(char c) {
  for (int k = 0; k <= static_cast<int>(activation_kind::harmonic); ++k) {
    const auto kind = static_cast<activation_kind>(k);
    if (with_activation(kind, [](auto a) { return decltype(a)::n2p2_code; }) == c) return kind;
  }
  throw error(std::string("unknown n2p2 activation letter '") + c +
              "' (expected one of l t s p r g c S e h)");
}

[[nodiscard]] inline char activation_n2p2_code(activation_kind k) {
  if (k == activation_kind::custom) throw error("a custom activation has no n2p2 equivalent");
  const char c = with_activation(k, [](auto a) { return decltype(a)::n2p2_code; });
  if (c == '\0')
    throw error("activation " + std::string(activation_name(k)) + " has no n2p2 equivalent");
  return c;
}

} // namespace annp
