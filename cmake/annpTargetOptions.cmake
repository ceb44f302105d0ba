# Options for annp's own targets (tests, benchmarks, examples). Nothing here is pushed onto users
# of annp::annp: warnings, -march and sanitizers stay PRIVATE to the targets that call
# annp_target_options().

function(annp_target_options target)
  target_link_libraries(${target} PRIVATE annp::annp)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion)
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
