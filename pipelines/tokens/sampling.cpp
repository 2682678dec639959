#include "pipelines/tokens/sampling.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

namespace jl::tokens {

torch::Tensor guide(const torch::Tensor& cond, const torch::Tensor& uncond, double scale) {
  return uncond + (cond - uncond) * scale;
}

torch::Tensor token_probabilities(const torch::Tensor& logits, const SamplingOptions& options) {
  const int64_t vocab = logits.size(-1);
  if (options.temperature <= 0) return torch::one_hot(logits.argmax(-1), vocab).to(torch::kFloat);
  torch::Tensor scaled = logits.to(torch::kFloat) / options.temperature;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (options.top_k > 0 && options.top_k < vocab) {
    const torch::Tensor kth = std::get<0>(scaled.topk(options.top_k, -1)).narrow(-1, options.top_k - 1, 1);
    scaled = scaled.masked_fill(scaled < kth, neg_inf);
  }
  torch::Tensor probs = torch::softmax(scaled, -1);
  if (options.top_p < 1.0) {
    const auto [sorted, order] = probs.sort(-1, /*descending=*/true);
    // Keep a token while the probability before it is still short of p (the top token always stays).
    const torch::Tensor before = sorted.cumsum(-1) - sorted;
    const torch::Tensor drop_sorted = before >= options.top_p;
    const torch::Tensor drop = torch::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    probs = probs.masked_fill(drop, 0);
    probs = probs / probs.sum(-1, true);
  }
  return probs;
}

std::vector<at::Generator> image_generators(uint64_t seed, int64_t count) {
  std::vector<at::Generator> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(at::make_generator<at::CPUGeneratorImpl>(seed + uint64_t(i)));
  return out;
}

torch::Tensor draw(const torch::Tensor& probs, std::vector<at::Generator>& generators) {
  TORCH_CHECK(probs.dim() == 2 && probs.size(0) == int64_t(generators.size()), "draw: one generator per row");
  torch::Tensor out = torch::empty({probs.size(0)}, torch::kLong);
  for (int64_t b = 0; b < probs.size(0); ++b)
    out[b] = torch::multinomial(probs[b], 1, false, generators[size_t(b)]).item<int64_t>();
  return out;
}

double uniform(at::Generator& generator) { return torch::rand({1}, generator).item<double>(); }

}  // namespace jl::tokens
