#include "studio/batch/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/console.h"
#include "core/error.h"
#include "core/hash.h"

namespace jl::batch {

namespace {
constexpr const char* kPrefix = "jielong-batch";
}

Manifest::Manifest(fs::path root, std::string file_name) : root_(std::move(root)), path_(root_ / file_name) {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("output") || !j["output"].is_string()) continue;
      ManifestEntry e;
      e.output = j["output"].get<std::string>();
      e.params_hash = j.value("params_hash", "");
      e.file_hash = j.value("file_hash", "");
      e.bytes = j.value("bytes", uintmax_t(0));
      entries_[e.output] = e;
    }
  }
}

bool Manifest::recorded(const std::string& output) const { return entries_.count(output) > 0; }

bool Manifest::done(const std::string& output, const std::string& params_hash) const {
  const auto it = entries_.find(output);
  if (it == entries_.end() || it->second.params_hash != params_hash) return false;
  std::error_code ec;
  const fs::path file = root_ / output;
  if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) != it->second.bytes) return false;
  return hash_file(file) == it->second.file_hash;
}

std::string Manifest::hash_file(const fs::path& file, uintmax_t* bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot be read back to record it");
  uint64_t h = kFnvOffset;
  uintmax_t total = 0;
  std::string buffer(1 << 16, '\0');
  while (in.read(buffer.data(), std::streamsize(buffer.size())) || in.gcount() > 0) {
    h = fnv1a64(std::string_view(buffer.data(), size_t(in.gcount())), h);
    total += uintmax_t(in.gcount());
  }
  if (bytes) *bytes = total;
  return hex64(h);
}

void Manifest::record(ManifestEntry entry, const fs::path& file) {
  entry.file_hash = hash_file(file, &entry.bytes);
  nlohmann::json line = {{"output", entry.output}, {"params_hash", entry.params_hash},
                         {"file_hash", entry.file_hash}, {"bytes", entry.bytes}};
  for (const auto& [key, value] : entry.extra.items()) line[key] = value;
  const std::string text = json_line(line) + "\n";
  // One write() of the whole line with O_APPEND, then fsync: a crash leaves the line whole or cut
  // (and a cut line is skipped when read back).
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path_.string() + ": cannot be written (" + std::strerror(errno) + ")");
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != ssize_t(text.size()) || !synced) throw Error(path_.string() + ": could not append a record (disk full?)");
  entries_[entry.output] = std::move(entry);
}

std::string Manifest::file_name_for(int shard_index, int shard_count) {
  if (shard_count <= 1) return std::string(kPrefix) + ".jsonl";
  return std::string(kPrefix) + ".shard-" + std::to_string(shard_index) + "-of-" + std::to_string(shard_count) + ".jsonl";
}

}  // namespace jl::batch
