// safetensors reader and writer: bit-exact round trips, deterministic bytes, atomic writes, and a
// crafted header for every validation rule (each must fail with a message naming the problem).
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "models/safetensors.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace jl;
using jl::test::TempDir;

namespace {

template <typename T>
std::vector<unsigned char> bytes_of(const std::vector<T>& values) {
  std::vector<unsigned char> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A file with an explicit header-length prefix, header text and data bytes, for crafted inputs.
void write_raw(const fs::path& path, uint64_t header_length, const std::string& header,
               const std::string& data = "") {
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>(header_length >> (8 * i));
  jl::test::write_text_file(path, file + header + data);
}

void write_raw(const fs::path& path, const std::string& header, const std::string& data = "") {
  write_raw(path, header.size(), header, data);
}

struct Stored {
  st::DType dtype;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;
};

st::TensorView view_of(const Stored& s) {
  st::TensorView v;
  v.dtype = s.dtype;
  v.shape = s.shape;
  v.data = s.bytes.data();
  v.nbytes = s.bytes.size();
  return v;
}

// One tensor of every dtype, with bit patterns a lossy path would change: NaN payloads, -0, denormals,
// integer extremes; plus a scalar and zero-size tensors.
std::map<std::string, Stored> every_dtype() {
  std::map<std::string, Stored> t;
  const uint32_t f32_bits[] = {0x7FC00001u, 0x80000000u, 0x00000001u, 0x3F800000u, 0xFF800000u, 0x12345678u};
  t["f32"] = {st::DType::F32, {2, 3}, bytes_of(std::vector<uint32_t>(std::begin(f32_bits), std::end(f32_bits)))};
  t["f16"] = {st::DType::F16, {3}, bytes_of(std::vector<uint16_t>{0x3C00, 0x8001, 0x7E01})};
  t["bf16"] = {st::DType::BF16, {1, 3}, bytes_of(std::vector<uint16_t>{0x3F80, 0xFF81, 0x0001})};
  t["i64"] = {st::DType::I64, {2}, bytes_of(std::vector<int64_t>{INT64_MIN, INT64_MAX})};
  t["i32"] = {st::DType::I32, {3, 1}, bytes_of(std::vector<int32_t>{INT32_MIN, -1, INT32_MAX})};
  std::vector<uint8_t> all_bytes(256);
  for (int i = 0; i < 256; ++i) all_bytes[i] = static_cast<uint8_t>(255 - i);
  t["u8"] = {st::DType::U8, {16, 16}, bytes_of(all_bytes)};
  t["u8_odd"] = {st::DType::U8, {5}, bytes_of(std::vector<uint8_t>{1, 2, 3, 4, 5})};  // misaligns what follows
  t["scalar"] = {st::DType::F32, {}, bytes_of(std::vector<float>{2.5f})};
  t["empty_i64"] = {st::DType::I64, {0, 3}, {}};
  t["empty_u8"] = {st::DType::U8, {2, 0}, {}};
  return t;
}

std::map<std::string, st::TensorView> views_of(const std::map<std::string, Stored>& tensors) {
  std::map<std::string, st::TensorView> out;
  for (const auto& [name, s] : tensors) out.emplace(name, view_of(s));
  return out;
}

const std::map<std::string, std::string> kMetadata = {
    {"model", "vq"}, {"config", "{\"dim\":4}"}, {"empty", ""}, {"unicode", "接龙 \"quoted\"\nline"}};

uint64_t header_length_of(const fs::path& path) {
  const std::string file = jl::test::read_text_file(path);
  REQUIRE(file.size() >= 8);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<unsigned char>(file[i])) << (8 * i);
  return n;
}

}  // namespace

