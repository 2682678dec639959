// A GL texture holding a picture (RGB CV_8UC3 or gray CV_8UC1), for the canvas and the thumbnails.
#pragma once

#include <opencv2/core/mat.hpp>

namespace jl::gui {

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;
  Texture(Texture&& other) noexcept;
  Texture& operator=(Texture&& other) noexcept;

  // Uploads `pixels` (CV_8UC3 RGB or CV_8UC1), reallocating when the size or kind changes.
  void upload(const cv::Mat& pixels);
  unsigned id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return id_ == 0; }
  // ImGui's texture handle.
  void* handle() const { return reinterpret_cast<void*>(static_cast<intptr_t>(id_)); }

 private:
  void release();
  unsigned id_ = 0;
  int width_ = 0, height_ = 0, channels_ = 0;
};

}  // namespace jl::gui
