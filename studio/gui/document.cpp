#include "studio/gui/document.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"

namespace jl::gui {

const Document::Entry& Document::current() const {
  static const Entry none;
  return history_.empty() ? none : history_[index_];
}

void Document::push(cv::Mat picture, cv::Mat mask, const std::string& what, const std::string& parameters) {
  if (!history_.empty()) history_.resize(index_ + 1);  // a change after undo drops the redo branch
  history_.push_back({std::move(picture), std::move(mask), what, parameters});
  if (history_.size() > kMaxHistory) history_.erase(history_.begin());
  index_ = history_.size() - 1;
  restore();
}

void Document::restore() {
  working_mask_ = current().mask.clone();  // strokes paint into a copy; the entry stays as it was
  ++revision_;
}

void Document::set_picture(const cv::Mat& rgb, const std::string& what, const std::string& parameters) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error("the studio edits 8-bit RGB pictures");
  if (stroking_) end_stroke();
  const cv::Mat old = current().mask;
  cv::Mat mask = !old.empty() && old.size() == rgb.size() ? old : cv::Mat::zeros(rgb.size(), CV_8UC1);
  push(rgb.clone(), mask, what, parameters);
  ++picture_revision_;
}

cv::Mat Document::previous_picture() const {
  for (size_t i = index_; i-- > 0;)
    if (history_[i].picture.data != history_[index_].picture.data) return history_[i].picture;
  return {};
}

void Document::begin_stroke(const Brush& brush, cv::Point2f at) {
  if (empty()) return;
  if (!(brush.size >= 1 && brush.size <= 4096)) throw Error("brush size must be 1..4096 px");
  brush_ = brush;
  brush_.hardness = std::clamp(brush.hardness, 0.0f, 1.0f);
  stroking_ = true;
  last_ = at;
  carried_ = 0;
  dab(at);
}

void Document::continue_stroke(cv::Point2f to) {
  if (!stroking_) return;
  // Dabs a quarter of the radius apart: a smooth line at any drag speed.
  const float spacing = std::max(0.5f, brush_.size / 8.0f);
  const cv::Point2f delta = to - last_;
  const float length = std::hypot(delta.x, delta.y);
  float walked = spacing - carried_;
  while (walked <= length) {
    dab(last_ + delta * (walked / length));
    walked += spacing;
  }
  carried_ = length - (walked - spacing);
  last_ = to;
}

void Document::dab(cv::Point2f at) {
  const float radius = brush_.size / 2.0f;
  const float solid = radius * brush_.hardness;
  const int x0 = std::max(0, int(std::floor(at.x - radius))), x1 = std::min(working_mask_.cols - 1, int(std::ceil(at.x + radius)));
  const int y0 = std::max(0, int(std::floor(at.y - radius))), y1 = std::min(working_mask_.rows - 1, int(std::ceil(at.y + radius)));
  for (int y = y0; y <= y1; ++y) {
    uint8_t* row = working_mask_.ptr<uint8_t>(y);
    for (int x = x0; x <= x1; ++x) {
      // Pixel centres: a 1 px brush at (x + 0.5, y + 0.5) paints exactly that pixel.
      const float d = std::hypot(x + 0.5f - at.x, y + 0.5f - at.y);
      if (d > radius) continue;
      const float a = d <= solid ? 1.0f : 1.0f - (d - solid) / std::max(radius - solid, 1e-3f);
      const int value = int(std::lround(255.0f * a));
      row[x] = brush_.erase ? uint8_t(std::min<int>(row[x], 255 - value)) : uint8_t(std::max<int>(row[x], value));
    }
  }
  ++revision_;
}

void Document::end_stroke() {
  if (!stroking_) return;
  stroking_ = false;
  push(current().picture, working_mask_.clone(), brush_.erase ? "erase" : "stroke", current().parameters);
}

void Document::clear_mask() {
  if (empty() || !has_mask()) return;
  push(current().picture, cv::Mat::zeros(working_mask_.size(), CV_8UC1), "clear mask", current().parameters);
}

void Document::invert_mask() {
  if (empty()) return;
  cv::Mat inverted;
  cv::bitwise_not(working_mask_, inverted);
  push(current().picture, inverted, "invert mask", current().parameters);
}

cv::Mat Document::binary_mask() const {
  cv::Mat out;
  if (!working_mask_.empty()) cv::threshold(working_mask_, out, 127, 255, cv::THRESH_BINARY);
  return out;
}

bool Document::has_mask() const { return !working_mask_.empty() && cv::countNonZero(working_mask_ > 127) > 0; }

bool Document::undo() {
  if (!can_undo()) return false;
  const bool picture_changes = history_[index_ - 1].picture.data != history_[index_].picture.data;
  --index_;
  restore();
  if (picture_changes) ++picture_revision_;
  return true;
}

bool Document::redo() {
  if (!can_redo()) return false;
  const bool picture_changes = history_[index_ + 1].picture.data != history_[index_].picture.data;
  ++index_;
  restore();
  if (picture_changes) ++picture_revision_;
  return true;
}

}  // namespace jl::gui
