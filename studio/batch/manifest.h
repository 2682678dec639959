// The record of a batch run's finished outputs, so that a rerun (after a crash, a kill -9, a Ctrl-C or
// a few failed items) renders only what is missing. One JSON Lines file per process in the output
// root — jielong-batch.jsonl, or jielong-batch.shard-I-of-N.jsonl for `--shard I/N`, so shards that
// share a folder never write the same file — and a rerun reads all of them.
//
// An output counts as done when a line records its path with the same parameter hash and the file on
// disk still has the recorded size and content hash. The line is appended (and synced) after the
// output is complete in its temporary file and before that file is renamed into place, so a crash at
// any moment leaves either a recorded output or none: never an output the manifest does not know,
// never a partial file under an output's name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace jl::batch {

namespace fs = std::filesystem;

struct ManifestEntry {
  std::string output;       // relative to the output root, '/'-separated
  std::string params_hash;  // BatchItem::params_hash
  std::string file_hash;    // FNV-1a 64 of the file's bytes, hex
  uintmax_t bytes = 0;
  nlohmann::json extra;     // task, seconds, judge verdict, ... (informational)
};

class Manifest {
 public:
  // Reads every manifest in `root` (a missing root is an empty manifest); this process appends to
  // `file_name`. Lines that do not parse (the tail of a line cut by a crash) are skipped.
  Manifest(fs::path root, std::string file_name);

  // The output is recorded with this hash and the file still matches the record.
  bool done(const std::string& output, const std::string& params_hash) const;
  // The output is recorded at all (with any parameters): a file the batch itself made.
  bool recorded(const std::string& output) const;

  // Describes `file` (written, not yet renamed to root/entry.output) and appends the line.
  void record(ManifestEntry entry, const fs::path& file);

  static std::string file_name_for(int shard_index, int shard_count);
  static std::string hash_file(const fs::path& file, uintmax_t* bytes = nullptr);

 private:
  fs::path root_;
  fs::path path_;
  std::map<std::string, ManifestEntry> entries_;  // output -> its latest record
};

}  // namespace jl::batch
