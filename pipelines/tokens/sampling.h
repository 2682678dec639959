// Turning logits into token choices, shared by every token generator: classifier-free guidance,
// temperature, top-k and top-p (nucleus) filtering, and seeded draws. Each image of a batch has its
// own generator, so an image's tokens depend on its seed alone.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace jl::tokens {

struct SamplingOptions {
  double temperature = 1.0;  // 0: greedy (always the most likely token)
  int top_k = 0;             // keep the k most likely tokens (0: all)
  double top_p = 1.0;        // keep the smallest set whose probability reaches p (1: all)
};

// uncond + scale * (cond - uncond): scale 1 is the conditional model alone (logits here, the
// denoiser's predictions in diffusion).
torch::Tensor guide(const torch::Tensor& cond, const torch::Tensor& uncond, double scale);

// Logits [..., V] -> the distribution a draw follows, after temperature, top-k and top-p; for
// temperature 0, a one-hot at the argmax. Rows sum to 1.
torch::Tensor token_probabilities(const torch::Tensor& logits, const SamplingOptions& options);

// One seeded generator per image: image i of a run with seed s uses seed s + i.
std::vector<at::Generator> image_generators(uint64_t seed, int64_t count);

// probs [B, V] -> [B] int64, row b drawn with generators[b].
torch::Tensor draw(const torch::Tensor& probs, std::vector<at::Generator>& generators);
// A uniform number in [0, 1) from `generator`.
double uniform(at::Generator& generator);

}  // namespace jl::tokens
