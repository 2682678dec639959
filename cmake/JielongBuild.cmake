# Build conventions shared by every module.

# ccache when present. PCH-aware settings, so precompiled headers are cached too.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_C_COMPILER_LAUNCHER})
endif()

if(JL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# jl_module(NAME SOURCES... [TORCH] [DEPS ...]): a static library for one module, warning-clean.
# TORCH modules reuse one precompiled header of <torch/torch.h> (built once by jl_torch_pch):
# each translation unit that includes torch would otherwise spend ~35 s parsing it.
function(jl_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

add_library(jl_torch_pch STATIC ${CMAKE_SOURCE_DIR}/cmake/torch_pch.cpp)
target_link_libraries(jl_torch_pch PUBLIC torch)
target_precompile_headers(jl_torch_pch PRIVATE <torch/torch.h>)
jl_warnings(jl_torch_pch)

function(jl_use_torch target)
  target_link_libraries(${target} PUBLIC torch)
  target_precompile_headers(${target} REUSE_FROM jl_torch_pch)
endfunction()
