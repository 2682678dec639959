#include "models/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/atomic_file.h"
#include "core/error.h"

// The format stores little-endian bytes and the reader hands them out without conversion.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors views assume a little-endian host");

namespace jl::st {

namespace {

using json = nlohmann::json;

constexpr DType kAllDTypes[] = {DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::U8};
constexpr size_t kPrefixBytes = 8;  // the little-endian u64 header length
const char* const kMetadataKey = "__metadata__";

std::string supported_dtypes() {
  std::string out;
  for (DType d : kAllDTypes) out += (out.empty() ? "" : ", ") + std::string(name_of(d));
  return out;
}

bool find_dtype(const std::string& name, DType* out) {
  for (DType d : kAllDTypes) {
    if (name == name_of(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

// numel * element size without overflow; false when the shape is negative or too large for memory.
bool checked_nbytes(const std::vector<int64_t>& shape, DType dtype, uint64_t* nbytes) {
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(numel, d, &numel)) return false;
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(element_size(dtype)), &bytes)) return false;
  *nbytes = static_cast<uint64_t>(bytes);
  return true;
}

// --- files -------------------------------------------------------------------------------------------

std::string errno_text() { return std::strerror(errno); }

class FileDescriptor {
 public:
  FileDescriptor(const fs::path& path, int flags, mode_t mode = 0) : fd_(::open(path.c_str(), flags, mode)) {
    if (fd_ < 0) throw Error(path.string() + ": cannot open: " + errno_text());
  }
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Writers close explicitly: a failing close() can be the first report of a failed write.
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

void read_exact(int fd, const fs::path& path, void* out, size_t size, uint64_t offset) {
  auto* dst = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd, dst, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path.string() + ": cannot read: " + errno_text());
    if (n == 0) throw Error(path.string() + ": file shrank while being read");
    dst += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

void write_all(int fd, const fs::path& path, const void* data, size_t size) {
  const auto* src = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, src, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path.string() + ": cannot write: " + errno_text());
    src += n;
    size -= static_cast<size_t>(n);
  }
}

uint64_t regular_file_size(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(path.string() + ": cannot stat: " + errno_text());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + ": not a regular file");
  return static_cast<uint64_t>(st.st_size);
}

// Checks the 8-byte prefix of a file of `file_size` bytes and returns the header length, which is
// then known to lie inside the file and under the limit: nothing is allocated before this check.
uint64_t checked_header_length(const fs::path& path, const unsigned char* prefix, uint64_t file_size,
                               const SafetensorsLimits& limits) {
  uint64_t n = 0;
  for (size_t i = 0; i < kPrefixBytes; ++i) n |= uint64_t(prefix[i]) << (8 * i);
  if (n > file_size - kPrefixBytes)
    throw Error(path.string() + ": header length " + std::to_string(n) + " bytes exceeds the file (" +
                std::to_string(file_size) + " bytes): truncated or not a safetensors file");
  if (n > limits.max_header_bytes)
    throw Error(path.string() + ": header length " + std::to_string(n) + " bytes is over the limit of " +
                std::to_string(limits.max_header_bytes) + " bytes");
  return n;
}

void check_prefix_fits(const fs::path& path, uint64_t file_size) {
  if (file_size < kPrefixBytes)
    throw Error(path.string() + ": file is " + std::to_string(file_size) +
                " bytes, shorter than the 8-byte safetensors header length: not a safetensors file");
}

// Read-only mapping of a whole file, unmapped on destruction. Shrinking a mapped file would fault the
// reader (SIGBUS); our writers never rewrite in place, they rename a new file over the old one, and a
// mapping keeps the old contents alive.
class Mapping {
 public:
  Mapping() = default;
  Mapping(int fd, const fs::path& path, uint64_t size) : size_(size) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) throw Error(path.string() + ": cannot map into memory: " + errno_text());
    data_ = static_cast<const unsigned char*>(p);
  }
  ~Mapping() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
  }
  Mapping(Mapping&& other) noexcept { *this = std::move(other); }
  Mapping& operator=(Mapping&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  const unsigned char* data() const { return data_; }

 private:
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// --- header ------------------------------------------------------------------------------------------

struct HeaderEntry {
  std::string name;
  TensorView view;  // data still null: the caller knows where the data area is
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct Header {
  std::map<std::string, std::string> metadata;
  std::vector<HeaderEntry> entries;
};

// Parses and validates one header. The JSON parse itself is guarded by a callback that rejects the
// wrong structure as soon as it appears (nesting, huge arrays, stray fields, too many entries), so a
// crafted header cannot make the parser build a document many times larger than the file.
class HeaderParser {
 public:
  HeaderParser(const fs::path& path, uint64_t data_size, const SafetensorsLimits& limits)
      : where_(path.string()), data_size_(data_size), limits_(limits) {}

  Header parse(const char* text, size_t size) {
    json doc;
    try {
      doc = json::parse(text, text + size, [this](int depth, json::parse_event_t event, json& value) {
        on_event(depth, event, value);
        return true;
      });
    } catch (const json::parse_error& e) {
      // The parser counts one past the end for a header cut short.
      fail("header is not valid JSON (error at byte " + std::to_string(std::min<size_t>(e.byte, size)) + " of " +
           std::to_string(size) + ")");
    } catch (const json::exception&) {  // e.g. a number like 1e999 that overflows a double
      fail("header is not valid JSON (a number is out of range)");
    }
    if (!doc.is_object()) fail("header is not a JSON object");

    Header header;
    for (auto& [name, value] : doc.items()) {
      if (name == kMetadataKey)
        header.metadata = parse_metadata(value);
      else
        header.entries.push_back(parse_entry(name, value));
    }
    check_no_overlap(header.entries);
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(where_ + ": " + what); }
  [[noreturn]] void fail_tensor(const std::string& name, const std::string& what) const {
    fail("tensor '" + printable(name) + "': " + what);
  }
  [[noreturn]] void fail_field(const std::string& name, const std::string& field) const {
    if (field == "dtype") fail_tensor(name, "dtype must be a string, one of " + supported_dtypes());
    if (field == "shape")
      fail_tensor(name, "shape must be an array of at most " + std::to_string(limits_.max_rank) +
                            " non-negative integers");
    fail_tensor(name, "data_offsets must be [begin, end], two non-negative integers");
  }
  [[noreturn]] void fail_metadata_value(const std::string& key) const {
    fail(std::string(kMetadataKey) + ": value of '" + printable(key) + "' is not a string");
  }

  void on_event(int depth, json::parse_event_t event, const json& value) {
    using E = json::parse_event_t;
    const bool container = event == E::object_start || event == E::array_start;
    const bool in_metadata = current_ == kMetadataKey;
    if (depth == 0 && event == E::array_start) fail("header is not a JSON object");
    if (depth == 1 && event == E::key) {
      current_ = value.get<std::string>();
      if (current_ != kMetadataKey && ++tensor_count_ > limits_.max_tensors)
        fail("header lists more than " + std::to_string(limits_.max_tensors) + " tensors");
    } else if (depth == 1 && event == E::array_start) {
      if (in_metadata) fail(std::string(kMetadataKey) + " must be an object of strings");
      fail_tensor(current_, "entry must be an object with dtype, shape and data_offsets");
    } else if (depth == 2 && event == E::key) {
      field_ = value.get<std::string>();
      if (in_metadata) {
        // Bounded like the tensors: each entry costs far more memory than its bytes in the file.
        if (++metadata_count_ > limits_.max_tensors)
          fail(std::string(kMetadataKey) + " has more than " + std::to_string(limits_.max_tensors) + " entries");
      } else if (field_ != "dtype" && field_ != "shape" && field_ != "data_offsets") {
        fail_tensor(current_, "unexpected field '" + printable(field_) +
                                  "' (an entry has only dtype, shape and data_offsets)");
      }
    } else if (depth == 2 && container) {
      if (in_metadata) fail_metadata_value(field_);
      if (event == E::object_start || field_ == "dtype") fail_field(current_, field_);
      array_length_ = 0;
    } else if (depth >= 3 && container) {
      fail_field(current_, field_);
    } else if (depth == 3 && event == E::value) {
      const size_t cap = field_ == "shape" ? limits_.max_rank : 2;
      if (++array_length_ > cap) {
        if (field_ == "shape")
          fail_tensor(current_, "shape has more than " + std::to_string(cap) + " dimensions (the limit)");
        fail_field(current_, field_);
      }
    }
  }

  std::map<std::string, std::string> parse_metadata(const json& value) const {
    if (!value.is_object()) fail(std::string(kMetadataKey) + " must be an object of strings");
    std::map<std::string, std::string> out;
    for (auto& [key, v] : value.items()) {
      if (!v.is_string()) fail_metadata_value(key);
      out.emplace(key, v.get<std::string>());
    }
    return out;
  }

  // A non-negative integer that fits in int64 (the JSON parser yields unsigned for those).
  static bool as_index(const json& v, uint64_t* out) {
    if (!v.is_number_unsigned()) return false;
    *out = v.get<uint64_t>();
    return *out <= uint64_t(std::numeric_limits<int64_t>::max());
  }

  HeaderEntry parse_entry(const std::string& name, const json& value) const {
    if (!value.is_object()) fail_tensor(name, "entry must be an object with dtype, shape and data_offsets");
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!value.contains(field)) fail_tensor(name, std::string("missing field '") + field + "'");

    HeaderEntry entry;
    entry.name = name;
    const json& dtype = value.at("dtype");
    if (!dtype.is_string()) fail_field(name, "dtype");
    if (!find_dtype(dtype.get<std::string>(), &entry.view.dtype))
      fail_tensor(name, "unknown dtype '" + printable(dtype.get<std::string>()) + "' (supported: " +
                            supported_dtypes() + ")");

    const json& shape = value.at("shape");
    if (!shape.is_array()) fail_field(name, "shape");
    for (const json& d : shape) {
      if (d.is_number_integer() && !d.is_number_unsigned())
        fail_tensor(name, "negative dimension " + d.dump() + " in shape " + shape.dump());
      uint64_t dim = 0;
      if (!d.is_number_unsigned()) fail_field(name, "shape");
      if (!as_index(d, &dim)) fail_tensor(name, "shape " + shape.dump() + " overflows 64-bit sizes");
      entry.view.shape.push_back(static_cast<int64_t>(dim));
    }
    uint64_t nbytes = 0;
    if (!checked_nbytes(entry.view.shape, entry.view.dtype, &nbytes))
      fail_tensor(name, "shape " + shape.dump() + " overflows 64-bit sizes");

    const json& offsets = value.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !as_index(offsets[0], &entry.begin) ||
        !as_index(offsets[1], &entry.end))
      fail_field(name, "data_offsets");
    const std::string range = "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
    if (entry.begin > entry.end) fail_tensor(name, range + " end before they begin");
    if (entry.end > data_size_)
      fail_tensor(name, range + " reach beyond the end of the data area (" + std::to_string(data_size_) +
                            " bytes): the file is truncated or corrupt");
    if (entry.end - entry.begin != nbytes)
      fail_tensor(name, range + " hold " + std::to_string(entry.end - entry.begin) + " bytes but " +
                            name_of(entry.view.dtype) + " " + shape.dump() + " needs " + std::to_string(nbytes));
    entry.view.nbytes = static_cast<size_t>(nbytes);
    return entry;
  }

  void check_no_overlap(const std::vector<HeaderEntry>& entries) const {
    std::vector<const HeaderEntry*> by_begin;
    for (const HeaderEntry& e : entries)
      if (e.end > e.begin) by_begin.push_back(&e);  // empty tensors occupy no bytes
    std::sort(by_begin.begin(), by_begin.end(),
              [](const HeaderEntry* a, const HeaderEntry* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < by_begin.size(); ++i) {
      const HeaderEntry& prev = *by_begin[i - 1];
      const HeaderEntry& cur = *by_begin[i];
      if (cur.begin < prev.end)
        fail_tensor(cur.name, "bytes [" + std::to_string(cur.begin) + ", " + std::to_string(cur.end) +
                                  ") overlap tensor '" + printable(prev.name) + "' at [" +
                                  std::to_string(prev.begin) + ", " + std::to_string(prev.end) + ")");
    }
  }

  std::string where_;
  uint64_t data_size_;
  SafetensorsLimits limits_;
  std::string current_;  // the top-level key being parsed
  std::string field_;    // the key being parsed inside it
  size_t tensor_count_ = 0;
  size_t metadata_count_ = 0;
  size_t array_length_ = 0;
};

}  // namespace

