# The layer rule (docs/architecture.md, "Layers"): a library folder includes only its own headers and
# those of the layers below it. Lists every include that breaks the rule and fails when there is one.
#   cmake -DROOT=<source tree> -P scripts/check_layers.cmake
# The includes are relative ("../core/tensor.hpp"), so include paths cannot enforce the rule at build
# time; this reads them instead (quoted ones resolved from the including file, then from ROOT, and
# <tapegrad/...> ones from ROOT).
cmake_minimum_required(VERSION 3.20)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P check_layers.cmake")
endif()

# What each library folder may include besides itself. Only optim/ reaches datasets/: its
# training_checkpoint saves a DataLoader's position.
set(LAYERS core nn datasets optim distributed onnx)
set(MAY_INCLUDE_core "")
set(MAY_INCLUDE_nn core)
set(MAY_INCLUDE_datasets core)
set(MAY_INCLUDE_optim core nn datasets)
set(MAY_INCLUDE_distributed core nn)
set(MAY_INCLUDE_onnx core nn)
# The umbrella headers at the top (tapegrad.hpp, xtensor.hpp) are above every layer.
set(UMBRELLAS tapegrad.hpp xtensor.hpp)

set(violations 0)
foreach(layer ${LAYERS})
  file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/${layer}/*.hpp ${ROOT}/${layer}/*.cpp ${ROOT}/${layer}/*.inc)
  list(SORT files)
  foreach(file ${files})
    get_filename_component(dir ${file} DIRECTORY)
    file(STRINGS ${ROOT}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line ${includes})
      string(REGEX MATCH "include[ \t]*([<\"])([^>\"]+)" matched "${line}")
      if(NOT matched)
        continue()  # the tail of a line that a ';' split in two
      endif()
      set(delimiter "${CMAKE_MATCH_1}")
      set(path "${CMAKE_MATCH_2}")
      if(path MATCHES "^tapegrad/(.+)")
        set(target "${CMAKE_MATCH_1}")
      elseif(delimiter STREQUAL "\"")
        cmake_path(SET target NORMALIZE "${dir}/${path}")
        if(NOT EXISTS ${ROOT}/${target} AND EXISTS ${ROOT}/${path})
          set(target "${path}")
        endif()
      else()
        continue()  # a system or third-party header
      endif()
      string(REGEX MATCH "^[^/]+" top "${target}")
      if(top STREQUAL layer OR top IN_LIST MAY_INCLUDE_${layer})
        continue()
      endif()
      if(top IN_LIST LAYERS OR top IN_LIST UMBRELLAS)
        math(EXPR violations "${violations} + 1")
        set(allowed ${layer} ${MAY_INCLUDE_${layer}})
        list(JOIN allowed "/, " allowed)
        message("${file} includes \"${path}\", of ${top}: ${layer}/ may include only ${allowed}/")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "layer rule: ${violations} violations")
endif()
message("layer rule: 0 violations")
