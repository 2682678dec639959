#include <zlib.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/png_text.h"
#include "test_util.h"

using namespace jl::media;
using Catch::Matchers::Contains;

namespace {

// Appends a chunk of `type` with `payload` after IHDR, the way another program would have written it.
std::vector<unsigned char> insert_chunk(std::vector<unsigned char> png, const std::string& type, const std::string& payload) {
  std::vector<unsigned char> chunk;
  const uint32_t n = payload.size();
  for (int s = 24; s >= 0; s -= 8) chunk.push_back((n >> s) & 0xff);
  chunk.insert(chunk.end(), type.begin(), type.end());
  chunk.insert(chunk.end(), payload.begin(), payload.end());
  const uint32_t crc = crc32(0, chunk.data() + 4, chunk.size() - 4);
  for (int s = 24; s >= 0; s -= 8) chunk.push_back((crc >> s) & 0xff);
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());
  return png;
}

std::string deflate(const std::string& text) {
  uLongf size = compressBound(text.size());
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()), text.size());
  out.resize(size);
  return out;
}

}  // namespace

TEST_CASE("text chunks written by other programs are read: tEXt Latin-1, zTXt, iTXt compressed", "[media]") {
  const auto png = encode_image({jl::test::test_pattern(16, 16), {}}, ".png");
  auto with = insert_chunk(png, "tEXt", std::string("Author") + '\0' + "Jos\xe9");  // Latin-1 e-acute
  with = insert_chunk(with, "zTXt", std::string("parameters") + '\0' + '\0' + deflate("Steps: 30, Seed: 7"));
  with = insert_chunk(with, "iTXt", std::string("Title") + '\0' + '\1' + '\0' + "en" + '\0' + '\0' + deflate("接龙"));
  const auto text = read_png_text(with, "test.png");
  CHECK(text.at("Author") == "Jos\xc3\xa9");
  CHECK(text.at("parameters") == "Steps: 30, Seed: 7");
  CHECK(text.at("Title") == "接龙");
  // And the image with the extra chunks still decodes to the same pixels.
  CHECK(jl::test::psnr(decode_image(with, "test.png").pixels, decode_image(png, "test.png").pixels) >= 100);
}

TEST_CASE("malformed PNG chunk structure is reported, not read past", "[media]") {
  const auto png = encode_image({jl::test::test_pattern(16, 16), {}}, ".png");
  auto bad = png;
  bad[33] = 0x7f;  // first chunk after IHDR claims ~2 GB
  REQUIRE_THROWS_WITH(read_png_text(bad, "bad.png"), Contains("bad.png") && Contains("truncated"));
  const auto bomb = insert_chunk(png, "zTXt", std::string("k") + '\0' + '\0' + "not zlib data");
  REQUIRE_THROWS_WITH(read_png_text(bomb, "z.png"), Contains("corrupt compressed"));
  REQUIRE_THROWS_WITH(add_png_text(png, {{"", "v"}}), Contains("1 to 79"));
  REQUIRE_THROWS_WITH(add_png_text(png, {{"bad\nkey", "v"}}), Contains("printable"));
}