// --- dtypes and views --------------------------------------------------------------------------------

const char* name_of(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::U8: return "U8";
  }
  return "?";
}

DType parse_dtype(const std::string& name) {
  DType d{};
  if (!find_dtype(name, &d))
    throw Error("unknown dtype '" + printable(name) + "' (supported: " + supported_dtypes() + ")");
  return d;
}

size_t element_size(DType dtype) {
  switch (dtype) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::I64: return 8;
    case DType::I32: return 4;
    case DType::U8: return 1;
  }
  return 1;
}

std::string printable(const std::string& text) {
  constexpr size_t kMax = 80;
  const bool cut = text.size() > kMax;
  std::string escaped =
      nlohmann::json(cut ? text.substr(0, kMax) : text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  escaped = escaped.substr(1, escaped.size() - 2);  // drop the JSON quotes
  return cut ? escaped + "..." : escaped;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// --- reader ------------------------------------------------------------------------------------------

struct SafetensorsFile::Impl {
  fs::path path;
  Mapping mapping;
  std::map<std::string, std::string> metadata;
  std::map<std::string, TensorView> tensors;
};

SafetensorsFile::SafetensorsFile(const fs::path& path, const SafetensorsLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  FileDescriptor fd(path, O_RDONLY | O_CLOEXEC);
  const uint64_t file_size = regular_file_size(fd.get(), path);
  check_prefix_fits(path, file_size);
  impl_->mapping = Mapping(fd.get(), path, file_size);
  const unsigned char* base = impl_->mapping.data();

  const uint64_t header_bytes = checked_header_length(path, base, file_size, limits);
  const unsigned char* data_area = base + kPrefixBytes + header_bytes;
  HeaderParser parser(path, file_size - kPrefixBytes - header_bytes, limits);
  Header header = parser.parse(reinterpret_cast<const char*>(base + kPrefixBytes), header_bytes);

  impl_->metadata = std::move(header.metadata);
  for (HeaderEntry& e : header.entries) {
    e.view.data = data_area + e.begin;
    impl_->tensors.emplace(std::move(e.name), std::move(e.view));
  }
}

SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

const fs::path& SafetensorsFile::path() const { return impl_->path; }

const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return impl_->metadata; }

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(impl_->tensors.size());
  for (const auto& [name, view] : impl_->tensors) out.push_back(name);
  return out;
}

