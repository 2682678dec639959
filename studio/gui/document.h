// The picture being edited in the studio, its inpainting mask, and the undo history of both.
// No GUI or GL code: the canvas draws it, the panels change it, the tests drive it directly.
//
// Every change that a user would undo as one step (a brush stroke, a clear or invert of the mask, a
// picture replaced by a generation, an upscale or a regeneration) is one entry of a linear history;
// undo and redo walk it (Ctrl+Z / Ctrl+Shift+Z). Entries share pixels with each other until one of
// them changes (cv::Mat reference counting), so a long history of strokes costs masks, not pictures.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace jl::gui {

struct Brush {
  float size = 16;       // diameter in picture pixels
  float hardness = 0.8f; // the fraction of the radius painted fully; beyond it the paint fades to 0
  bool erase = false;
};

class Document {
 public:
  // A new picture (RGB CV_8UC3): one history entry. The mask is kept when the size is unchanged
  // (regenerating the same region again is the common next step) and cleared otherwise.
  // `parameters`: the text that reproduces the picture (saved into its PNG), "" when none.
  void set_picture(const cv::Mat& rgb, const std::string& what, const std::string& parameters = "");
  bool empty() const { return current().picture.empty(); }

  const cv::Mat& picture() const { return current().picture; }  // RGB CV_8UC3
  const cv::Mat& mask() const { return working_mask_; }          // CV_8UC1, 255 = regenerate
  const std::string& parameters() const { return current().parameters; }
  // The picture before the last change of picture, for the before/after view (empty: none).
  cv::Mat previous_picture() const;

  // A stroke: begin, any number of segments, end (one history entry). Positions in picture pixels.
  void begin_stroke(const Brush& brush, cv::Point2f at);
  void continue_stroke(cv::Point2f to);
  void end_stroke();
  bool stroking() const { return stroking_; }

  void clear_mask();
  void invert_mask();
  // The mask as the pipelines take it: 255 where the painted value is at least half, else 0.
  cv::Mat binary_mask() const;
  bool has_mask() const;

  bool can_undo() const { return index_ > 0 && !stroking_; }
  bool can_redo() const { return index_ + 1 < history_.size() && !stroking_; }
  bool undo();
  bool redo();
  const std::string& last_change() const { return current().what; }  // "stroke", "upscale x4", ...

  // Increases on every change of picture or mask, so views know when to upload again.
  uint64_t revision() const { return revision_; }
  uint64_t picture_revision() const { return picture_revision_; }

  static constexpr size_t kMaxHistory = 200;  // the oldest entries are dropped beyond it

 private:
  struct Entry {
    cv::Mat picture, mask;
    std::string what, parameters;
  };
  const Entry& current() const;
  void push(cv::Mat picture, cv::Mat mask, const std::string& what, const std::string& parameters);
  void dab(cv::Point2f at);
  void restore();

  std::vector<Entry> history_;
  size_t index_ = 0;
  cv::Mat working_mask_;  // the current entry's mask, or the stroke being painted
  Brush brush_;
  cv::Point2f last_{0, 0};
  float carried_ = 0;  // distance walked since the last dab
  bool stroking_ = false;
  uint64_t revision_ = 0, picture_revision_ = 0;
};

}  // namespace jl::gui
