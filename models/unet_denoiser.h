// UNetDenoiser: the network behind `txt2img --method diffusion`. It works in the latent space of the
// patch tokenizer (its 16x16 grid of 16-dimensional code vectors, scaled to about unit variance), so
// one step costs a sixteenth of a pixel-space UNet's and the tokenizer's decoder, already trained to
// draw crisp shapes, makes the pixels.
//
// Levels of residual blocks (conditioned on the time and the pooled prompt), each followed by
// cross-attention to the prompt's word features (so "left of" and "in the top right" can place
// things) and, at the coarser levels, self-attention over the positions. Skip connections join the mirrored levels.
//
// It predicts what its config's `prediction` says at the time it is given; the noise schedule, the
// sampler and guidance live in pipelines/ (the schedule fields below only record how it was trained).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace jl::models {

struct UNetDenoiserConfig {
  int latent_channels = 16;              // the tokenizer's code_dim
  int latent_size = 16;                  // the tokenizer's grid: the side it was trained at
  std::vector<int> channels{64, 128, 128};  // per level; the side halves between levels (9M parameters)
  int blocks = 2;                        // residual blocks per level on the way down (one more up)
  std::vector<int> self_attention{1, 2}; // levels with self-attention (all have cross-attention to the
                                         // prompt); at the full 16x16 it costs more than it gives
  int heads = 4;                         // attention heads at every level
  int text_dim = 128;                    // the text encoder's feature size
  int text_len = 20;                     // the text encoder's max_words
  // How it was trained, read by the samplers:
  std::string schedule = "cosine";       // the noise schedule over `train_steps`
  int train_steps = 1000;
  std::string prediction = "v";          // "v" (velocity) or "eps" (noise)
  double latent_scale = 4.0;             // code vectors are unit vectors: x4 gives about unit variance per channel
  // An inpainting model also sees the known part of the picture: its latents (zero where redrawn) and
  // the keep mask, through an input convolution of its own (zero at the start of fine-tuning, so it
  // starts as the text-to-image model it was initialised from).
  bool inpainting = false;
  void validate() const;

  int downsample() const { return 1 << (channels.size() - 1); }
  int embedding_dim() const { return 4 * channels.front(); }
  bool has_self_attention(size_t level) const;
};
// JSON with every field required (a checkpoint config missing one is an error naming it), except
// `inpainting`, which older checkpoints lack.
void to_json(nlohmann::json& j, const UNetDenoiserConfig& config);
void from_json(const nlohmann::json& j, UNetDenoiserConfig& config);

class UNetDenoiserImpl : public torch::nn::Module {
 public:
  explicit UNetDenoiserImpl(const UNetDenoiserConfig& config);

  // x: [B, latent_channels, H, W] (H, W multiples of downsample()); time: [B] float in
  // [0, train_steps - 1]; text: [B, text_len, text_dim], padding: [B, text_len] bool (true = not a
  // word). Returns the prediction, shaped like x.
  // known (inpainting models): [B, latent_channels + 1, H, W], the known latents (zero where redrawn)
  // and the keep mask (1 known, 0 redrawn); undefined means nothing is known (text-to-image).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& time, const torch::Tensor& text,
                        const torch::Tensor& padding, const torch::Tensor& known = {});

  UNetDenoiserConfig config;

 private:
  torch::Tensor embed(const torch::Tensor& time, const torch::Tensor& text, const torch::Tensor& padding);

  torch::nn::Conv2d input{nullptr}, known_input{nullptr}, output{nullptr};
  torch::nn::GroupNorm output_norm{nullptr};
  torch::nn::Sequential time_mlp{nullptr};
  torch::nn::Linear text_pool{nullptr};
  // One stage = a residual block and its attention; down stages then a downsampler per level, the
  // middle, then up stages (reading the skips) and an upsampler per level.
  torch::nn::ModuleList down{nullptr}, downsamplers{nullptr}, middle{nullptr}, up{nullptr}, upsamplers{nullptr};
};
TORCH_MODULE(UNetDenoiser);

inline constexpr const char* kUNetDenoiserModel = "unet_denoiser";

// Builds the model a checkpoint describes and loads it strictly (eval mode).
UNetDenoiser load_unet_denoiser(const std::filesystem::path& path);

}  // namespace jl::models
