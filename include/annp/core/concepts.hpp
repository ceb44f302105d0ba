#pragma once
// The concepts that policy types satisfy. Each is documented in docs/concepts.md; each policy
// header ends with static_assert(<concept><policy>) so that a broken policy fails where it is
// defined, with the concept's name in the message.

#include <annp/core/simd.hpp>

#include <concepts>
#include <string_view>

namespace annp {

/// A cutoff function policy: constructed from (r_c, alpha), evaluates value and derivative on
/// doubles and on SIMD batches, zero from r_c on.
template <class C>
concept cutoff_function = std::default_initializable<C> &&
    std::constructible_from<C, double, double> &&
    requires(const C c, double r, double& f, double& df, simd::batch rb, simd::batch& fb,
             simd::batch& dfb) {
  { C::name } -> std::convertible_to<std::string_view>;
  { C::n2p2_type } -> std::convertible_to<int>;
  { c.rc } -> std::convertible_to<double>;
  c.evaluate(r, f, df);
  c.evaluate(rb, fb, dfb);
};

} // namespace annp

namespace annp {

/// An activation policy: value, first and second derivative on doubles and SIMD batches.
template <class A>
concept activation_function = requires(double x, double& f, double& d1, double& d2, simd::batch b,
                                       simd::batch& fb, simd::batch& d1b, simd::batch& d2b) {
  { A::name } -> std::convertible_to<std::string_view>;
  { A::n2p2_code } -> std::convertible_to<char>;
  { A::value(x) } -> std::same_as<double>;
  { A::value(b) } -> std::same_as<simd::batch>;
  A::evaluate(x, f, d1, d2);
  A::evaluate(b, fb, d1b, d2b);
};

} // namespace annp
