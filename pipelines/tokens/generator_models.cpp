#include "pipelines/tokens/generator_models.h"

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/tensor_image.h"
#include "pipelines/text_condition.h"

namespace jl::tokens {

std::shared_ptr<models::PatchTokenizerImpl> load_tokenizer(models::ModelStore& store, const std::string& name) {
  return store.get<models::PatchTokenizerImpl>(
      name, [](const std::filesystem::path& path) { return models::load_patch_tokenizer(path).ptr(); });
}

std::shared_ptr<models::TextEncoderImpl> load_text_encoder(models::ModelStore& store, const std::string& name) {
  return store.get<models::TextEncoderImpl>(name,
                                            [](const std::filesystem::path& path) { return models::load_text_encoder(path).ptr(); });
}

std::shared_ptr<models::TokenTransformerImpl> load_generator(models::ModelStore& store, const std::string& name,
                                                             bool causal) {
  auto model = store.get<models::TokenTransformerImpl>(
      name, [](const std::filesystem::path& path) { return models::load_token_transformer(path).ptr(); });
  if (model->config.causal != causal)
    throw Error("model '" + name + "' is " + (model->config.causal ? "an autoregressive" : "a MaskGIT") +
                " generator; this method needs " + (causal ? "an autoregressive" : "a MaskGIT") + " one");
  return model;
}

void check_compatible(const models::TokenTransformerImpl& generator, const std::string& generator_name,
                      const models::PatchTokenizerImpl& tokenizer, const std::string& tokenizer_name,
                      const models::TextEncoderImpl& text_encoder, const std::string& text_encoder_name) {
  const auto& g = generator.config;
  if (g.vocab != tokenizer.config.codebook_size || g.grid != tokenizer.config.grid())
    throw Error("generator '" + generator_name + "' predicts " + std::to_string(g.vocab) + " codes on a " +
                std::to_string(g.grid) + "x" + std::to_string(g.grid) + " grid, but tokenizer '" + tokenizer_name +
                "' has " + std::to_string(tokenizer.config.codebook_size) + " codes on " +
                std::to_string(tokenizer.config.grid()) + "x" + std::to_string(tokenizer.config.grid()) +
                "; use the tokenizer it was trained with (--tokenizer)");
  check_reads_text(generator_name, g.text_dim, g.text_len, text_encoder, text_encoder_name);
}

torch::Tensor tokenizer_input(const models::PatchTokenizerImpl& tokenizer, const cv::Mat& pixels) {
  media::Image image = media::to_rgb8(media::Image{pixels, {}});
  const int n = tokenizer.config.image_size;
  if (image.width() != n || image.height() != n) image = media::resize(image, n, n);
  return media::image_to_tensor(image.pixels, media::TensorRange::MinusOneOne).unsqueeze(0);
}

std::vector<int64_t> tokenize_image(models::PatchTokenizerImpl& tokenizer, const cv::Mat& pixels) {
  torch::NoGradGuard no_grad;
  const torch::Tensor grid = tokenizer.encode(tokenizer_input(tokenizer, pixels)).reshape({-1}).contiguous();
  return std::vector<int64_t>(grid.data_ptr<int64_t>(), grid.data_ptr<int64_t>() + grid.numel());
}

}  // namespace jl::tokens
