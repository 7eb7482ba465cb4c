# Install and export rules for the core (included from the top-level CMakeLists.txt after
# add_subdirectory(core)).
#
#   cmake --install <build> [--prefix P]  installs
#     lib/libcorral.so.<ver> + soname/dev links      (component Runtime / Development)
#     lib/libcorral.a                                 (Development)
#     include/corral.h, include/corral/*.h            (Development)
#     lib/pkgconfig/corral.pc                         (Development; prefix taken at install time)
#     lib/cmake/corral/corralConfig.cmake, corralConfigVersion.cmake, corralTargets*.cmake
#   and the build tree exports the same targets: find_package(corral) with corral_DIR=<build>.
#
# Targets: corral::corral (shared) and corral::corral_static (static, PIC, CORRAL_STATIC).

include(CMakePackageConfigHelpers)

set(CORRAL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/corral"
  CACHE STRING "Where corralConfig.cmake is installed (relative to the prefix)")
set(CORRAL_PC_REQUIRES_PRIVATE "libevent_core >= 2.1"
  CACHE STRING "Requires.private of corral.pc")
mark_as_advanced(CORRAL_INSTALL_CMAKEDIR CORRAL_PC_REQUIRES_PRIVATE)

# ---- libraries and headers ------------------------------------------------------------------
install(TARGETS corral corral_static
  EXPORT corralTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    COMPONENT Runtime NAMELINK_COMPONENT Development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT Development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT Runtime
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/core/include/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT Development
  FILES_MATCHING PATTERN "*.h")

# ---- CMake package: installed ---------------------------------------------------------------
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_corral_compat SameMinorVersion)   # 0.x: every minor release may break the ABI
else()
  set(_corral_compat SameMajorVersion)
endif()

set(_corral_pkgdir "${PROJECT_BINARY_DIR}/corral-package")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/corralConfig.cmake.in"
  "${_corral_pkgdir}/install/corralConfig.cmake"
  INSTALL_DESTINATION "${CORRAL_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${_corral_pkgdir}/corralConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY ${_corral_compat})

install(EXPORT corralTargets
  NAMESPACE corral::
  DESTINATION "${CORRAL_INSTALL_CMAKEDIR}"
  COMPONENT Development)
install(FILES
    "${_corral_pkgdir}/install/corralConfig.cmake"
    "${_corral_pkgdir}/corralConfigVersion.cmake"
  DESTINATION "${CORRAL_INSTALL_CMAKEDIR}"
  COMPONENT Development)

# ---- CMake package: build tree (corral_DIR=<build dir>) -------------------------------------
export(EXPORT corralTargets
  NAMESPACE corral::
  FILE "${PROJECT_BINARY_DIR}/corralTargets.cmake")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/corralConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/corralConfig.cmake"
  INSTALL_DESTINATION "${PROJECT_BINARY_DIR}"
  INSTALL_PREFIX "${PROJECT_BINARY_DIR}")
configure_file("${_corral_pkgdir}/corralConfigVersion.cmake"
  "${PROJECT_BINARY_DIR}/corralConfigVersion.cmake" COPYONLY)

# ---- pkg-config -----------------------------------------------------------------------------
# corral.pc is written at install time so that `cmake --install --prefix P` (or DESTDIR) gets
# the right prefix, not the one seen at configure time.
foreach(_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(CORRAL_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(CORRAL_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
configure_file("${PROJECT_SOURCE_DIR}/cmake/corral-pc-install.cmake.in"
  "${_corral_pkgdir}/corral-pc-install.cmake" @ONLY)
install(SCRIPT "${_corral_pkgdir}/corral-pc-install.cmake" COMPONENT Development)