TEST_CASE("safetensors round-trips every dtype bit-exactly with metadata", "[models]") {
  TempDir dir;
  const auto tensors = every_dtype();
  const fs::path path = dir / "all.safetensors";
  st::write_safetensors(path, views_of(tensors), kMetadata);

  st::SafetensorsFile file(path);
  CHECK(file.path() == path);
  CHECK(file.metadata() == kMetadata);
  std::vector<std::string> expected_names;
  for (const auto& [name, s] : tensors) expected_names.push_back(name);
  CHECK(file.names() == expected_names);

  for (const auto& [name, s] : tensors) {
    INFO("tensor " << name);
    REQUIRE(file.contains(name));
    const st::TensorView& v = file.at(name);
    CHECK(v.dtype == s.dtype);
    CHECK(v.shape == s.shape);
    REQUIRE(v.nbytes == s.bytes.size());
    CHECK(v.numel() * int64_t(st::element_size(v.dtype)) == int64_t(v.nbytes));
    if (v.nbytes > 0) CHECK(std::memcmp(v.data, s.bytes.data(), v.nbytes) == 0);
    // Natural alignment of every start, so typed views of the mapping are safe.
    CHECK(reinterpret_cast<uintptr_t>(v.data) % st::element_size(v.dtype) == 0);
  }
  CHECK(file.at("scalar").numel() == 1);
  CHECK(file.at("empty_i64").numel() == 0);

  CHECK(header_length_of(path) % 8 == 0);
  CHECK(st::read_metadata(path) == kMetadata);
}

TEST_CASE("safetensors files are packed without gaps, as the reference reader requires", "[models]") {
  TempDir dir;
  const fs::path path = dir / "packed.safetensors";
  st::write_safetensors(path, views_of(every_dtype()), {});
  st::SafetensorsFile file(path);
  const auto* data_start = reinterpret_cast<const unsigned char*>(file.at("i64").data);  // the only 8-byte dtype
  size_t total = 0;
  std::vector<std::pair<const unsigned char*, size_t>> ranges;
  for (const std::string& name : file.names()) {
    const st::TensorView& v = file.at(name);
    total += v.nbytes;
    if (v.nbytes > 0) ranges.emplace_back(static_cast<const unsigned char*>(v.data), v.nbytes);
  }
  std::sort(ranges.begin(), ranges.end());
  REQUIRE(!ranges.empty());
  CHECK(ranges.front().first == data_start);
  for (size_t i = 1; i < ranges.size(); ++i) CHECK(ranges[i].first == ranges[i - 1].first + ranges[i - 1].second);
  CHECK(fs::file_size(path) == 8 + header_length_of(path) + total);
  // No metadata given: no "__metadata__" entry at all.
  CHECK(jl::test::read_text_file(path).find("__metadata__") == std::string::npos);
  CHECK(file.metadata().empty());
}

TEST_CASE("safetensors writes identical bytes for identical input", "[models]") {
  TempDir dir;
  const auto tensors = every_dtype();
  st::write_safetensors(dir / "a.safetensors", views_of(tensors), kMetadata);
  st::write_safetensors(dir / "b.safetensors", views_of(tensors), kMetadata);
  const std::string a = jl::test::read_text_file(dir / "a.safetensors");
  CHECK(a.size() > 300);
  CHECK(a == jl::test::read_text_file(dir / "b.safetensors"));
}

TEST_CASE("safetensors writer refuses to overwrite and rejects inconsistent views", "[models]") {
  TempDir dir;
  const fs::path path = dir / "w.safetensors";
  const Stored one{st::DType::F32, {1}, bytes_of(std::vector<float>{1.0f})};
  const Stored two{st::DType::F32, {1}, bytes_of(std::vector<float>{2.0f})};
  st::write_safetensors(path, {{"w", view_of(one)}}, {});
  const std::string before = jl::test::read_text_file(path);

  REQUIRE_THROWS_WITH(st::write_safetensors(path, {{"w", view_of(two)}}, {}), Catch::Contains("already exists"));
  CHECK(jl::test::read_text_file(path) == before);
  st::write_safetensors(path, {{"w", view_of(two)}}, {}, /*overwrite=*/true);
  CHECK(std::memcmp(st::SafetensorsFile(path).at("w").data, two.bytes.data(), 4) == 0);

  st::TensorView wrong = view_of(one);
  wrong.shape = {2};
  REQUIRE_THROWS_WITH(st::write_safetensors(dir / "x.safetensors", {{"w", wrong}}, {}),
                      Catch::Contains("tensor 'w'") && Catch::Contains("needs 8"));
  REQUIRE_THROWS_WITH(st::write_safetensors(dir / "x.safetensors", {{"__metadata__", view_of(one)}}, {}),
                      Catch::Contains("reserved"));
  CHECK(!fs::exists(dir / "x.safetensors"));
}

