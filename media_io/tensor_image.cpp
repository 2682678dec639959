#include "media_io/tensor_image.h"

#include <torch/torch.h>

#include "core/error.h"

namespace jl::media {

at::Tensor image_to_tensor(const cv::Mat& pixels, TensorRange range) {
  const int c = pixels.channels();
  if (pixels.empty() || (c != 1 && c != 3 && c != 4) || (pixels.depth() != CV_8U && pixels.depth() != CV_16U))
    throw Error("image_to_tensor: need a non-empty 8 or 16-bit image with 1, 3 or 4 channels");
  const cv::Mat m = pixels.isContinuous() ? pixels : pixels.clone();
  const bool wide = m.depth() == CV_16U;
  // from_blob does not own the memory: the permute + contiguous() below makes the copy.
  const at::Tensor hwc = torch::from_blob(const_cast<uchar*>(m.data), {m.rows, m.cols, c},
                                          wide ? torch::kInt16 : torch::kUInt8);
  at::Tensor t = hwc.to(torch::kFloat32);
  if (wide) t = t.remainder(65536.0);  // int16 view of uint16 data: undo the sign wrap
  t = t.permute({2, 0, 1}).contiguous().div_(wide ? 65535.0 : 255.0);
  if (range == TensorRange::MinusOneOne) t.mul_(2.0).sub_(1.0);
  return t;
}

cv::Mat tensor_to_image(const at::Tensor& chw, TensorRange range) {
  if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3 && chw.size(0) != 4))
    throw Error("tensor_to_image: need a [C, H, W] tensor with C = 1, 3 or 4, got " +
                std::to_string(chw.dim()) + " dimensions");
  at::Tensor t = chw.detach().to(torch::kCPU, torch::kFloat32);
  if (range == TensorRange::MinusOneOne) t = (t + 1.0) * 0.5;
  t = (t * 255.0).round_().clamp_(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  const int c = int(t.size(2));
  cv::Mat out(int(t.size(0)), int(t.size(1)), CV_8UC(c));
  std::memcpy(out.data, t.data_ptr<uint8_t>(), t.numel());
  return out;
}

}  // namespace jl::media
