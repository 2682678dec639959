// The models a token generator needs, fetched from the ModelStore (loaded once per process) and
// checked against each other: the generator must predict the tokenizer's codebook on its grid, and
// read the text encoder's features.
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

namespace jl::tokens {

std::shared_ptr<models::PatchTokenizerImpl> load_tokenizer(models::ModelStore& store, const std::string& name);
std::shared_ptr<models::TextEncoderImpl> load_text_encoder(models::ModelStore& store, const std::string& name);
// `causal`: whether the caller needs an autoregressive (true) or a MaskGIT (false) model.
std::shared_ptr<models::TokenTransformerImpl> load_generator(models::ModelStore& store, const std::string& name, bool causal);

// jl::Error naming both checkpoints when the generator does not fit the tokenizer or the text encoder.
void check_compatible(const models::TokenTransformerImpl& generator, const std::string& generator_name,
                      const models::PatchTokenizerImpl& tokenizer, const std::string& tokenizer_name,
                      const models::TextEncoderImpl& text_encoder, const std::string& text_encoder_name);

// Any picture (gray/RGB/RGBA, 8/16 bit, any size) as the tokenizer's input: RGB, resized to its side,
// float [1, 3, N, N] in [-1, 1].
torch::Tensor tokenizer_input(const models::PatchTokenizerImpl& tokenizer, const cv::Mat& pixels);
// The picture's tokens in raster order.
std::vector<int64_t> tokenize_image(models::PatchTokenizerImpl& tokenizer, const cv::Mat& pixels);

}  // namespace jl::tokens
