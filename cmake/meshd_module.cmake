# Helpers that give every meshd component the same shape: a static library
# named meshd_<name> with the src/ include root, the project's warnings, and
# GoogleTest binaries registered with ctest under labels.

set(MESHD_WARNINGS -Wall -Wextra -Werror -Wimplicit-fallthrough -Werror=unused-result
    -Wno-missing-field-initializers
    # g++ 12 at -O2 reports a false -Wmismatched-new-delete on Asio coroutine
    # frames (allocated by asio's own operator new/delete pair).
    -Wno-mismatched-new-delete
    # g++ 12 at -O2 reports false -Wmaybe-uninitialized on std::optional<std::string>
    # members assigned after default construction (GCC PR 105562 family).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)

# meshd_add_library(NAME storage SOURCES a.cc b.cc DEPS meshd_base ...)
function(meshd_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(meshd_${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(meshd_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(meshd_${ARG_NAME} PRIVATE ${MESHD_WARNINGS})
  target_link_libraries(meshd_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

# meshd_add_test(NAME storage_tests SOURCES x_test.cc DEPS meshd_storage LABELS unit)
function(meshd_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${MESHD_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
