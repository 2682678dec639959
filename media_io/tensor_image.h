// Images <-> tensors for the models: 8/16-bit HWC pixels <-> float CHW in [0, 1] or [-1, 1].
// Kept in its own header so that code which only reads and writes files never parses torch.
#pragma once

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

namespace jl::media {

enum class TensorRange { ZeroOne, MinusOneOne };

// CV_8UC{1,3,4} or CV_16UC{1,3,4} HWC -> float32 [C, H, W] in `range` (a fresh tensor).
at::Tensor image_to_tensor(const cv::Mat& pixels, TensorRange range = TensorRange::ZeroOne);

// float [C, H, W] (C = 1, 3 or 4) in `range` -> CV_8UC{C}, rounded to nearest and clamped.
cv::Mat tensor_to_image(const at::Tensor& chw, TensorRange range = TensorRange::ZeroOne);

}  // namespace jl::media
