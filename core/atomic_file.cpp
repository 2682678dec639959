#include "core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <system_error>

#include "core/error.h"

namespace jl {

void check_can_write(const fs::path& path, bool overwrite) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw Error(path.string() + ": is a folder; give a file name");
  if (fs::exists(path, ec) && !overwrite)
    throw Error(path.string() + ": already exists; pass --overwrite to replace it");
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (!fs::is_directory(dir, ec))
    throw Error(path.string() + ": folder " + dir.string() + " does not exist; create it first");
}

void write_file_atomic(const fs::path& path, const std::string& contents, bool overwrite) {
  AtomicFile out(path, overwrite);
  {
    std::ofstream file(out.temp_path(), std::ios::binary);
    file << contents;
    if (!file.flush()) throw Error(path.string() + ": write failed (disk full?)");
  }
  out.commit();
}

AtomicFile::AtomicFile(fs::path destination, bool overwrite)
    : destination_(std::move(destination)), overwrite_(overwrite) {
  check_can_write(destination_, overwrite_);
  static std::atomic<int> counter{0};
  const std::string tag = ".jl-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  // ".name.jl-tmp-PID-N.ext": hidden, unique per process, keeps the extension.
  temp_ = destination_.parent_path() /
          ("." + destination_.stem().string() + tag + destination_.extension().string());
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  std::error_code ec;
  fs::remove(temp_, ec);
}

void AtomicFile::commit() {
  std::error_code ec;
  if (!fs::exists(temp_, ec))
    throw Error(destination_.string() + ": nothing was written (internal error: no temporary file)");
  // Checked again: another process may have created the file while we were writing.
  if (!overwrite_ && fs::exists(destination_, ec))
    throw Error(destination_.string() + ": appeared while writing; pass --overwrite to replace it");
  fs::rename(temp_, destination_, ec);
  if (ec) throw Error(destination_.string() + ": cannot move the finished file into place: " + ec.message());
  committed_ = true;
}

}  // namespace jl
