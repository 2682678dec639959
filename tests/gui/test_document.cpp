// The studio's document: brush strokes into the mask, clear and invert, and one undo history for
// strokes and picture changes.
#include <catch2/catch.hpp>

#include <opencv2/core.hpp>

#include "studio/gui/document.h"
#include "test_util.h"

using namespace jl;
using jl::gui::Brush;
using jl::gui::Document;

namespace {
cv::Mat picture(int side, int seed) { return jl::test::test_pattern(side, side, seed); }
}  // namespace

TEST_CASE("document: a stroke paints the mask along its path, hard inside, soft at the edge", "[studio]") {
  Document doc;
  doc.set_picture(picture(64, 1), "open");
  REQUIRE_FALSE(doc.has_mask());
  doc.begin_stroke(Brush{8, 0.5f, false}, {10.5f, 20.5f});
  doc.continue_stroke({50.5f, 20.5f});
  CHECK(doc.stroking());
  doc.end_stroke();
  const cv::Mat& m = doc.mask();
  CHECK(m.at<uint8_t>(20, 10) == 255);
  CHECK(m.at<uint8_t>(20, 30) == 255);  // between the ends: the dabs are joined
  CHECK(m.at<uint8_t>(20, 50) == 255);
  CHECK(m.at<uint8_t>(10, 30) == 0);    // beyond the radius
  const int edge = m.at<uint8_t>(17, 30);  // 3 px off the line: past the hard core (2 px), inside the radius (4 px)
  CHECK(edge > 0);
  CHECK(edge < 255);
  CHECK(doc.has_mask());
  CHECK(cv::countNonZero(doc.binary_mask() != 0) < cv::countNonZero(m != 0));  // the soft rim below half is not regenerated
  CHECK(doc.last_change() == "stroke");
}

TEST_CASE("document: eraser, clear and invert", "[studio]") {
  Document doc;
  doc.set_picture(picture(32, 2), "open");
  doc.begin_stroke(Brush{10, 1.0f, false}, {16, 16});
  doc.end_stroke();
  doc.begin_stroke(Brush{4, 1.0f, true}, {16, 16});
  doc.end_stroke();
  CHECK(doc.mask().at<uint8_t>(16, 16) == 0);
  CHECK(doc.mask().at<uint8_t>(16, 12) == 255);
  doc.invert_mask();
  CHECK(doc.mask().at<uint8_t>(16, 16) == 255);
  CHECK(doc.mask().at<uint8_t>(0, 0) == 255);
  doc.clear_mask();
  CHECK_FALSE(doc.has_mask());
  CHECK_THROWS_WITH(doc.begin_stroke(Brush{0, 1.0f, false}, {1, 1}), Catch::Contains("brush size"));
}

TEST_CASE("document: undo and redo walk strokes and picture changes alike", "[studio]") {
  Document doc;
  CHECK_FALSE(doc.can_undo());
  const cv::Mat first = picture(32, 3), second = picture(64, 4);
  doc.set_picture(first, "generate", "a red circle\nSeed: 1");
  doc.begin_stroke(Brush{6, 1.0f, false}, {8, 8});
  doc.end_stroke();
  const uint64_t picture_revision = doc.picture_revision();
  doc.set_picture(second, "upscale x2");
  CHECK(doc.mask().size() == second.size());  // a new size starts a new mask
  CHECK_FALSE(doc.has_mask());
  CHECK(cv::norm(doc.previous_picture(), first, cv::NORM_INF) == 0);

  REQUIRE(doc.undo());  // the upscale
  CHECK(doc.picture().size() == first.size());
  CHECK(doc.has_mask());
  CHECK(doc.picture_revision() > picture_revision);
  CHECK(doc.parameters() == "a red circle\nSeed: 1");
  REQUIRE(doc.undo());  // the stroke
  CHECK_FALSE(doc.has_mask());
  CHECK_FALSE(doc.undo());  // the first picture is where history starts
  REQUIRE(doc.redo());
  CHECK(doc.has_mask());
  REQUIRE(doc.redo());
  CHECK(doc.picture().size() == second.size());
  CHECK_FALSE(doc.redo());

  // A change after undo drops what could have been redone.
  doc.undo();
  doc.clear_mask();
  CHECK_FALSE(doc.can_redo());
}

TEST_CASE("document: a regenerated picture of the same size keeps the mask", "[studio]") {
  Document doc;
  doc.set_picture(picture(32, 5), "generate");
  doc.begin_stroke(Brush{6, 1.0f, false}, {8, 8});
  doc.end_stroke();
  doc.set_picture(picture(32, 6), "inpaint");
  CHECK(doc.has_mask());
  CHECK_THROWS_WITH(doc.set_picture(cv::Mat(8, 8, CV_32FC3), "bad"), Catch::Contains("8-bit RGB"));
}
