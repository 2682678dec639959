#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "test_util.h"

using namespace jl;
using namespace jl::media;
using Catch::Matchers::Contains;

namespace {

cv::Mat with_channels(const cv::Mat& rgb, int channels) {
  cv::Mat out;
  if (channels == 1) cv::cvtColor(rgb, out, cv::COLOR_RGB2GRAY);
  else if (channels == 4) {
    cv::cvtColor(rgb, out, cv::COLOR_RGB2RGBA);
    // A real alpha ramp, so that losing or swapping the alpha channel fails the comparison.
    for (int y = 0; y < out.rows; ++y)
      for (int x = 0; x < out.cols; ++x) out.at<cv::Vec4b>(y, x)[3] = cv::saturate_cast<uchar>(x * 255 / out.cols);
  } else out = rgb.clone();
  return out;
}

cv::Mat to_16bit(const cv::Mat& m) {
  cv::Mat out;
  m.convertTo(out, CV_16U, 257.0);
  out += cv::Scalar::all(3);  // low bits that an 8-bit path would lose
  return out;
}

}  // namespace

TEST_CASE("lossless image formats round-trip exactly", "[media]") {
  test::TempDir dir;
  const cv::Mat rgb = test::test_pattern(96, 64, 1);
  for (const char* ext : {".png", ".bmp", ".tif"}) {
    for (int channels : {1, 3, 4}) {
      if (std::string(ext) == ".bmp" && channels != 3) continue;  // BMP: see its own test below
      DYNAMIC_SECTION(ext << " " << channels << " channel(s)") {
        Image image{with_channels(rgb, channels), {}};
        const fs::path path = dir / (std::string("img") + ext);
        write_image(path, image);
        const Image back = read_image(path);
        REQUIRE(back.channels() == channels);
        REQUIRE(back.bit_depth() == 8);
        CHECK(test::psnr(back.pixels, image.pixels) >= 100);  // identical
      }
    }
  }
}

TEST_CASE("BMP keeps gray exactly and drops alpha", "[media]") {
  test::TempDir dir;
  const cv::Mat rgba = with_channels(test::test_pattern(40, 30, 4), 4);
  write_image(dir / "a.bmp", {rgba, {}});
  const Image back = read_image(dir / "a.bmp");
  REQUIRE(back.channels() == 3);
  CHECK(test::psnr(back.pixels, to_rgb8({rgba, {}}).pixels) >= 100);  // composited over black
  const cv::Mat gray = with_channels(test::test_pattern(40, 30, 4), 1);
  write_image(dir / "g.bmp", {gray, {}});
  CHECK(test::psnr(to_rgb8(read_image(dir / "g.bmp")).pixels, to_rgb8({gray, {}}).pixels) >= 100);
}

TEST_CASE("16-bit PNG and TIFF keep all 16 bits", "[media]") {
  test::TempDir dir;
  const cv::Mat rgb16 = to_16bit(test::test_pattern(64, 48, 2));
  for (const char* ext : {".png", ".tif"}) {
    for (int channels : {1, 3, 4}) {
      DYNAMIC_SECTION(ext << " " << channels << " channel(s)") {
        cv::Mat m = channels == 3 ? rgb16 : to_16bit(with_channels(test::test_pattern(64, 48, 2), channels));
        const fs::path path = dir / (std::string("deep") + ext);
        write_image(path, {m, {}});
        const Image back = read_image(path);
        REQUIRE(back.bit_depth() == 16);
        REQUIRE(back.channels() == channels);
        CHECK(cv::norm(back.pixels, m, cv::NORM_INF) == 0);
      }
    }
  }
}

TEST_CASE("lossy formats stay above 30 dB and keep the channel order", "[media]") {
  test::TempDir dir;
  const cv::Mat rgb = test::test_pattern(128, 96, 3);
  for (const char* ext : {".jpg", ".webp"}) {
    DYNAMIC_SECTION(ext) {
      const fs::path path = dir / (std::string("lossy") + ext);
      write_image(path, {rgb, {}}, {90});
      const Image back = read_image(path);
      REQUIRE(back.channels() == 3);
      CHECK(test::psnr(back.pixels, rgb) >= 30);
      // Red and blue swapped would still look "similar": compare one strongly colored pixel.
      const cv::Vec3b a = rgb.at<cv::Vec3b>(5, 120), b = back.pixels.at<cv::Vec3b>(5, 120);
      CHECK(std::abs(int(a[0]) - int(b[0])) < 20);
      CHECK(std::abs(int(a[2]) - int(b[2])) < 20);
    }
  }
  SECTION("lossless WebP at quality 101") {
    write_image(dir / "exact.webp", {rgb, {}}, {101});
    CHECK(test::psnr(read_image(dir / "exact.webp").pixels, rgb) >= 100);
  }
}

