#include "media_io/image_header.h"

#include <cstring>

namespace jl::media {
namespace {

uint32_t be16(const unsigned char* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t be32(const unsigned char* p) { return be16(p) << 16 | be16(p + 2); }
uint32_t le16(const unsigned char* p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t le32(const unsigned char* p) { return le16(p + 2) << 16 | le16(p); }

bool starts_with(const std::vector<unsigned char>& b, const char* magic, size_t n, size_t at = 0) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

void inspect_png(const std::vector<unsigned char>& b, ImageHeader& h) {
  if (b.size() >= 24 && std::memcmp(&b[12], "IHDR", 4) == 0) {
    h.width = be32(&b[16]);
    h.height = be32(&b[20]);
  }
  // The last chunk of a complete PNG is IEND: 00 00 00 00 'IEND' CRC.
  if (b.size() < 12 || std::memcmp(&b[b.size() - 8], "IEND", 4) != 0)
    h.truncation = "no IEND chunk at the end";
}

void inspect_jpeg(const std::vector<unsigned char>& b, ImageHeader& h) {
  // Walk the marker segments up to the first start-of-frame, which holds the dimensions.
  size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xff) break;
    const unsigned marker = b[pos + 1];
    if (marker == 0xff) { ++pos; continue; }  // fill byte
    const size_t length = be16(&b[pos + 2]);
    const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (sof && pos + 9 <= b.size()) {
      h.height = be16(&b[pos + 5]);
      h.width = be16(&b[pos + 7]);
      break;
    }
    if (marker == 0xda) break;  // start of scan without a frame header: leave the size unknown
    pos += 2 + length;
  }
  // A complete JPEG ends with the EOI marker (some writers append a few bytes after it).
  bool eoi = false;
  for (size_t i = b.size() >= 2 ? b.size() - 2 : 0, n = 0; n < 64 && i > 0; --i, ++n)
    if (b[i] == 0xff && b[i + 1] == 0xd9) { eoi = true; break; }
  if (!eoi) h.truncation = "no end-of-image marker";
}

void inspect_webp(const std::vector<unsigned char>& b, ImageHeader& h) {
  const uint64_t riff_size = le32(&b[4]);
  if (riff_size + 8 > b.size()) h.truncation = "RIFF size larger than the file";
  if (b.size() < 30) return;
  if (starts_with(b, "VP8X", 4, 12)) {
    h.width = 1 + (le32(&b[24]) & 0xffffff);
    h.height = 1 + (le32(&b[27]) & 0xffffff);
  } else if (starts_with(b, "VP8L", 4, 12)) {
    const uint32_t bits = le32(&b[21]);
    h.width = 1 + (bits & 0x3fff);
    h.height = 1 + ((bits >> 14) & 0x3fff);
  } else if (starts_with(b, "VP8 ", 4, 12)) {
    h.width = le16(&b[26]) & 0x3fff;
    h.height = le16(&b[28]) & 0x3fff;
  }
}

void inspect_bmp(const std::vector<unsigned char>& b, ImageHeader& h) {
  if (b.size() < 26) { h.truncation = "header cut short"; return; }
  if (le32(&b[2]) > b.size()) h.truncation = "file size field larger than the file";
  h.width = int32_t(le32(&b[18]));
  const int32_t height = int32_t(le32(&b[22]));
  h.height = height < 0 ? -int64_t(height) : height;
}

void inspect_tiff(const std::vector<unsigned char>& b, ImageHeader& h) {
  const bool little = b[0] == 'I';
  auto u16 = [&](size_t at) { return little ? le16(&b[at]) : be16(&b[at]); };
  auto u32 = [&](size_t at) { return little ? le32(&b[at]) : be32(&b[at]); };
  const uint64_t ifd = u32(4);
  if (ifd + 2 > b.size()) { h.truncation = "first directory past the end of the file"; return; }
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries; ++i) {
    const uint64_t at = ifd + 2 + uint64_t(i) * 12;
    if (at + 12 > b.size()) { h.truncation = "directory cut short"; return; }
    const uint32_t tag = u16(at), type = u16(at + 2);
    const uint32_t value = type == 3 ? u16(at + 8) : u32(at + 8);  // SHORT or LONG
    if (tag == 256) h.width = value;
    if (tag == 257) h.height = value;
  }
}

}  // namespace

ImageHeader inspect_image_header(const std::vector<unsigned char>& b) {
  ImageHeader h;
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) {
    h.format = "png";
    inspect_png(b, h);
  } else if (b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) {
    h.format = "jpeg";
    inspect_jpeg(b, h);
  } else if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) {
    h.format = "webp";
    inspect_webp(b, h);
  } else if (starts_with(b, "BM", 2)) {
    h.format = "bmp";
    inspect_bmp(b, h);
  } else if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4)) {
    h.format = "tiff";
    if (b.size() >= 8) inspect_tiff(b, h);
    else h.truncation = "header cut short";
  }
  return h;
}

}  // namespace jl::media
