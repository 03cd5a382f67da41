# SPDX-License-Identifier: Apache-2.0
# The layers of the portable core, one way (docs/architecture.md):
#
#   base <- codec <- metrology <- meter <- cosem <- dlms <- link,   with hal and store under meter
#
# Each layer is one library built from src/<layer>/*.c that links only the layers it may use.
# Its public headers are include/meterfw/<layer>/; a library sees them through an include root of
# its own in the build tree (<build>/layer-include/<layer>/meterfw/<layer> is a link to the
# folder), and a target gets the roots of exactly the layers it links. So a forbidden #include,
# say of a cosem header from the meter layer, fails to compile. tests/checks/layers.py checks the
# same matrix on the sources (ctest layers_one_way), relative includes included.
#
#   mfw_layers(ROOT <source root> [SUFFIX <s>])   defines meterfw_<layer><s> for every layer and
#                                                 the umbrella meterfw_core<s> that links them all
#   MFW_LAYERS, MFW_LAYER_DEPS_<layer>            the layers and their direct dependencies

set(MFW_LAYERS base codec metrology hal store meter cosem dlms link)
set(MFW_LAYER_DEPS_base "")
set(MFW_LAYER_DEPS_codec base)
set(MFW_LAYER_DEPS_metrology base)
set(MFW_LAYER_DEPS_hal base)
set(MFW_LAYER_DEPS_store base hal)
set(MFW_LAYER_DEPS_meter base codec metrology hal store)
set(MFW_LAYER_DEPS_cosem meter codec)
set(MFW_LAYER_DEPS_dlms cosem codec)
set(MFW_LAYER_DEPS_link dlms base)

function(mfw_layer_root layer root out)
  set(dir ${CMAKE_BINARY_DIR}/layer-include/${layer})
  if(NOT IS_SYMLINK ${dir}/meterfw/${layer})
    file(MAKE_DIRECTORY ${dir}/meterfw)
    file(CREATE_LINK ${root}/include/meterfw/${layer} ${dir}/meterfw/${layer} SYMBOLIC)
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

function(mfw_layers)
  cmake_parse_arguments(A "" "ROOT;SUFFIX" "" ${ARGN})
  foreach(layer ${MFW_LAYERS})
    set(lib meterfw_${layer}${A_SUFFIX})
    mfw_layer_root(${layer} ${A_ROOT} inc)
    set(deps "")
    foreach(d ${MFW_LAYER_DEPS_${layer}})
      list(APPEND deps meterfw_${d}${A_SUFFIX})
    endforeach()
    file(GLOB srcs CONFIGURE_DEPENDS ${A_ROOT}/src/${layer}/*.c)
    if(srcs)
      add_library(${lib} STATIC ${srcs})
      target_include_directories(${lib} PUBLIC ${inc})
      target_link_libraries(${lib} PUBLIC ${deps})
    else()
      add_library(${lib} INTERFACE)
      target_include_directories(${lib} INTERFACE ${inc})
      target_link_libraries(${lib} INTERFACE ${deps})
    endif()
  endforeach()
  target_link_libraries(meterfw_metrology${A_SUFFIX} PUBLIC m)
  add_library(meterfw_core${A_SUFFIX} INTERFACE)
  foreach(layer ${MFW_LAYERS})
    target_link_libraries(meterfw_core${A_SUFFIX} INTERFACE meterfw_${layer}${A_SUFFIX})
  endforeach()
endfunction()
