// The token generators' common path from prompts to pictures, on models already loaded: txt2img()
// calls it after fetching the models from the store, and the trainers call it on the model being
// trained to measure it on the holdout prompts.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "models/model_store.h"
#include "models/patch_tokenizer.h"
#include "models/text_encoder.h"
#include "models/token_transformer.h"
#include "pipelines/tokens/autoregressive.h"
#include "pipelines/txt2img.h"

namespace jl::tokens {

struct TokenModels {
  std::shared_ptr<models::PatchTokenizerImpl> tokenizer;
  std::shared_ptr<models::TextEncoderImpl> text_encoder;
  std::shared_ptr<models::TokenTransformerImpl> generator;
  std::shared_ptr<models::TokenTransformerImpl> draft;  // null: no speculative decoding
};

// The models `params` names (tokenizer, text encoder, the method's generator, the draft when given),
// from the store and checked against each other.
TokenModels load_token_models(models::ModelStore& store, const Txt2ImgParams& params);

// One picture per prompt (image i drawn with seed first_seed + i), with the sampling settings of
// `params` (its prompt, count and seed are not used). RGB CV_8UC3 at the tokenizer's side.
// `drawn` (optional) receives the token grids behind the pictures, [count, N].
std::vector<cv::Mat> generate_images(const TokenModels& models, const std::vector<std::string>& prompts,
                                     const Txt2ImgParams& params, uint64_t first_seed, const Callbacks& callbacks,
                                     DecodeStats& stats, torch::Tensor* drawn = nullptr);

}  // namespace jl::tokens
