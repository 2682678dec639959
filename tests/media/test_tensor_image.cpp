#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include <opencv2/core.hpp>

#include "media_io/tensor_image.h"
#include "test_util.h"

using namespace jl::media;

TEST_CASE("uint8 HWC <-> float CHW in [0,1] and [-1,1] round-trips exactly", "[media]") {
  const cv::Mat rgb = jl::test::test_pattern(40, 30, 5);
  const at::Tensor t = image_to_tensor(rgb);
  REQUIRE(t.sizes() == at::IntArrayRef({3, 30, 40}));
  REQUIRE(t.scalar_type() == at::kFloat);
  // Channel c of pixel (y, x) is the byte / 255.
  CHECK(t[2][7][11].item<float>() == Approx(rgb.at<cv::Vec3b>(7, 11)[2] / 255.0f));
  CHECK(t.min().item<float>() >= 0.0f);
  CHECK(t.max().item<float>() <= 1.0f);
  CHECK(cv::norm(tensor_to_image(t), rgb, cv::NORM_INF) == 0);

  const at::Tensor s = image_to_tensor(rgb, TensorRange::MinusOneOne);
  CHECK(s[0][0][0].item<float>() == Approx(rgb.at<cv::Vec3b>(0, 0)[0] / 127.5f - 1.0f));
  CHECK(cv::norm(tensor_to_image(s, TensorRange::MinusOneOne), rgb, cv::NORM_INF) == 0);
}

TEST_CASE("16-bit images map to [0,1] by 65535 and gray/RGBA keep their channels", "[media]") {
  cv::Mat deep(2, 2, CV_16UC1);
  deep.at<uint16_t>(0, 0) = 0;
  deep.at<uint16_t>(0, 1) = 65535;
  deep.at<uint16_t>(1, 0) = 40000;  // above 32767: must not wrap negative
  deep.at<uint16_t>(1, 1) = 1;
  const at::Tensor t = image_to_tensor(deep);
  REQUIRE(t.sizes() == at::IntArrayRef({1, 2, 2}));
  CHECK(t[0][0][1].item<float>() == Approx(1.0f));
  CHECK(t[0][1][0].item<float>() == Approx(40000.0f / 65535.0f));

  cv::Mat rgba(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 40));
  CHECK(image_to_tensor(rgba).size(0) == 4);
}

TEST_CASE("tensor_to_image rounds and clamps, and bad shapes are errors", "[media]") {
  at::Tensor t = torch::tensor({-0.5f, 0.6f / 255.0f, 1.7f}).reshape({1, 1, 3});
  const cv::Mat m = tensor_to_image(t);
  CHECK(int(m.at<uchar>(0, 0)) == 0);
  CHECK(int(m.at<uchar>(0, 1)) == 1);
  CHECK(int(m.at<uchar>(0, 2)) == 255);
  CHECK_THROWS_AS(tensor_to_image(torch::zeros({2, 4, 4})), jl::Error);
  CHECK_THROWS_AS(tensor_to_image(torch::zeros({4, 4})), jl::Error);
}