TEST_CASE("PNG parameters text survives write and read", "[media]") {
  test::TempDir dir;
  Image image{test::test_pattern(32, 32), {}};
  image.text["parameters"] = "a red circle in the top left\nSteps: 20, Sampler: DDIM, CFG scale: 3, Seed: 42";
  image.text["Comment"] = "ünïcödé 接龙";  // not Latin-1: goes into an iTXt chunk
  write_image(dir / "p.png", image);
  const Image back = read_image(dir / "p.png");
  CHECK(back.text == image.text);
  CHECK(test::psnr(back.pixels, image.pixels) >= 100);
}

TEST_CASE("resize and to_rgb8 produce what they say", "[media]") {
  Image image{to_16bit(with_channels(test::test_pattern(64, 64), 4)), {{"k", "v"}}};
  const Image rgb = to_rgb8(image);
  CHECK(rgb.channels() == 3);
  CHECK(rgb.bit_depth() == 8);
  CHECK(rgb.text.at("k") == "v");
  const Image small = resize(rgb, 20, 10);
  CHECK(small.width() == 20);
  CHECK(small.height() == 10);
  REQUIRE_THROWS_WITH(resize(rgb, 0, 10), Contains("each side must be between 1"));
}

TEST_CASE("bad image files give one clear error each", "[media]") {
  test::TempDir dir;
  const cv::Mat rgb = test::test_pattern(64, 64);
  write_image(dir / "good.png", {rgb, {}});
  write_image(dir / "good.jpg", {rgb, {}});
  const std::string png = test::read_text_file(dir / "good.png");
  const std::string jpg = test::read_text_file(dir / "good.jpg");

  SECTION("missing") { REQUIRE_THROWS_WITH(read_image(dir / "nope.png"), Contains("nope.png") && Contains("file not found")); }
  SECTION("empty") {
    test::write_text_file(dir / "empty.png", "");
    REQUIRE_THROWS_WITH(read_image(dir / "empty.png"), Contains("empty.png") && Contains("empty"));
  }
  SECTION("a text file named .png") {
    test::write_text_file(dir / "text.png", "this is not a picture\n");
    REQUIRE_THROWS_WITH(read_image(dir / "text.png"), Contains("text.png") && Contains("not an image"));
  }
  SECTION("truncated PNG") {
    test::write_text_file(dir / "cut.png", png.substr(0, png.size() / 2));
    REQUIRE_THROWS_WITH(read_image(dir / "cut.png"), Contains("cut.png") && Contains("truncated"));
  }
  SECTION("truncated JPEG") {
    test::write_text_file(dir / "cut.jpg", jpg.substr(0, jpg.size() / 2));
    REQUIRE_THROWS_WITH(read_image(dir / "cut.jpg"), Contains("cut.jpg") && Contains("truncated"));
  }
  SECTION("absurd dimensions in the header are refused before decoding") {
    std::string huge = png;
    const unsigned char dims[8] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0};  // 100000 x 100000
    huge.replace(16, 8, reinterpret_cast<const char*>(dims), 8);
    test::write_text_file(dir / "huge.png", huge);
    REQUIRE_THROWS_WITH(read_image(dir / "huge.png"), Contains("100000x100000") && Contains("limit"));
  }
  SECTION("configurable caps") {
    MediaLimits small;
    small.max_pixels = 1000;
    REQUIRE_THROWS_WITH(read_image(dir / "good.png", small), Contains("64x64") && Contains("limit"));
  }
  SECTION("unknown output extension, existing output") {
    REQUIRE_THROWS_WITH(write_image(dir / "x.xyz", {rgb, {}}), Contains("unknown image extension"));
    REQUIRE_THROWS_WITH(write_image(dir / "good.png", {rgb, {}}), Contains("already exists"));
  }
}
