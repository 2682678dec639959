// Atomic output files: everything is written to a temporary sibling of the destination and renamed
// over it only when complete, so a crash or Ctrl-C never leaves a half-written output and an existing
// file is never clobbered by a failed write (DESIGN.md convention 8).
#pragma once

#include <filesystem>
#include <string>

namespace jl {

namespace fs = std::filesystem;

// Throws jl::Error when `path` exists and `overwrite` is false, or when its folder does not exist.
void check_can_write(const fs::path& path, bool overwrite);

// Writes `contents` (text or bytes) to `path` atomically; a failed write (disk full) is a jl::Error
// and leaves nothing.
void write_file_atomic(const fs::path& path, const std::string& contents, bool overwrite);

// Usage:
//   AtomicFile out(path, overwrite);      // checks the destination, picks a temp name
//   write_everything_to(out.temp_path());
//   out.commit();                         // rename over the destination
// If commit() is never reached the destructor deletes the temporary file.
class AtomicFile {
 public:
  AtomicFile(fs::path destination, bool overwrite);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Same folder and same extension as the destination (writers that pick a format by extension work).
  const fs::path& temp_path() const { return temp_; }
  const fs::path& destination() const { return destination_; }
  void commit();

 private:
  fs::path destination_;
  fs::path temp_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace jl
