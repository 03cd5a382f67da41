# SPDX-License-Identifier: Apache-2.0
# What each libFuzzer harness needs beyond the core, for both builds of it: the real fuzzers
# (fuzz/CMakeLists.txt) and the smoke runs of `make test` (fuzz/smoke.cmake) include this file.
#   MFW_FUZZ_SOURCES_<name>   host sources it parses with (port/posix has no library)
#   MFW_FUZZ_INCLUDES_<name>  their include folder
#   MFW_FUZZ_LIBS_<name>      a library instead
set(MFW_FUZZ_SOURCES_meterd_options ${CMAKE_SOURCE_DIR}/port/posix/options.c
    ${CMAKE_SOURCE_DIR}/port/posix/isotime.c)
set(MFW_FUZZ_INCLUDES_meterd_options ${CMAKE_SOURCE_DIR}/port/posix)
set(MFW_FUZZ_SOURCES_rtc_backup ${CMAKE_SOURCE_DIR}/port/posix/rtc_backup.c
    ${CMAKE_SOURCE_DIR}/port/posix/state_dir.c)
set(MFW_FUZZ_INCLUDES_rtc_backup ${CMAKE_SOURCE_DIR}/port/posix)
# meterd's control pipe: its line splitter, the lines injected into a scenario (sim)
set(MFW_FUZZ_SOURCES_control ${CMAKE_SOURCE_DIR}/port/posix/control.c)
set(MFW_FUZZ_INCLUDES_control ${CMAKE_SOURCE_DIR}/port/posix)
set(MFW_FUZZ_LIBS_meterctl_notation meterctl_lib)
set(MFW_FUZZ_LIBS_calfile meterctl_lib)
# the posix crypto port (Mbed TLS, nettle): the harness of the security layer
set(MFW_FUZZ_LIBS_security meterd_crypto)
# the keys file text (port/posix/keyfile.c, in the crypto port's library)
set(MFW_FUZZ_LIBS_keyfile meterd_crypto)
# the in-home display's P1 reader (tools/ihd, a port-side tool without a library of the core)
set(MFW_FUZZ_SOURCES_ihd_p1 ${CMAKE_SOURCE_DIR}/tools/ihd/p1.c)
set(MFW_FUZZ_SOURCES_ihd_han ${CMAKE_SOURCE_DIR}/tools/ihd/han.c ${CMAKE_SOURCE_DIR}/tools/ihd/p1.c)
# fleetd's fleet file (port/fleet)
set(MFW_FUZZ_SOURCES_fleet_config ${CMAKE_SOURCE_DIR}/port/fleet/fleet_config.c
    ${CMAKE_SOURCE_DIR}/port/posix/isotime.c)
set(MFW_FUZZ_INCLUDES_fleet_config ${CMAKE_SOURCE_DIR}/port/fleet ${CMAKE_SOURCE_DIR}/port/posix)
# the emulated board's sample frames: the image's own decoder (port/cortex-m/an386)
set(MFW_FUZZ_SOURCES_afe_link ${CMAKE_SOURCE_DIR}/port/cortex-m/an386/afe_link.c)
set(MFW_FUZZ_INCLUDES_afe_link ${CMAKE_SOURCE_DIR}/port/cortex-m/an386)
# the firmware image format of meterd's slots (in the posix crypto port library)
set(MFW_FUZZ_LIBS_image_slots meterd_crypto)
