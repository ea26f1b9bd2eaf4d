# Runtime CPU dispatch. Each per-ISA source (core/kernels/*_simd.cpp, bench/peak_fma_simd.cpp) is
# compiled once per instruction set below, each copy with that set's flags and TAPEGRAD_ISA_NS=<set>
# (its namespace; core/kernels/isa_arch.hpp maps it to the xsimd architecture). The library picks one
# set at run time (core/cpu.cpp), so a portable build runs AVX-512 kernels on AVX-512 CPUs, AVX2+FMA on
# AVX2 CPUs and SSE2 elsewhere. Only the per-ISA objects get these flags, never TAPEGRAD_NATIVE's.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64)$")
  set(TAPEGRAD_ISAS sse2 avx2 avx512)
else()
  set(TAPEGRAD_ISAS "")  # elsewhere only the scalar kernels are built
  message(STATUS "tapegrad: no SIMD kernels for ${CMAKE_SYSTEM_PROCESSOR} (scalar kernels only)")
endif()
set(TAPEGRAD_ISA_FLAGS_sse2 -msse2)
set(TAPEGRAD_ISA_FLAGS_avx2 -mavx2 -mfma)
set(TAPEGRAD_ISA_FLAGS_avx512 -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma)
# The GCC 12 SLP-vectoriser miscompile seen with -march=native (see CMakeLists.txt) concerns AVX-512
# code generation: the wide sets get the same workaround.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND TAPEGRAD_ISA_FLAGS_avx2 -fno-tree-slp-vectorize)
  list(APPEND TAPEGRAD_ISA_FLAGS_avx512 -fno-tree-slp-vectorize)
endif()

# For the code that maps sets to kernel tables (core/cpu.cpp, core/kernels/*_dispatch.cpp).
set(TAPEGRAD_ISA_DEFINITIONS "")
foreach(isa ${TAPEGRAD_ISAS})
  string(TOUPPER ${isa} ISA)
  list(APPEND TAPEGRAD_ISA_DEFINITIONS TAPEGRAD_ISA_BUILT_${ISA})
endforeach()

# tapegrad_add_isa_objects(<name> <sources>...): an OBJECT library <name>_<set> per set, linking
# <name>_LIBS if set by the caller; <name>_OBJECTS (in the caller's scope) lists their objects.
function(tapegrad_add_isa_objects name)
  set(objects "")
  foreach(isa ${TAPEGRAD_ISAS})
    string(TOUPPER ${isa} ISA)
    add_library(${name}_${isa} OBJECT ${ARGN})
    target_compile_definitions(${name}_${isa} PRIVATE TAPEGRAD_ISA_NS=${isa} TAPEGRAD_ISA_${ISA} ${TAPEGRAD_ISA_DEFINITIONS})
    # Optimised even in Debug builds: inlining keeps the std helpers they use (std::min, std::fill)
    # out of the object's weak symbols (see scripts/check-isa-symbols.sh, run by ctest).
    target_compile_options(${name}_${isa} PRIVATE ${TAPEGRAD_WARNING_FLAGS} ${TAPEGRAD_ISA_FLAGS_${isa}} $<$<CONFIG:Debug>:-O2>)
    target_compile_features(${name}_${isa} PRIVATE cxx_std_20)
    target_link_libraries(${name}_${isa} PRIVATE xsimd ${${name}_LIBS})
    set_target_properties(${name}_${isa} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    list(APPEND objects $<TARGET_OBJECTS:${name}_${isa}>)
  endforeach()
  set(${name}_OBJECTS ${objects} PARENT_SCOPE)
endfunction()
