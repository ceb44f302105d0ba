#pragma once
// OpenMP without warnings when OpenMP is off: ANNP_OMP("omp parallel for ...") expands to the
// pragma only when the compiler has OpenMP enabled (-fopenmp, which annp::annp adds when
// ANNP_USE_OPENMP is on and OpenMP is found). The directive is a string so that formatters see
// no `for` keyword in it; .clang-format lists ANNP_OMP as a statement macro, so the statement
// it applies to is indented like any other.

#ifdef _OPENMP
#include <omp.h>
#define ANNP_OMP(directive) _Pragma(directive)
#else
#define ANNP_OMP(directive)
#endif

namespace annp {

/// Number of threads an OpenMP parallel region would use (1 without OpenMP).
[[nodiscard]] inline int max_threads() noexcept {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Sets the number of threads of later parallel regions (no-op without OpenMP).
inline void set_threads(int n) noexcept {
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

} // namespace annp
