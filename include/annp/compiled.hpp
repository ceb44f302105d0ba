#pragma once
// The one translation unit of a program built with ANNP_SEPARATE_COMPILATION (see
// annp/core/separate.hpp): it defines, not inline, annp's run-time-typed entry points. Include it
// first, in exactly one .cpp file, and nothing else is needed there:
//
//   // annp_compiled.cpp
//   #include <annp/compiled.hpp>

#if !defined(ANNP_SEPARATE_COMPILATION)
#error                                                                                             \
    "annp/compiled.hpp: define ANNP_SEPARATE_COMPILATION for the whole program (it is header-only without it)"
#endif
#if defined(ANNP_SEPARATE_INLINE)
#error "annp/compiled.hpp must be included before any other annp header of its translation unit"
#endif

#define ANNP_COMPILED_HERE
#include <annp/potential/any_potential.hpp>
#include <annp/tools/train_command.hpp>
