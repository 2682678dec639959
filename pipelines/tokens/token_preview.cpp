#include "pipelines/tokens/token_preview.h"

#include "media_io/tensor_image.h"
#include "models/patch_tokenizer.h"

namespace jl::tokens {

TokenPreview tokenizer_preview(std::shared_ptr<models::PatchTokenizerImpl> tokenizer) {
  auto last_decided = std::make_shared<int64_t>(0);
  return [tokenizer, last_decided](const torch::Tensor& tokens, const torch::Tensor& decided) -> cv::Mat {
    const int64_t g = tokenizer->config.grid(), n = g * g;
    const torch::Tensor known = decided[0];
    const int64_t count = known.sum().item<int64_t>();
    if (count < *last_decided) *last_decided = 0;  // the next picture of a batch decoded one by one
    if (count == *last_decided || (count - *last_decided < g && count < n)) return {};  // a row at least, or the end
    *last_decided = count;
    torch::NoGradGuard no_grad;
    const torch::Tensor codes = tokens[0].masked_fill(known.logical_not(), 0).clamp(0, tokenizer->config.codebook_size - 1);
    cv::Mat picture = media::tensor_to_image(tokenizer->decode(codes.view({1, g, g}))[0], media::TensorRange::MinusOneOne);
    const int side = picture.cols / int(g);
    auto open = known.accessor<bool, 1>();
    for (int64_t i = 0; i < n; ++i)
      if (!open[i]) picture(cv::Rect(int(i % g) * side, int(i / g) * side, side, side)).setTo(cv::Scalar(96, 96, 96));
    return picture;
  };
}

void report_step(const Callbacks& callbacks, int64_t step, int64_t total, const TokenPreview& preview,
                 const torch::Tensor& tokens, const std::function<torch::Tensor()>& decided) {
  if (callbacks.wants_preview && preview) {
    const cv::Mat picture = preview(tokens, decided());
    if (!picture.empty()) return callbacks.report(step, total, &picture);
  }
  callbacks.report(step, total);
}

}  // namespace jl::tokens
