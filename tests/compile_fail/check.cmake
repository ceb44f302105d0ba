# Compiles cases.cpp with -DCASE=${CASE}; for CASE 0 the compile must succeed, for every other
# case it must fail AND the compiler output must contain ${EXPECT} (so that a failure for an
# unrelated reason does not count as a pass).
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only -DCASE=${CASE} -I${INCLUDE} ${EXTRA_INCLUDES}
          ${SOURCE}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(CASE EQUAL 0)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "control case does not compile:\n${err}")
  endif()
else()
  if(result EQUAL 0)
    message(FATAL_ERROR "case ${CASE} compiled, but it must not")
  endif()
  string(FIND "${err}${out}" "${EXPECT}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "case ${CASE} failed, but without the expected message '${EXPECT}':\n${err}")
  endif()
  message(STATUS "case ${CASE} fails to compile as expected: found '${EXPECT}'")
endif()
