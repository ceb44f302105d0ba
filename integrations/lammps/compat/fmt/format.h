// Debian's liblammps-dev (LAMMPS 29 Sep 2021) headers include fmt/format.h and name
// fmt::make_args_checked, which LAMMPS's bundled fmt 7 has and Debian's libfmt-dev (fmt 9)
// no longer has. This shim adds the name so that the headers parse; pair_style annp never
// calls LAMMPS's fmt-based functions (their fmt 7 symbols live inside liblammps).
#pragma once
#include_next <fmt/format.h>

namespace fmt {
template <typename... Args, typename S>
inline auto make_args_checked(const S&, const Args&... args) {
  return fmt::make_format_args(args...);
}
} // namespace fmt
