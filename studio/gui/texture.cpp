#include "studio/gui/texture.h"

#include <utility>

#include "core/error.h"
#include "studio/gui/gl.h"

namespace jl::gui {

Texture::~Texture() { release(); }

Texture::Texture(Texture&& other) noexcept { *this = std::move(other); }

Texture& Texture::operator=(Texture&& other) noexcept {
  if (this != &other) {
    release();
    std::swap(id_, other.id_);
    std::swap(width_, other.width_);
    std::swap(height_, other.height_);
    std::swap(channels_, other.channels_);
  }
  return *this;
}

void Texture::release() {
  if (id_) glDeleteTextures(1, &id_);
  id_ = 0;
  width_ = height_ = channels_ = 0;
}

void Texture::upload(const cv::Mat& pixels) {
  if (pixels.empty()) return;
  if (pixels.type() != CV_8UC3 && pixels.type() != CV_8UC1) throw Error("texture: 8-bit RGB or gray pictures only");
  const cv::Mat data = pixels.isContinuous() ? pixels : pixels.clone();
  const int channels = data.channels();
  const GLenum format = channels == 3 ? GL_RGB : GL_RED;
  const bool same = id_ && width_ == data.cols && height_ == data.rows && channels_ == channels;
  if (!id_) glGenTextures(1, &id_);
  glBindTexture(GL_TEXTURE_2D, id_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  if (same) {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, data.cols, data.rows, format, GL_UNSIGNED_BYTE, data.data);
  } else {
    glTexImage2D(GL_TEXTURE_2D, 0, channels == 3 ? GL_RGB8 : GL_R8, data.cols, data.rows, 0, format, GL_UNSIGNED_BYTE, data.data);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  width_ = data.cols;
  height_ = data.rows;
  channels_ = channels;
}

}  // namespace jl::gui
