#include "models/text_encoder.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void TextEncoderConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("text encoder config: " + what);
  };
  require(!vocabulary.empty(), "vocabulary must not be empty");
  require(max_words >= 4 && max_words <= 256, "max_words must be in 4..256");
  require(dim >= 8 && dim <= 2048 && layers >= 0 && layers <= 32, "dim must be in 8..2048 and layers in 0..32");
  require(heads >= 1 && dim % heads == 0, "dim must be a multiple of heads");
}

TextEncoderImpl::TextEncoderImpl(TextEncoderConfig cfg) : config(std::move(cfg)) {
  config.validate();
  const int64_t vocab = kFirstWord + int64_t(config.vocabulary.size());
  words = register_module("words", torch::nn::Embedding(vocab, config.dim));
  positions = register_parameter("positions", torch::randn({config.max_words, config.dim}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.layers; ++i) blocks->push_back(TransformerBlock(config.dim, config.heads, 4 * config.dim));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.dim})));
}

TextBatch TextEncoderImpl::tokenize(const std::vector<std::string>& prompts) const {
  std::map<std::string, int64_t> ids;
  for (size_t i = 0; i < config.vocabulary.size(); ++i) ids[config.vocabulary[i]] = kFirstWord + int64_t(i);
  const int64_t n = int64_t(prompts.size()), width = config.max_words;
  TextBatch batch{torch::full({n, width}, kPadWord, torch::kLong), torch::ones({n, width}, torch::kBool)};
  auto id = batch.ids.accessor<int64_t, 2>();
  auto pad = batch.padding.accessor<bool, 2>();
  for (int64_t b = 0; b < n; ++b) {
    std::vector<int64_t> row;
    std::istringstream words_in(prompts[size_t(b)]);
    for (std::string word; words_in >> word;) {
      std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      auto found = ids.find(word);
      if (found == ids.end()) {
        std::string known;
        for (const std::string& w : config.vocabulary) known += (known.empty() ? "" : " ") + w;
        throw Error("unknown word '" + word + "' in prompt \"" + prompts[size_t(b)] + "\" (the words known: " + known + ")");
      }
      row.push_back(found->second);
    }
    if (row.empty()) row.push_back(kNullWord);
    if (int64_t(row.size()) > width)
      throw Error("prompt \"" + prompts[size_t(b)] + "\" has " + std::to_string(row.size()) + " words; the text encoder takes at most " +
                  std::to_string(width));
    for (size_t i = 0; i < row.size(); ++i) {
      id[b][int64_t(i)] = row[i];
      pad[b][int64_t(i)] = false;
    }
  }
  return batch;
}

torch::Tensor TextEncoderImpl::forward(const TextBatch& batch) {
  const int64_t length = batch.ids.size(1);
  TORCH_CHECK(length <= config.max_words, "TextEncoder: ", length, " words, at most ", config.max_words);
  torch::Tensor x = words(batch.ids) + positions.narrow(0, 0, length).unsqueeze(0);
  const torch::Tensor bias = attention_bias(batch.padding, length, 0, /*causal=*/false);
  for (const auto& block : *blocks) x = block->as<TransformerBlock>()->forward(x, bias);
  return norm(x).masked_fill(batch.padding.unsqueeze(-1), 0.0);
}

TextEncoder load_text_encoder(const std::filesystem::path& path) {
  return load_model<TextEncoder, TextEncoderConfig>(path, kTextEncoderModel);
}

}  // namespace jl::models
