# Build-system checks registered with ctest (included from the top-level CMakeLists.txt when
# CORRAL_BUILD_TESTS is on):
#   abi_symbols    exported symbols of libcorral.so == CORRAL_API functions, versioned, no corral__*
#   headers_c      each public header compiles alone (C11, -Wall -Wextra -pedantic -Werror)
#   headers_cxx    the same as C++11, when a C++ compiler is found
#   install_smoke  cmake --install + pkg-config and find_package consumers (not in sanitizer builds)
#   abi_baseline   abidiff against the committed ABI baseline (Debug builds with abigail-tools)

find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(_corral_scripts "${PROJECT_SOURCE_DIR}/scripts")
set(_corral_include "${PROJECT_SOURCE_DIR}/core/include")

add_test(NAME abi_symbols
  COMMAND Python3::Interpreter "${_corral_scripts}/check_symbols.py"
    --lib "$<TARGET_FILE:corral>"
    --include "${_corral_include}"
    --map "${PROJECT_SOURCE_DIR}/core/corral.map"
    --nm "${CMAKE_NM}")

add_test(NAME headers_c
  COMMAND bash "${_corral_scripts}/check_headers.sh" "${CMAKE_C_COMPILER}" c "${_corral_include}")

if(CMAKE_CXX_COMPILER)
  set(CORRAL_HEADER_CXX "${CMAKE_CXX_COMPILER}")
else()
  find_program(CORRAL_HEADER_CXX NAMES g++ c++ clang++ DOC "C++ compiler for the header test")
endif()
if(CORRAL_HEADER_CXX)
  add_test(NAME headers_cxx
    COMMAND bash "${_corral_scripts}/check_headers.sh" "${CORRAL_HEADER_CXX}" c++ "${_corral_include}")
endif()

if(CORRAL_INSTALL AND NOT CORRAL_SANITIZE)
  add_test(NAME install_smoke
    COMMAND bash "${_corral_scripts}/check_install.sh" "${PROJECT_BINARY_DIR}"
      "${CMAKE_COMMAND}" "${CMAKE_C_COMPILER}" "${CMAKE_GENERATOR}")
  set_tests_properties(install_smoke PROPERTIES TIMEOUT 300)
endif()

# abi_baseline: the library's ABI (public types and functions, from DWARF) equals the committed
# abi/libcorral.so.0.abi. Needs debug info and libabigail; sanitizer builds are skipped.
find_program(CORRAL_ABIDIFF abidiff)
if(CORRAL_ABIDIFF AND NOT CORRAL_SANITIZE AND CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_test(NAME abi_baseline COMMAND bash "${_corral_scripts}/check_abi.sh" "${PROJECT_BINARY_DIR}")
endif()

# format: the C sources follow .clang-format (skipped when clang-format is missing).
find_program(CORRAL_CLANG_FORMAT clang-format)
if(CORRAL_CLANG_FORMAT)
  add_test(NAME format COMMAND bash "${_corral_scripts}/check_format.sh")
endif()
