#pragma once
// Separate compilation of annp's run-time-typed entry points (opt-in).
//
// annp is header-only: every translation unit that uses annp::any_potential instantiates the
// potential for each cutoff function of cutoff_list (descriptors, networks, forces, stress), and
// one that calls annp::tools::train_command instantiates the whole trainer. A program with several
// such translation units (a simulation code's pair style and its plugin, a set of tools) can
// compile them once instead:
//
//   1. define ANNP_SEPARATE_COMPILATION for every translation unit of the program;
//   2. compile one more translation unit whose first line is  #include <annp/compiled.hpp>
//      (annp's own CMake build does this as the target annp_compiled).
//
// With the macro, the headers declare these entry points (any_potential's constructor and member
// functions, tools::train_command) without defining them; annp/compiled.hpp defines them, not
// inline, in the one translation unit. Everything else stays a template in the headers. The
// statically typed potentials and trainers (potential<Descriptors, Network>, trainer<...>) are
// not affected: they are instantiated where they are used, as always.
//
// ANNP_SEPARATE_INLINE      `inline` (header-only) or nothing (separate compilation)
// ANNP_SEPARATE_DEFINITIONS 1 where the definitions are compiled: everywhere when header-only,
//                           only in annp/compiled.hpp's translation unit otherwise

#if defined(ANNP_SEPARATE_COMPILATION)
#define ANNP_SEPARATE_INLINE
#if defined(ANNP_COMPILED_HERE)
#define ANNP_SEPARATE_DEFINITIONS 1
#else
#define ANNP_SEPARATE_DEFINITIONS 0
#endif
#else
#define ANNP_SEPARATE_INLINE inline
#define ANNP_SEPARATE_DEFINITIONS 1
#endif
