#pragma once
// A user-written activation for the tests of static networks and static training:
// softsign x / (1 + |x|), on doubles and SIMD batches (not a member of annp::activation_list).

#include <annp/network/activations.hpp>

#include <cmath>
#include <string_view>

namespace annp::test {

struct softsign {
  static constexpr std::string_view name = "softsign";
  static constexpr char n2p2_code = '\0';
  template <class T> static T value(const T& x) {
    using std::abs;
    using xsimd::abs;
    return x / (1.0 + abs(x));
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    using std::abs;
    using std::copysign;
    using xsimd::abs;
    using xsimd::copysign;
    const T q = 1.0 + abs(x);
    f = x / q;
    d1 = 1.0 / (q * q);
    d2 = -copysign(T(2.0), x) * d1 / q;
  }
};
static_assert(activation_function<softsign>);

} // namespace annp::test
