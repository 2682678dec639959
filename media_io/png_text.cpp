#include "media_io/png_text.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace jl::media {
namespace {

const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr size_t kMaxInflatedText = 16u << 20;  // a text chunk that inflates past this is refused

uint32_t read_be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

void append_be32(std::vector<unsigned char>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back((v >> shift) & 0xff);
}

std::string latin1_to_utf8(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x80) {
      out += char(c);
    } else {
      out += char(0xc0 | (c >> 6));
      out += char(0x80 | (c & 0x3f));
    }
  }
  return out;
}

std::string inflate_text(const unsigned char* data, size_t size, const std::string& what) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw Error(what + ": cannot start zlib");
  zs.next_in = const_cast<unsigned char*>(data);
  zs.avail_in = static_cast<uInt>(size);
  std::string out;
  unsigned char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(what + ": corrupt compressed PNG text chunk");
    }
    out.append(reinterpret_cast<char*>(buf), sizeof buf - zs.avail_out);
    if (out.size() > kMaxInflatedText) {
      inflateEnd(&zs);
      throw Error(what + ": PNG text chunk inflates past 16 MiB; refusing it");
    }
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(what + ": truncated compressed PNG text chunk");
    }
  }
  inflateEnd(&zs);
  return out;
}

// Parses one text chunk's payload; returns false for chunks we do not understand (e.g. an unknown
// compression method), which are skipped rather than failing the whole image.
bool parse_text_chunk(const std::string& type, const unsigned char* p, size_t n, const std::string& what,
                      std::string& key, std::string& value) {
  const unsigned char* nul = static_cast<const unsigned char*>(std::memchr(p, 0, n));
  if (!nul) return false;
  key.assign(reinterpret_cast<const char*>(p), nul - p);
  const unsigned char* rest = nul + 1;
  const size_t rest_n = n - (rest - p);
  if (type == "tEXt") {
    value = latin1_to_utf8(std::string(reinterpret_cast<const char*>(rest), rest_n));
    key = latin1_to_utf8(key);
    return true;
  }
  if (type == "zTXt") {
    if (rest_n < 1 || rest[0] != 0) return false;
    value = latin1_to_utf8(inflate_text(rest + 1, rest_n - 1, what));
    key = latin1_to_utf8(key);
    return true;
  }
  // iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text.
  if (rest_n < 2) return false;
  const bool compressed = rest[0] != 0;
  if (compressed && rest[1] != 0) return false;
  const unsigned char* q = rest + 2;
  const unsigned char* end = p + n;
  for (int skip = 0; skip < 2; ++skip) {
    const unsigned char* z = static_cast<const unsigned char*>(std::memchr(q, 0, end - q));
    if (!z) return false;
    q = z + 1;
  }
  value = compressed ? inflate_text(q, end - q, what) : std::string(reinterpret_cast<const char*>(q), end - q);
  key = latin1_to_utf8(key);
  return true;
}

void append_chunk(std::vector<unsigned char>& out, const char* type, const std::string& payload) {
  append_be32(out, static_cast<uint32_t>(payload.size()));
  const size_t crc_start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), payload.begin(), payload.end());
  const uint32_t crc = crc32(0, out.data() + crc_start, static_cast<uInt>(out.size() - crc_start));
  append_be32(out, crc);
}

}  // namespace

std::map<std::string, std::string> read_png_text(const std::vector<unsigned char>& png,
                                                 const std::string& what) {
  if (png.size() < 8 || std::memcmp(png.data(), kSignature, 8) != 0)
    throw Error(what + ": not a PNG file (bad signature)");
  std::map<std::string, std::string> text;
  size_t pos = 8;
  bool first = true;
  while (true) {
    if (png.size() - pos < 12)
      throw Error(what + ": truncated PNG (file ends inside a chunk, no IEND); re-export or re-download it");
    const uint32_t length = read_be32(&png[pos]);
    const std::string type(reinterpret_cast<const char*>(&png[pos + 4]), 4);
    if (length > png.size() - pos - 12)
      throw Error(what + ": truncated PNG (chunk " + type + " runs past the end of the file)");
    if (first && type != "IHDR") throw Error(what + ": corrupt PNG (first chunk is not IHDR)");
    first = false;
    const unsigned char* data = &png[pos + 8];
    if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      std::string key, value;
      if (parse_text_chunk(type, data, length, what, key, value)) text[key] = value;
    }
    pos += 12 + size_t(length);
    if (type == "IEND") break;
  }
  return text;
}

std::vector<unsigned char> add_png_text(const std::vector<unsigned char>& png,
                                        const std::map<std::string, std::string>& text) {
  // The encoder's own output: IHDR is always the first chunk (8 + 4 + 4 + 13 + 4 bytes).
  const size_t after_ihdr = 8 + 12 + 13;
  if (png.size() < after_ihdr || std::memcmp(&png[12], "IHDR", 4) != 0)
    throw Error("internal error: PNG encoder output has no IHDR");
  std::vector<unsigned char> out(png.begin(), png.begin() + after_ihdr);
  for (const auto& [key, value] : text) {
    if (key.empty() || key.size() > 79)
      throw Error("PNG text key '" + key + "' must be 1 to 79 characters long");
    for (unsigned char c : key)
      if (c < 32 || c > 126)
        throw Error("PNG text key '" + key + "' may only contain printable ASCII characters");
    bool ascii = true;
    for (unsigned char c : value) ascii = ascii && c < 0x80 && c != 0;
    if (ascii) {
      append_chunk(out, "tEXt", key + '\0' + value);
    } else {
      // iTXt: uncompressed, no language tag, no translated keyword.
      append_chunk(out, "iTXt", key + '\0' + '\0' + '\0' + '\0' + '\0' + value);
    }
  }
  out.insert(out.end(), png.begin() + after_ihdr, png.end());
  return out;
}

}  // namespace jl::media
