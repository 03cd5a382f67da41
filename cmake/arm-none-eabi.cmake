# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file: bare-metal Cortex-M4F with the Arm GNU toolchain (arm-none-eabi-gcc) and
# newlib nano. Used by `make firmware` and `cmake --preset firmware` (CMakePresets.json):
#   cmake -S . -B build/firmware -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
#
# Only the target is chosen here (CPU, FPU, ABI, C library flavour). Warnings, sections and the
# linker script belong to the project (port/cortex-m/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(MFW_TOOLCHAIN_PREFIX arm-none-eabi- CACHE STRING "Prefix of the cross tools")

set(CMAKE_C_COMPILER ${MFW_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${MFW_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_AR ${MFW_TOOLCHAIN_PREFIX}ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${MFW_TOOLCHAIN_PREFIX}ranlib CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${MFW_TOOLCHAIN_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${MFW_TOOLCHAIN_PREFIX}size CACHE FILEPATH "")
set(CMAKE_NM ${MFW_TOOLCHAIN_PREFIX}nm CACHE FILEPATH "")

# There is no OS to run a test executable on: let CMake's compiler checks build a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4 with the single-precision FPU, hard-float calling convention. double is emulated in
# software (libgcc __aeabi_d*), see port/cortex-m/README.md.
set(MFW_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${MFW_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${MFW_CPU_FLAGS}")
# newlib nano; deliberately NOT nosys.specs: there are no syscalls, so a stray printf/malloc/fopen
# fails to link (and port/cortex-m/check_core.sh names it).
set(CMAKE_EXE_LINKER_FLAGS_INIT "${MFW_CPU_FLAGS} --specs=nano.specs")

# Search headers and libraries only in the target's sysroot, programs only on the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
