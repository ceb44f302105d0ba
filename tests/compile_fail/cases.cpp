// Compile-time checks: each CASE must fail to compile with a readable message (see
// CMakeLists.txt for the expected text); CASE 0 is the control that must compile.
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/network/network.hpp>

struct not_an_activation {};

// A user activation that borrows a built-in's name: a model file would load it as the built-in.
struct my_tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr char n2p2_code = '\0';
  template <class T> static T value(const T& x) { return x; }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    f = x;
    d1 = T(1.0);
    d2 = T(0.0);
  }
};

#if CASE == 0
using ok = annp::network<8, annp::dense<4, annp::act::tanh>, annp::dense<1, annp::act::linear>>;
static_assert(ok::parameter_count == 8 * 4 + 4 + 4 + 1);
using ok_set =
    annp::descriptor_set<annp::cutoff::cosine, annp::radial_g2<4>, annp::angular_narrow<2>>;
static_assert(ok_set::size == 6);
#elif CASE == 1
using bad = annp::network<8, annp::dense<0, annp::act::tanh>, annp::dense<1, annp::act::linear>>;
bad b;
#elif CASE == 2
using bad = annp::network<8, annp::dense<4, not_an_activation>, annp::dense<1, annp::act::linear>>;
bad b;
#elif CASE == 3
using bad = annp::network<8, annp::dense<4, annp::act::tanh>, annp::dense<2, annp::act::linear>>;
bad b;
#elif CASE == 4
using bad = annp::network<0, annp::dense<4, annp::act::tanh>, annp::dense<1, annp::act::linear>>;
bad b;
#elif CASE == 5
using bad = annp::network<8, annp::dense<4, my_tanh>, annp::dense<1, annp::act::linear>>;
bad b;
#elif CASE == 6
// A kind tag whose kind is not a symmetry-function kind (here a cutoff policy).
using bad = annp::descriptor_set<annp::cutoff::cosine, annp::sf_count<annp::cutoff::cosine, 4>>;
bad b;
#elif CASE == 7
// Not a kind tag at all.
using bad = annp::descriptor_set<annp::cutoff::cosine, annp::radial_g2<4>, int>;
bad b;
#elif CASE == 8
// The translation unit of separate compilation, in a program that did not opt in.
#include <annp/compiled.hpp>
#elif CASE == 9
// ... or after another annp header that already chose declarations only.
#define ANNP_SEPARATE_COMPILATION
#include <annp/potential/any_potential.hpp>
// (then)
#include <annp/compiled.hpp>
#endif

int main() { return 0; }
