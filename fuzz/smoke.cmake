# SPDX-License-Identifier: Apache-2.0
# Smoke runs of every libFuzzer harness inside the normal test tree (gcc, ASan+UBSan under
# `make test`): each fuzz/fuzz_<name>.c is linked with fuzz/driver.c instead of libFuzzer and
# registered as the ctest fuzz_smoke_<name>: the seeds, then 50000 deterministic mutants
# (seed 1), a few seconds each. Included from tests/CMakeLists.txt:
#   include(${CMAKE_SOURCE_DIR}/fuzz/smoke.cmake)
# The same harness files build as real fuzzers with -DMFW_FUZZ=ON (fuzz/CMakeLists.txt).

# File seeds per harness, relative to the source tree; a harness that can make its own seeds
# (fuzz_snapshot) writes them in LLVMFuzzerInitialize into $MFW_FUZZ_SEED_DIR instead. Keep in
# step with seeds_for() in fuzz/run.sh.
set(MFW_FUZZ_SEEDS_scenario scenarios/*.scn)
set(MFW_FUZZ_SEEDS_sensor_file sensors/*.sensors)
set(MFW_FUZZ_SEEDS_ihd_p1 tests/vectors/ihd/*.txt)
set(MFW_FUZZ_SEEDS_ihd_han tests/vectors/ihd/*.hdlc)
set(MFW_FUZZ_SEEDS_fleet_config fleets/*.fleet)
# fuzz_meter_state powers a meter up on each input's flash (and runs it when the record is
# taken): a few thousand inputs are a smoke run.
set(MFW_FUZZ_RUNS_meter_state 3000)
# fuzz_store mounts, reads every record and entry, writes and remounts a 16-sector flash per input
# (twice when the CRC fix-up changes it).
set(MFW_FUZZ_RUNS_store 1500)
# fuzz_hdlc runs the receiver, the station and (every other input) a link session on a whole
# DLMS server: 20000 inputs stay within the smoke budget.
set(MFW_FUZZ_RUNS_hdlc 20000)
# fuzz_ihd_p1 parses every input up to three times (as cut, as it is, with its CRC fixed up).
set(MFW_FUZZ_RUNS_ihd_p1 20000)
include(${CMAKE_SOURCE_DIR}/fuzz/harnesses.cmake)

set(_fuzz_dir ${CMAKE_SOURCE_DIR}/fuzz)
file(GLOB MFW_FUZZ_SMOKE_HARNESSES CONFIGURE_DEPENDS ${_fuzz_dir}/fuzz_*.c)
list(SORT MFW_FUZZ_SMOKE_HARNESSES)
foreach(_src ${MFW_FUZZ_SMOKE_HARNESSES})
  get_filename_component(_h ${_src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" _name ${_h})
  set(_exe fuzz_smoke_${_name})
  add_executable(${_exe} ${_fuzz_dir}/driver.c ${_fuzz_dir}/seed_dir.c ${_src})
  target_compile_definitions(${_exe} PRIVATE _POSIX_C_SOURCE=200809L)
  # The libFuzzer hook is optional; the driver calls it only if the harness defines one (a
  # compile definition rather than a weak symbol).
  file(READ ${_src} _text)
  if(_text MATCHES "int[ \t\r\n]+LLVMFuzzerInitialize[ \t\r\n]*\\(")
    target_compile_definitions(${_exe} PRIVATE FUZZ_HAVE_INITIALIZE=1)
  endif()
  target_include_directories(${_exe} PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/src ${_fuzz_dir}
                                             ${MFW_FUZZ_INCLUDES_${_name}})
  target_sources(${_exe} PRIVATE ${MFW_FUZZ_SOURCES_${_name}})
  target_link_libraries(${_exe} PRIVATE ${MFW_FUZZ_LIBS_${_name}} meterfw_core m)
  if(TARGET meterfw_sim)
    target_link_libraries(${_exe} PRIVATE meterfw_sim)
  endif()

  set(_seed_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz_smoke/${_name}/seeds)
  set(_art_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz_smoke/${_name}/artifacts)
  file(MAKE_DIRECTORY ${_seed_dir} ${_art_dir})
  set(_seeds "")
  foreach(_glob ${MFW_FUZZ_SEEDS_${_name}})
    file(GLOB _files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${_glob})
    list(SORT _files)
    list(APPEND _seeds ${_files})
  endforeach()
  # Mutants per harness: 50000, fewer for a harness whose every input runs a meter for a while.
  set(_runs 50000)
  if(DEFINED MFW_FUZZ_RUNS_${_name})
    set(_runs ${MFW_FUZZ_RUNS_${_name}})
  endif()
  add_test(NAME ${_exe}
           COMMAND ${_exe} -runs=${_runs} -seed=1 -artifact_prefix=${_art_dir}/ ${_seed_dir} ${_seeds})
  set_tests_properties(${_exe} PROPERTIES TIMEOUT 120
                       ENVIRONMENT "MFW_FUZZ_SEED_DIR=${_seed_dir}")
endforeach()