TEST_CASE("a safetensors write that fails midway leaves neither a file nor a temporary", "[models]") {
  TempDir dir;
  const fs::path path = dir / "big.safetensors";
  const Stored old_data{st::DType::U8, {4}, bytes_of(std::vector<uint8_t>{9, 9, 9, 9})};
  st::write_safetensors(path, {{"w", view_of(old_data)}}, {});
  const std::string before = jl::test::read_text_file(path);

  // A file-size limit makes write() fail with EFBIG after the temporary file exists.
  const Stored big{st::DType::U8, {4096}, std::vector<unsigned char>(4096, 7)};
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string message;
  try {
    st::write_safetensors(path, {{"w", view_of(big)}}, {}, /*overwrite=*/true);
  } catch (const jl::Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  CHECK_THAT(message, Catch::Contains("cannot write") && Catch::Contains(path.string()));
  CHECK(jl::test::read_text_file(path) == before);
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    INFO("left behind: " << entry.path());
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("safetensors reader rejects crafted headers with a message naming the problem", "[models]") {
  TempDir dir;
  const fs::path path = dir / "bad.safetensors";
  const std::string f32_4 = R"("dtype":"F32","shape":[4],"data_offsets":[0,16])";
  const std::string data16(16, '\0');

  struct Case {
    const char* what;
    std::string header;
    std::string data;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"invalid JSON", R"({"w":{)", "", "not valid JSON"},
      {"number out of range", R"({"__metadata__":{"a":"b"},"x":1e999})", "", "not valid JSON"},
      {"not an object", R"([1,2,3])", "", "not a JSON object"},
      {"a number", R"(42)", "", "not a JSON object"},
      {"entry not an object", R"({"w":[0,1]})", "", "tensor 'w': entry must be an object"},
      {"entry a number", R"({"w":7})", "", "tensor 'w': entry must be an object"},
      {"dtype F64", R"({"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", data16,
       "tensor 'w': unknown dtype 'F64' (supported: F32, F16, BF16, I64, I32, U8)"},
      {"dtype Q4", R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}})", data16, "unknown dtype 'Q4'"},
      {"dtype not a string", R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", data16,
       "tensor 'w': dtype must be a string"},
      {"missing shape", R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", data16, "tensor 'w': missing field 'shape'"},
      {"unexpected field", R"({"w":{)" + f32_4 + R"(,"extra":1}})", data16, "unexpected field 'extra'"},
      {"negative shape", R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", data16,
       "tensor 'w': negative dimension -2"},
      {"fractional shape", R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}})", data16,
       "shape must be an array"},
      {"nested shape", R"({"w":{"dtype":"F32","shape":[[4]],"data_offsets":[0,16]}})", data16,
       "shape must be an array"},
      {"shape product overflows int64", R"({"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]}})",
       data16, "tensor 'w': shape [4294967296,4294967296] overflows"},
      {"byte size overflows int64", R"({"w":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,1]}})",
       data16, "overflows"},
      {"dimension beyond int64", R"({"w":{"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,1]}})",
       data16, "overflows"},
      {"rank over the limit", R"({"w":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})", data16,
       "more than 8 dimensions"},
      {"offsets beyond the end", R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", data16,
       "tensor 'w': data_offsets [0, 32] reach beyond the end of the data area (16 bytes)"},
      {"offsets far beyond the end", R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551614,18446744073709551615]}})",
       data16, "data_offsets must be"},
      {"offsets reversed", R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}})", data16, "end before they begin"},
      {"offsets of three", R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0,0]}})", data16, "data_offsets must be"},
      {"offsets of one", R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[0]}})", data16, "data_offsets must be"},
      {"nbytes mismatch", R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", std::string(32, '\0'),
       "tensor 'w': data_offsets [0, 16] hold 16 bytes but F32 [2,3] needs 24"},
      {"overlapping tensors",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       data16, "tensor 'b': bytes [4, 12) overlap tensor 'a' at [0, 8)"},
      {"metadata value not a string", R"({"__metadata__":{"step":5}})", "", "__metadata__: value of 'step' is not a string"},
      {"metadata value an object", R"({"__metadata__":{"cfg":{"a":"b"}}})", "", "value of 'cfg' is not a string"},
      {"metadata not an object", R"({"__metadata__":"x"})", "", "__metadata__ must be an object"},
      {"control characters in a name", "{\"a\\nb\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", data16,
       "tensor 'a\\nb'"},
      {"deep nesting", R"({"w":{"dtype":"F32","shape":)" + std::string(10000, '[') + std::string(10000, ']') + "}}", "",
       "shape must be an array"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.what) {
      write_raw(path, c.header, c.data);
      REQUIRE_THROWS_WITH(st::SafetensorsFile(path), Catch::Contains(c.expected) && Catch::Contains(path.string()));
      // The header-only reader applies the same rules.
      REQUIRE_THROWS_WITH(st::read_metadata(path), Catch::Contains(c.expected));
    }
  }
}