bool SafetensorsFile::contains(const std::string& name) const { return impl_->tensors.count(name) > 0; }

const TensorView& SafetensorsFile::at(const std::string& name) const {
  auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end())
    throw Error(impl_->path.string() + ": no tensor '" + printable(name) + "' in this file (it has " +
                std::to_string(impl_->tensors.size()) + " tensors)");
  return it->second;
}

std::map<std::string, std::string> read_metadata(const fs::path& path, const SafetensorsLimits& limits) {
  FileDescriptor fd(path, O_RDONLY | O_CLOEXEC);
  const uint64_t file_size = regular_file_size(fd.get(), path);
  check_prefix_fits(path, file_size);
  unsigned char prefix[kPrefixBytes];
  read_exact(fd.get(), path, prefix, kPrefixBytes, 0);
  const uint64_t header_bytes = checked_header_length(path, prefix, file_size, limits);
  std::string text(header_bytes, '\0');
  read_exact(fd.get(), path, text.data(), text.size(), kPrefixBytes);
  // The entries are validated too: a listing should not present a file that cannot be loaded.
  HeaderParser parser(path, file_size - kPrefixBytes - header_bytes, limits);
  return parser.parse(text.data(), text.size()).metadata;
}

// --- writer ------------------------------------------------------------------------------------------

