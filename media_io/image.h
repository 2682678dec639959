// Still images: PNG, JPEG, WebP, BMP and TIFF in and out; gray, RGB and RGBA; 8 and 16 bit per
// channel; PNG text chunks (the `parameters` key AUTOMATIC1111 and stable-diffusion.cpp write) read and
// written. Pixels are always in RGB(A) order, unlike OpenCV's BGR: convert at the edges, never inside.
#pragma once

#include <filesystem>
#include <map>
#include <opencv2/core/mat.hpp>
#include <string>

#include "media_io/limits.h"

namespace jl::media {

namespace fs = std::filesystem;

struct Image {
  cv::Mat pixels;  // CV_8UC{1,3,4} or CV_16UC{1,3,4}; channel order gray / RGB / RGBA
  std::map<std::string, std::string> text;  // PNG tEXt/iTXt/zTXt chunks, e.g. {"parameters", "..."}

  int width() const { return pixels.cols; }
  int height() const { return pixels.rows; }
  int channels() const { return pixels.channels(); }
  int bit_depth() const { return pixels.depth() == CV_16U ? 16 : 8; }
  bool empty() const { return pixels.empty(); }
};

struct ImageWriteOptions {
  int quality = 95;        // JPEG and WebP (1..100); WebP 101 and above means lossless
  bool overwrite = false;  // refuse to replace an existing file unless set
};

// Reads any supported file. Errors name the file and the reason (missing, empty, truncated, not an
// image, too large for `limits`).
Image read_image(const fs::path& path, const MediaLimits& limits = default_limits());

// Writes atomically; the format follows the extension. Text chunks are written for PNG only (other
// formats have no such field; they are dropped silently). 16-bit data is kept by PNG and TIFF and
// reduced to 8 bits by the other formats; JPEG and BMP have no alpha: RGBA is composited over black.
void write_image(const fs::path& path, const Image& image, const ImageWriteOptions& options = {});

// Encode to / decode from memory with a format given as an extension (".png", ".jpg", ...).
std::vector<unsigned char> encode_image(const Image& image, const std::string& extension,
                                        int quality = 95);
Image decode_image(const std::vector<unsigned char>& bytes, const std::string& what,
                   const MediaLimits& limits = default_limits());

// True when the extension names an image format these functions handle.
bool is_image_extension(const std::string& extension);

// Conversions used by `convert` and by pipelines that need a fixed layout.
Image to_rgb8(const Image& image);  // any depth / channel count -> 8-bit RGB (alpha dropped over black)
Image resize(const Image& image, int width, int height);  // area when shrinking, cubic when enlarging

}  // namespace jl::media