TEST_CASE("safetensors reader rejects truncated files and impossible header lengths", "[models]") {
  TempDir dir;
  const fs::path path = dir / "bad.safetensors";
  auto both_fail_with = [&](const std::string& expected, const st::SafetensorsLimits& limits = {}) {
    REQUIRE_THROWS_WITH(st::SafetensorsFile(path, limits), Catch::Contains(expected) && Catch::Contains(path.string()));
    REQUIRE_THROWS_WITH(st::read_metadata(path, limits), Catch::Contains(expected));
  };

  SECTION("empty file") {
    jl::test::write_text_file(path, "");
    both_fail_with("file is 0 bytes, shorter than the 8-byte");
  }
  SECTION("3-byte file") {
    jl::test::write_text_file(path, "abc");
    both_fail_with("file is 3 bytes, shorter than the 8-byte");
  }
  SECTION("header length larger than the file") {
    write_raw(path, 1000, "{}");
    both_fail_with("header length 1000 bytes exceeds the file (10 bytes)");
  }
  SECTION("header length 2^60") {
    write_raw(path, uint64_t(1) << 60, "{}");
    both_fail_with("header length 1152921504606846976 bytes exceeds the file");
  }
  SECTION("header length over the limit") {
    write_raw(path, "{}      ");
    st::SafetensorsLimits limits;
    limits.max_header_bytes = 4;
    both_fail_with("header length 8 bytes is over the limit of 4 bytes", limits);
  }
  SECTION("too many tensors") {
    write_raw(path, R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})");
    st::SafetensorsLimits limits;
    limits.max_tensors = 1;
    both_fail_with("more than 1 tensors", limits);
  }
  SECTION("a folder") {
    REQUIRE_THROWS_WITH(st::SafetensorsFile(dir.path()), Catch::Contains("not a regular file"));
  }
  SECTION("a missing file") {
    REQUIRE_THROWS_WITH(st::SafetensorsFile(dir / "nope.safetensors"), Catch::Contains("cannot open"));
  }
}

TEST_CASE("safetensors reader accepts minimal valid files and names a missing tensor", "[models]") {
  TempDir dir;
  const fs::path path = dir / "min.safetensors";

  SECTION("no tensors, no metadata") {
    write_raw(path, "{}");
    st::SafetensorsFile file(path);
    CHECK(file.names().empty());
    CHECK(file.metadata().empty());
  }
  SECTION("empty tensors may share an offset, gaps are allowed") {
    write_raw(path,
              R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
              R"("w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
              "\x01\x02\x03\x04");
    st::SafetensorsFile file(path);
    CHECK(file.at("e").nbytes == 0);
    CHECK(std::memcmp(file.at("w").data, "\x03\x04", 2) == 0);
  }
  SECTION("unaligned offsets are readable") {
    write_raw(path, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}})", std::string("\0\0\0\x80\x3F", 5));
    st::SafetensorsFile file(path);
    float value = 0;
    std::memcpy(&value, file.at("w").data, sizeof value);
    CHECK(value == 1.0f);
  }
  SECTION("missing tensor") {
    write_raw(path, R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x");
    st::SafetensorsFile file(path);
    CHECK_FALSE(file.contains("v"));
    REQUIRE_THROWS_WITH(file.at("v"), Catch::Contains("no tensor 'v'") && Catch::Contains(path.string()));
  }
}

TEST_CASE("safetensors dtype names", "[models]") {
  for (st::DType d : {st::DType::F32, st::DType::F16, st::DType::BF16, st::DType::I64, st::DType::I32, st::DType::U8})
    CHECK(st::parse_dtype(st::name_of(d)) == d);
  CHECK(st::element_size(st::DType::BF16) == 2);
  CHECK(st::element_size(st::DType::I64) == 8);
  REQUIRE_THROWS_WITH(st::parse_dtype("F64"), Catch::Contains("F32, F16, BF16, I64, I32, U8"));
}