void write_safetensors(const fs::path& path, const std::map<std::string, TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata, bool overwrite) {
  const std::string where = path.string();
  for (const auto& [name, view] : tensors) {
    const std::string prefix = where + ": tensor '" + printable(name) + "': ";
    if (name == kMetadataKey) throw Error(prefix + "this name is reserved for the file's metadata");
    uint64_t nbytes = 0;
    if (!checked_nbytes(view.shape, view.dtype, &nbytes))
      throw Error(prefix + "shape " + shape_string(view.shape) + " is negative or too large");
    if (nbytes != view.nbytes)
      throw Error(prefix + "holds " + std::to_string(view.nbytes) + " bytes but " + name_of(view.dtype) + " " +
                  shape_string(view.shape) + " needs " + std::to_string(nbytes));
    if (nbytes > 0 && !view.data) throw Error(prefix + "has no data");
  }

  // Layout as the reference implementation does it: larger elements first, then by name, packed
  // without gaps. With an 8-byte aligned data area every tensor then starts at a multiple of its
  // element size (natural alignment, so mapped views are safely typed), and readers that require
  // contiguous offsets (huggingface/safetensors does) accept the file.
  std::vector<std::pair<const std::string*, const TensorView*>> order;
  for (const auto& [name, view] : tensors) order.emplace_back(&name, &view);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return element_size(a.second->dtype) > element_size(b.second->dtype);
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, view] : order) {
    header[*name] = {{"dtype", name_of(view->dtype)},
                     {"shape", view->shape},
                     {"data_offsets", {offset, offset + view->nbytes}}};
    offset += view->nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error&) {
    throw Error(where + ": a tensor name or metadata entry is not valid UTF-8");
  }
  // Pad with spaces (valid JSON whitespace) so that the data area starts on an 8-byte boundary.
  text.append((8 - text.size() % 8) % 8, ' ');

  unsigned char prefix[kPrefixBytes];
  for (size_t i = 0; i < kPrefixBytes; ++i) prefix[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));

  AtomicFile out(path, overwrite);
  {
    FileDescriptor fd(out.temp_path(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    write_all(fd.get(), path, prefix, sizeof prefix);
    write_all(fd.get(), path, text.data(), text.size());
    for (const auto& [name, view] : order) write_all(fd.get(), path, view->data, view->nbytes);
    // Flushed before the rename, so a crash cannot leave a renamed but empty checkpoint.
    if (::fsync(fd.get()) != 0) throw Error(where + ": cannot write: " + errno_text());
    if (fd.release_and_close() != 0) throw Error(where + ": cannot write: " + errno_text());
  }
  out.commit();
}

}  // namespace jl::st
