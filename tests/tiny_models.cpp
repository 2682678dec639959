#include "tiny_models.h"

#include "models/checkpoint.h"
#include "world/caption.h"

namespace jl::test {

models::PatchTokenizerConfig tiny_tokenizer_config() {
  models::PatchTokenizerConfig c;
  c.channels = {8, 8, 16};
  c.blocks = 0;
  c.codebook_size = 32;
  c.code_dim = 4;
  return c;
}

models::TextEncoderConfig tiny_text_encoder_config() {
  models::TextEncoderConfig c;
  c.vocabulary = world::vocabulary();
  c.dim = 16;
  c.layers = 1;
  c.heads = 2;
  return c;
}

models::TokenTransformerConfig tiny_transformer_config(bool causal, int dim, int layers) {
  models::TokenTransformerConfig c;
  c.vocab = tiny_tokenizer_config().codebook_size;
  c.grid = tiny_tokenizer_config().grid();
  c.text_dim = tiny_text_encoder_config().dim;
  c.text_len = tiny_text_encoder_config().max_words;
  c.dim = dim;
  c.layers = layers;
  c.heads = 2;
  c.causal = causal;
  c.relative_positions = true;  // as trained now
  return c;
}

models::UNetDenoiserConfig tiny_denoiser_config() {
  models::UNetDenoiserConfig c;
  c.latent_channels = tiny_tokenizer_config().code_dim;
  c.latent_size = tiny_tokenizer_config().grid();
  c.channels = {8, 16, 16};
  c.blocks = 1;
  c.heads = 2;
  c.text_dim = tiny_text_encoder_config().dim;
  c.text_len = tiny_text_encoder_config().max_words;
  return c;
}

void randomize(torch::nn::Module& module, uint64_t seed, double scale) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) {
    if (p.key().find("norm") != std::string::npos)
      p.value().fill_(p.key().find("weight") != std::string::npos ? 1.0 : 0.0);  // LayerNorm stays a normalisation
    else
      p.value().normal_(0, scale);
  }
}

void write_tiny_models(const std::filesystem::path& dir) {
  auto save = [&](torch::nn::Module& module, const std::string& name, const std::string& model, nlohmann::json config) {
    models::CheckpointInfo info;
    info.model = model;
    info.config = std::move(config);
    info.command = "tests: tiny random model";
    models::save_checkpoint(dir / (name + ".safetensors"), module, info);
  };
  torch::manual_seed(1);
  models::PatchTokenizer tokenizer(tiny_tokenizer_config());
  {
    // Give the codebook distinct entries and train-mode k-means a batch, so encode/decode are non-trivial.
    tokenizer->train();
    torch::NoGradGuard no_grad;
    tokenizer->forward(torch::rand({4, 3, 64, 64}) * 2 - 1);
    tokenizer->eval();
  }
  save(*tokenizer, "tokenizer", models::kPatchTokenizerModel, tokenizer->config);
  models::TextEncoder text(tiny_text_encoder_config());
  randomize(*text, 2, 0.3);
  save(*text, "text_encoder", models::kTextEncoderModel, text->config);
  models::TokenTransformer ar(tiny_transformer_config(true));
  randomize(*ar, 3, 0.3);
  save(*ar, "ar", models::kTokenTransformerModel, ar->config);
  models::TokenTransformer draft(tiny_transformer_config(true, 16, 1));
  randomize(*draft, 4, 0.3);
  save(*draft, "ar_draft", models::kTokenTransformerModel, draft->config);
  models::TokenTransformer maskgit(tiny_transformer_config(false));
  randomize(*maskgit, 5, 0.3);
  save(*maskgit, "maskgit", models::kTokenTransformerModel, maskgit->config);
  models::UNetDenoiser denoiser(tiny_denoiser_config());
  randomize(*denoiser, 6, 0.1);
  save(*denoiser, "diffusion", models::kUNetDenoiserModel, denoiser->config);
}

}  // namespace jl::test
