// Cheap checks on an encoded image before any decoder sees it: which format the bytes really are
// (whatever the extension says), the dimensions from the header (so absurd sizes are refused before
// anything is allocated) and whether the file is complete (decoders silently fill a truncated JPEG
// with gray, which is worse than an error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jl::media {

struct ImageHeader {
  std::string format;  // "png", "jpeg", "webp", "bmp", "tiff"; empty when unknown
  int64_t width = -1;  // -1 when the header could not be read
  int64_t height = -1;
  std::string truncation;  // non-empty: why the file looks cut short
};

ImageHeader inspect_image_header(const std::vector<unsigned char>& bytes);

}  // namespace jl::media
