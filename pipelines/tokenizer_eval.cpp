#include "pipelines/tokenizer_eval.h"

#include <cmath>

#include "media_io/tensor_image.h"
#include "models/patch_tokenizer.h"
#include "world/caption.h"
#include "world/holdout.h"
#include "world/judge.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl {

nlohmann::json evaluate_tokenizer(models::PatchTokenizerImpl& tokenizer, int count, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  const auto& holdout = world::holdout_images();
  count = std::min<int>(count, int(holdout.size()));
  const int n = tokenizer.config.image_size;
  const int64_t indices_per_image = int64_t(tokenizer.config.grid()) * tokenizer.config.grid();
  constexpr int kChunk = 50;
  int passed = 0;
  double squared_error = 0;
  int64_t kept_tokens = 0;
  std::vector<torch::Tensor> all_indices;
  nlohmann::json failures = nlohmann::json::array();
  for (int start = 0; start < count; start += kChunk) {
    const int size = std::min(kChunk, count - start);
    std::vector<cv::Mat> originals;
    std::vector<torch::Tensor> tensors;
    for (int i = start; i < start + size; ++i) {
      world::Rng rng{uint64_t(i)};
      originals.push_back(world::render(world::layout(holdout[size_t(i)], rng), n));
      tensors.push_back(media::image_to_tensor(originals.back(), media::TensorRange::MinusOneOne));
    }
    const torch::Tensor batch = torch::stack(tensors);
    const torch::Tensor indices = tokenizer.encode(batch);
    all_indices.push_back(indices);
    const torch::Tensor recon = tokenizer.decode(indices);
    std::vector<torch::Tensor> seen;  // the 8-bit reconstructions, as the tokenizer reads them
    for (int k = 0; k < size; ++k) {
      const cv::Mat image = media::tensor_to_image(recon[k], media::TensorRange::MinusOneOne);
      seen.push_back(media::image_to_tensor(image, media::TensorRange::MinusOneOne));
      // PSNR on the 8-bit pictures a user would see.
      const torch::Tensor a = media::image_to_tensor(image), b = media::image_to_tensor(originals[size_t(k)]);
      squared_error += (a - b).square().mean().item<double>();
      const size_t i = size_t(start + k);
      if (world::judge_image(image, holdout[i]).pass)
        ++passed;
      else if (failures.size() < 10)
        failures.push_back(world::canonical_caption(holdout[i]));
    }
    kept_tokens += tokenizer.encode(torch::stack(seen)).eq(indices).sum().item<int64_t>();
    callbacks.report(start + size, count);
    callbacks.throw_if_cancelled();
  }
  const models::CodebookUsage usage =
      models::codebook_usage(torch::cat(all_indices), tokenizer.config.codebook_size);
  const double mse = squared_error / std::max(1, count);
  return {{"count", count},
          {"judge_pass", count ? double(passed) / count : 0.0},
          {"psnr", mse > 0 ? 10 * std::log10(1.0 / mse) : 99.0},
          {"codes_used", usage.used},
          // What re-tokenizing an 8-bit reconstruction keeps (the watermark detector relies on it).
          {"token_stability", count ? double(kept_tokens) / (double(count) * indices_per_image) : 0.0},
          {"perplexity", usage.perplexity},
          {"failures", failures}};
}

}  // namespace jl
