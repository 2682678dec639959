// TextEncoder: prompts -> one feature vector per word, the condition every generator (autoregressive,
// MaskGIT, diffusion) reads. An unknown word is an error listing the vocabulary, never a silent guess
// (pipelines check the grammar of the whole sentence before this). An empty prompt is the "null"
// condition that classifier-free guidance contrasts with.
//
// It is trained on its own (`jielong train text`) to make every attribute of the scene the prompt
// describes readable from its features, then frozen and shared by all generators.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/transformer_block.h"

namespace jl::models {

struct TextEncoderConfig {
  std::vector<std::string> vocabulary;  // word i has id i + kFirstWord (the trainer stores the world's)
  int max_words = 20;                   // the longest caption the grammar makes has 17 words
  int dim = 128;
  int layers = 2;
  int heads = 4;
  void validate() const;
};
// JSON with every field required (a checkpoint config missing one is an error naming it).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TextEncoderConfig, vocabulary, max_words, dim, layers, heads)

inline constexpr int64_t kPadWord = 0;   // after the last word
inline constexpr int64_t kNullWord = 1;  // the whole of an empty prompt
inline constexpr int64_t kFirstWord = 2;

// Encoded prompts: word ids and which positions are padding.
struct TextBatch {
  torch::Tensor ids;      // [B, max_words] int64
  torch::Tensor padding;  // [B, max_words] bool
};

class TextEncoderImpl : public torch::nn::Module {
 public:
  explicit TextEncoderImpl(TextEncoderConfig config);

  // Maps words to ids (any case, any spacing); "" is the null condition. jl::Error for an unknown word
  // (listing the vocabulary) or too many words.
  TextBatch tokenize(const std::vector<std::string>& prompts) const;
  // [B, max_words, dim]; padding positions are zero.
  torch::Tensor forward(const TextBatch& batch);
  torch::Tensor encode(const std::vector<std::string>& prompts) { return forward(tokenize(prompts)); }

  TextEncoderConfig config;

 private:
  torch::nn::Embedding words{nullptr};
  torch::Tensor positions;
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TextEncoder);

inline constexpr const char* kTextEncoderModel = "text_encoder";

// Builds the model a checkpoint describes and loads it strictly (eval mode).
TextEncoder load_text_encoder(const std::filesystem::path& path);

}  // namespace jl::models
