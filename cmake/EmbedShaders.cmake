# cmake -DOUT=header -DINPUTS="a.vert|b.frag" -P EmbedShaders.cmake
# Writes each GLSL file as `inline constexpr const char* k_<name>_<ext>` (raw string literal).
set(text "// Generated from shaders/ by cmake/EmbedShaders.cmake; edit the .vert/.frag files.\n#pragma once\n\nnamespace jl::gui::shaders {\n")
string(REPLACE "|" ";" INPUTS "${INPUTS}")
foreach(input IN LISTS INPUTS)
  file(READ "${input}" source)
  get_filename_component(name "${input}" NAME_WE)
  get_filename_component(ext "${input}" LAST_EXT)
  string(SUBSTRING "${ext}" 1 -1 ext)
  string(APPEND text "inline constexpr const char* k_${name}_${ext} = R\"glsl(${source})glsl\";\n")
endforeach()
string(APPEND text "}  // namespace jl::gui::shaders\n")
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
