// Small non-cryptographic hashes: FNV-1a over bytes (stable across runs and machines, so it can name
// things on disk, such as a batch item's parameters) and a hex form of it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace jl {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;

// FNV-1a 64; `h` continues an earlier hash (hash a file in pieces).
inline uint64_t fnv1a64(std::string_view bytes, uint64_t h = kFnvOffset) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  return h;
}

inline std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace jl
