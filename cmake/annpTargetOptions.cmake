# Options for annp's own targets (tests, benchmarks, examples). Nothing here is pushed onto users
# of annp::annp: warnings, -march and sanitizers stay PRIVATE to the targets that call
# annp_target_options().

function(annp_target_options target)
  target_link_libraries(${target} PRIVATE annp::annp)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion)
  # GCC 12 reports -W(maybe-)uninitialized inside its own AVX-512 intrinsics headers
  # (avx512fintrin.h's self-initialised _mm512_undefined_pd; GCC bug 105593) whenever xsimd's
  # AVX-512 kernels are inlined. Those two warnings are off for GCC < 13 only; the clang
  # sanitizer stage of scripts/test builds with them on.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized)
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
