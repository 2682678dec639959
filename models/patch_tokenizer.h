// PatchTokenizer: a VQ autoencoder that turns a 64x64 RGB image into a grid of codebook indices (16x16
// with the default four-times downsampling) and back. Every token generator (autoregressive, MaskGIT)
// works on these indices; the watermark detector re-tokenizes images with the same encoder.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/vector_quantizer.h"

namespace jl::models {

struct PatchTokenizerConfig {
  int image_size = 64;                    // the world's canvas for the built-in models
  std::vector<int> channels{32, 64, 128};  // one entry per resolution: 3 levels = 4x downsampling (16x16 tokens;
                                          // 8x8 tokens blur small stars and crosses into blobs)
  int blocks = 1;                         // residual blocks per level (one more at the token level)
  int codebook_size = 1024;
  int code_dim = 16;                      // small unit vectors keep most entries in use
  double ema_decay = 0.99;
  double commitment = 0.25;               // weight of the commitment loss

  int downsample() const { return 1 << (channels.size() - 1); }
  int grid() const { return image_size / downsample(); }  // tokens per side
  void validate() const;  // jl::Error naming the field
};
// JSON with every field required (a checkpoint config missing one is an error naming it).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PatchTokenizerConfig, image_size, channels, blocks, codebook_size, code_dim, ema_decay, commitment)

class PatchTokenizerImpl : public torch::nn::Module {
 public:
  explicit PatchTokenizerImpl(const PatchTokenizerConfig& config);

  struct Output {
    torch::Tensor reconstruction;   // [B, 3, N, N] in [-1, 1] (not clamped while training)
    torch::Tensor indices;          // [B, g, g]
    torch::Tensor commitment_loss;  // scalar
  };
  // images: float [B, 3, N, N] in [-1, 1].
  Output forward(const torch::Tensor& images);
  torch::Tensor encode(const torch::Tensor& images);   // -> int64 [B, g, g]
  torch::Tensor decode(const torch::Tensor& indices);  // -> float [B, 3, N, N], clamped to [-1, 1]
  // The continuous side, for the diffusion denoiser's latent space: the chosen codebook vectors
  // [B, code_dim, h, w] of images whose sides are multiples of the downsampling (any size: the
  // networks are convolutional), and pictures drawn from such vectors (each snapped to its nearest
  // codebook entry first, the only inputs the decoder was trained on).
  torch::Tensor code_vectors(const torch::Tensor& images);
  torch::Tensor decode_vectors(const torch::Tensor& vectors);

  PatchTokenizerConfig config;
  torch::nn::Sequential encoder{nullptr}, decoder{nullptr};
  VectorQuantizer quantizer{nullptr};

 private:
  void check_images(const torch::Tensor& images) const;
};
TORCH_MODULE(PatchTokenizer);

inline constexpr const char* kPatchTokenizerModel = "patch_tokenizer";

// The checkpoint's config, a model built from it, its weights loaded strictly, in eval mode.
PatchTokenizer load_patch_tokenizer(const std::filesystem::path& path);

// uint8 [.., 3, N, N] -> float in [-1, 1], and back (rounded, clamped).
torch::Tensor to_unit_range(const torch::Tensor& bytes);
torch::Tensor to_bytes(const torch::Tensor& unit_range);

}  // namespace jl::models
