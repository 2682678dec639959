// safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the tensor
// bytes. The reader memory-maps the file and validates every header field before handing out a view,
// so a crafted file can neither read out of bounds nor make us allocate absurd memory. Torch-free:
// models/checkpoint.h turns these views into tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace jl::st {

namespace fs = std::filesystem;

enum class DType { F32, F16, BF16, I64, I32, U8 };

const char* name_of(DType dtype);               // "F32", ...
DType parse_dtype(const std::string& name);     // throws jl::Error listing the supported names
size_t element_size(DType dtype);

// `text` (a tensor name or key from a file) JSON-escaped and cut to 80 characters, so that error
// messages stay one readable line whatever a crafted file contains.
std::string printable(const std::string& text);

// A tensor inside a mapped file (or inside caller-owned memory when writing).
struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;

  int64_t numel() const;
};

// Limits checked while parsing a header (defaults far above any model this project ships).
struct SafetensorsLimits {
  uint64_t max_header_bytes = 100u << 20;  // 100 MiB of JSON
  size_t max_tensors = 1u << 20;
  size_t max_rank = 8;
};

class SafetensorsFile {
 public:
  // Maps and validates `path`. Every problem is a jl::Error naming the file and the field:
  // truncated header, header length beyond the file, invalid JSON, unknown dtype, negative or
  // overflowing shapes, offsets outside the data area, a size that disagrees with dtype x shape,
  // overlapping tensors, non-string metadata.
  explicit SafetensorsFile(const fs::path& path, const SafetensorsLimits& limits = {});
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  const fs::path& path() const;
  const std::map<std::string, std::string>& metadata() const;
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  const TensorView& at(const std::string& name) const;  // jl::Error naming the missing tensor

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads only the header (no mapping of the data): metadata of a checkpoint for listings.
std::map<std::string, std::string> read_metadata(const fs::path& path, const SafetensorsLimits& limits = {});

// Writes atomically (temp file + rename; refuses to replace an existing file unless `overwrite`).
// Laid out as the reference implementation does: the header is padded with spaces so the data area
// starts at an 8-byte multiple, tensors are packed without gaps, larger elements first and then in
// name order, so each tensor starts at a multiple of its element size. The bytes are deterministic.
void write_safetensors(const fs::path& path, const std::map<std::string, TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata, bool overwrite = false);

}  // namespace jl::st
