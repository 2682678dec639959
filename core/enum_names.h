// Enum <-> name tables (DESIGN.md convention 5): one table per enum feeds the command-line flag, its
// error message and the GUI's combo box.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace jl {

template <class Enum>
using EnumNames = std::vector<std::pair<Enum, std::string>>;

template <class Enum>
const char* name_in(const EnumNames<Enum>& table, Enum value) {
  for (const auto& [v, name] : table)
    if (v == value) return name.c_str();
  return "?";
}

template <class Enum>
std::vector<std::string> names_in(const EnumNames<Enum>& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.push_back(entry.second);
  return out;
}

// UsageError "unknown WHAT 'name' (choose one of: a, b, c)" for a name not in the table.
template <class Enum>
Enum parse_in(const EnumNames<Enum>& table, const std::string& name, const std::string& what) {
  std::string known;
  for (const auto& [value, n] : table) {
    if (n == name) return value;
    known += (known.empty() ? "" : ", ") + n;
  }
  throw UsageError("unknown " + what + " '" + name + "' (choose one of: " + known + ")");
}

}  // namespace jl
