// Tiny, randomly initialised models for tests: the whole token pipeline (tokenizer, text encoder,
// autoregressive target and draft, MaskGIT) and a diffusion denoiser over the same tokenizer, in well
// under a second, with weights scaled up so that their distributions are far from uniform and the
// target and draft disagree.
#pragma once

#include <torch/torch.h>

#include <filesystem>

#include "models/patch_tokenizer.h"
#include "models/text_encoder.h"
#include "models/token_transformer.h"
#include "models/unet_denoiser.h"

namespace jl::test {

models::PatchTokenizerConfig tiny_tokenizer_config();
models::TextEncoderConfig tiny_text_encoder_config();
models::TokenTransformerConfig tiny_transformer_config(bool causal, int dim = 32, int layers = 2);
models::UNetDenoiserConfig tiny_denoiser_config();

// Every parameter redrawn from N(0, scale) with torch's generator seeded by `seed` (LayerNorms reset
// to the identity).
void randomize(torch::nn::Module& module, uint64_t seed, double scale);

// Writes tokenizer, text_encoder, ar, ar_draft, maskgit and diffusion .safetensors into `dir`.
void write_tiny_models(const std::filesystem::path& dir);

}  // namespace jl::test
