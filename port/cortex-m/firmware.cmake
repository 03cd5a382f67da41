# SPDX-License-Identifier: Apache-2.0
# The Cortex-M4F firmware build, included by port/cortex-m/CMakeLists.txt (cmake -S port/cortex-m)
# and by the top-level CMakeLists.txt when it is configured with the cross toolchain
# (cmake/arm-none-eabi.cmake: `make firmware`, `cmake --preset firmware`). Either way the outputs
# land in the including directory's build tree (build/firmware): meterfw_core_m4, meterfw.elf,
# .bin/.hex, meterfw.map and the size report.
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE MinSizeRel)
endif()

set(MFW_FIRMWARE_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(MFW_ROOT ${MFW_FIRMWARE_DIR}/../.. ABSOLUTE)

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# The host build's warning set, so code that is clean there is clean here; warnings are errors.
# Every function and object in its own section so --gc-sections drops what the image never calls.
add_compile_options(-Wall -Wextra -Wpedantic -Werror -Wshadow -Wvla -Wstrict-prototypes
                    -Wmissing-prototypes -ffunction-sections -fdata-sections)

# The product's options (port/cortex-m/meterfw_opts.h, the core's user options file): every
# object of the cross build sees the same sizes.
add_compile_definitions(MFW_OPTIONS_FILE="${MFW_FIRMWARE_DIR}/meterfw_opts.h")

# ---- (a) the portable core -------------------------------------------------------------------
# Globbed at build time (CONFIGURE_DEPENDS): files others add under src/ are picked up by the
# next `cmake --build` without touching this file.
file(GLOB_RECURSE MFW_CORE_SOURCES CONFIGURE_DEPENDS ${MFW_ROOT}/src/*.c)
if(NOT MFW_CORE_SOURCES)
  # An empty src/ (early in the project) still gives a library, so the build and
  # check_core.sh keep working. ISO C wants a translation unit to declare something.
  set(MFW_EMPTY_CORE ${CMAKE_CURRENT_BINARY_DIR}/core_empty.c)
  if(NOT EXISTS ${MFW_EMPTY_CORE})
    file(WRITE ${MFW_EMPTY_CORE} "/* src/ has no .c files yet */\ntypedef int mfw_core_empty;\n")
  endif()
  set(MFW_CORE_SOURCES ${MFW_EMPTY_CORE})
endif()
# One archive of every layer (check_core.sh inspects it whole); the host build enforces the layers'
# one-way includes (cmake/layers.cmake), here every layer's include root is visible.
include(${MFW_ROOT}/cmake/layers.cmake)
add_library(meterfw_core_m4 STATIC ${MFW_CORE_SOURCES})
foreach(layer ${MFW_LAYERS})
  mfw_layer_root(${layer} ${MFW_ROOT} inc)
  target_include_directories(meterfw_core_m4 PUBLIC ${inc})
endforeach()
# libm calls must not set errno: no hidden global state in the core, and sqrt() can inline to
# the FPU instruction for float.
target_compile_options(meterfw_core_m4 PRIVATE -fno-math-errno)

# ---- (b) the firmware image ------------------------------------------------------------------
set(MFW_LINKER_SCRIPT ${MFW_FIRMWARE_DIR}/linker.ld)
add_executable(meterfw
  ${MFW_FIRMWARE_DIR}/startup.c
  ${MFW_FIRMWARE_DIR}/hal_board.c
  ${MFW_FIRMWARE_DIR}/main.c)
set_target_properties(meterfw PROPERTIES
  OUTPUT_NAME meterfw
  SUFFIX .elf
  LINK_DEPENDS ${MFW_LINKER_SCRIPT})
target_include_directories(meterfw PRIVATE ${MFW_FIRMWARE_DIR})
target_compile_options(meterfw PRIVATE -fno-math-errno)
# Our own startup (startup.c) instead of crt0; nano.specs comes from the toolchain file. No
# nosys.specs: an undefined _write/_sbrk/... is a link error on purpose.
target_link_options(meterfw PRIVATE
  -nostartfiles
  -T${MFW_LINKER_SCRIPT}
  -Wl,--gc-sections
  -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/meterfw.map,--cref
  -Wl,--print-memory-usage)
target_link_libraries(meterfw PRIVATE meterfw_core_m4 m)

add_custom_command(TARGET meterfw POST_BUILD
  COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:meterfw> ${CMAKE_CURRENT_BINARY_DIR}/meterfw.bin
  COMMAND ${CMAKE_OBJCOPY} -O ihex $<TARGET_FILE:meterfw> ${CMAKE_CURRENT_BINARY_DIR}/meterfw.hex
  BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/meterfw.bin ${CMAKE_CURRENT_BINARY_DIR}/meterfw.hex
  COMMENT "objcopy meterfw.elf -> meterfw.bin, meterfw.hex"
  VERBATIM)

# ---- size report, printed by every build -----------------------------------------------------
# text = flash code + constants, data = initialised RAM (also stored in flash), bss = zeroed RAM.
# The core's rows must show data = bss = 0 (check_core.sh enforces it).
add_custom_target(size_report ALL
  COMMAND ${CMAKE_COMMAND} -E echo "== firmware image (meterfw.elf) =="
  COMMAND ${CMAKE_SIZE} $<TARGET_FILE_NAME:meterfw>
  COMMAND ${CMAKE_COMMAND} -E echo "== portable core, per module (before --gc-sections) =="
  COMMAND ${CMAKE_SIZE} -t $<TARGET_FILE_NAME:meterfw_core_m4>
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
  VERBATIM)
add_dependencies(size_report meterfw meterfw_core_m4)

# ---- (c) the metrology's cost on QEMU's mps2-an386 (bench/m4, run by bench/cost.sh) ----------
# The same core library, with the simulated front end to make its samples; QEMU's memory map,
# semihosting for its arguments and its one line of output. Not a product image.
set(MFW_BENCH_M4_DIR ${MFW_ROOT}/bench/m4)
add_executable(bench_m4
  ${MFW_BENCH_M4_DIR}/bench_m4.c
  ${MFW_ROOT}/sim/afe.c
  ${MFW_ROOT}/sim/shunt.c
  ${MFW_ROOT}/sim/current_transformer.c
  ${MFW_ROOT}/sim/divider.c
  ${MFW_ROOT}/sim/sigma_delta.c)
set_target_properties(bench_m4 PROPERTIES SUFFIX .elf
                      LINK_DEPENDS ${MFW_BENCH_M4_DIR}/mps2_an386.ld)
target_include_directories(bench_m4 PRIVATE ${MFW_ROOT}/sim)
target_link_options(bench_m4 PRIVATE -nostartfiles -T${MFW_BENCH_M4_DIR}/mps2_an386.ld
                    -Wl,--gc-sections)
target_link_libraries(bench_m4 PRIVATE meterfw_core_m4 m)

# ---- (d) the meter image of the MPS2 AN386 board in QEMU (port/cortex-m/an386) ----------------
# The whole meter: metrology fed by the front end's sample frames on UART0, the object model, the
# DLMS server and HDLC on UART2, the display on UART1, the store in the board's NOR flash.
# scripts/qemu-meter.sh runs it; tests/checks/firmware_qemu.sh reads it with meterctl.
set(MFW_AN386_DIR ${MFW_FIRMWARE_DIR}/an386)
add_executable(meterfw_an386
  ${MFW_FIRMWARE_DIR}/startup.c
  ${MFW_AN386_DIR}/board.c
  ${MFW_AN386_DIR}/afe_link.c
  ${MFW_AN386_DIR}/main.c)
set_target_properties(meterfw_an386 PROPERTIES SUFFIX .elf
                      LINK_DEPENDS ${MFW_AN386_DIR}/an386.ld)
target_include_directories(meterfw_an386 PRIVATE ${MFW_AN386_DIR} ${MFW_FIRMWARE_DIR})
target_compile_options(meterfw_an386 PRIVATE -fno-math-errno)
target_link_options(meterfw_an386 PRIVATE
  -nostartfiles
  -T${MFW_AN386_DIR}/an386.ld
  -Wl,--gc-sections
  -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/meterfw_an386.map,--cref
  -Wl,--print-memory-usage)
target_link_libraries(meterfw_an386 PRIVATE meterfw_core_m4 m)
# What each module put into the image (after --gc-sections), from the map; over 160 KiB of flash
# fails the build (the FLASH region; issue 13's goal of 128 KiB is missed, docs/firmware.md).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(TARGET meterfw_an386 POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E echo "== meterfw_an386.elf per module (after --gc-sections) =="
  COMMAND ${Python3_EXECUTABLE} ${MFW_FIRMWARE_DIR}/size_modules.py
          ${CMAKE_CURRENT_BINARY_DIR}/meterfw_an386.map ${MFW_ROOT} --budget-flash 163840
  VERBATIM)

# ---- (e) the DLMS server's cost on QEMU's mps2-an386 (bench/m4, run by bench/cost.sh) ---------
# A 162M with a day of load profile on a RAM flash, the object model and the DLMS server answering
# the management client: the AARQ, a GET and the profile's blocks, timed by -icount.
add_executable(bench_dlms_m4
  ${MFW_BENCH_M4_DIR}/bench_dlms_m4.c
  ${MFW_ROOT}/sim/afe.c
  ${MFW_ROOT}/sim/shunt.c
  ${MFW_ROOT}/sim/current_transformer.c
  ${MFW_ROOT}/sim/divider.c
  ${MFW_ROOT}/sim/sigma_delta.c)
set_target_properties(bench_dlms_m4 PROPERTIES SUFFIX .elf
                      LINK_DEPENDS ${MFW_BENCH_M4_DIR}/mps2_an386.ld)
target_include_directories(bench_dlms_m4 PRIVATE ${MFW_ROOT}/sim)
target_link_options(bench_dlms_m4 PRIVATE -nostartfiles -T${MFW_BENCH_M4_DIR}/mps2_an386.ld
                    -Wl,--gc-sections)
target_link_libraries(bench_dlms_m4 PRIVATE meterfw_core_m4 m)
