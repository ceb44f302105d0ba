# Options for annp's own targets (tests, benchmarks, examples). Nothing here is pushed onto users
# of annp::annp: warnings, -march and sanitizers stay PRIVATE to the targets that call
# annp_target_options().

function(annp_target_options target)
  target_link_libraries(${target} PRIVATE annp::annp)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion)
  # GCC 12 has false positives that -Werror would turn into build failures:
  #  - -W(maybe-)uninitialized inside its own AVX-512 intrinsics headers (avx512fintrin.h's
  #    self-initialised _mm512_undefined_pd; GCC bug 105593) whenever xsimd's kernels are inlined;
  #  - -Wrestrict inside std::string's inlined copy routines (GCC bug 105651).
  # They are off for GCC < 13 only; the clang stage of scripts/test builds with
  # -Wuninitialized on.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized
                                             -Wno-restrict)
  endif()
  # No contraction of a*b+c into fused multiply-adds behind the code's back. Both GCC 12 (in C++,
  # even with CXX_EXTENSIONS OFF) and clang contract by default, and then one formula rounds
  # differently depending on what got inlined where: the scalar and SIMD forms of an activation,
  # or a static network (every size a constant, activations inlined) and a dynamic one (measured:
  # last-bit differences in the force-training gradient at -O3). The code calls fma explicitly
  # where it wants one; tests check static = dynamic bit for bit and scalar = SIMD to 1e-14.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang|GNU")
    target_compile_options(${target} PRIVATE -ffp-contract=off)
  endif()
  if(ANNP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(ANNP_MARCH)
    target_compile_options(${target} PRIVATE -march=${ANNP_MARCH})
  endif()
  if(ANNP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${ANNP_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${ANNP_SANITIZE})
  endif()
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
endfunction()
