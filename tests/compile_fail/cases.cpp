// Compile-time checks: each CASE must fail to compile with a readable message (see
// CMakeLists.txt for the expected text); CASE 0 is the control that must compile.
#include <annp/network/network.hpp>

struct not_an_activation {};

#if CASE == 0
using ok = annp::network<8, annp::dense<4, annp::act::tanh>, annp::dense<1, annp::act::linear>>;
static_assert(ok::parameter_count == 8 * 4 + 4 + 4 + 1);
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
#endif

int main() { return 0; }
