// The token models: patch tokenizer (VQ), text encoder, token transformer. Shapes, the KV cache
// against full recomputation, strict checkpoints and their named errors.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "models/checkpoint.h"
#include "models/patch_tokenizer.h"
#include "models/text_encoder.h"
#include "models/token_transformer.h"
#include "test_util.h"
#include "tiny_models.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::TempDir;

namespace {

models::TextBatch tiny_prompts(models::TextEncoderImpl& encoder) {
  return encoder.tokenize({"a red circle", "a small blue star left of a green cross on a gray background", ""});
}

}  // namespace

TEST_CASE("vector quantizer: k-means start, usage and dead entries restarted", "[models]") {
  torch::manual_seed(0);
  models::VectorQuantizer vq(16, 4, 0.5);
  vq->train();
  // Two points only: k-means puts entries on both, and the other entries then go unused.
  const torch::Tensor z = torch::cat({torch::ones({8, 4, 4, 4}), -torch::ones({8, 4, 4, 4})});
  const auto out = vq->forward(z);
  CHECK(out.indices.sizes() == torch::IntArrayRef({16, 4, 4}));
  CHECK(out.quantized.sizes() == z.sizes());
  const auto usage = models::codebook_usage(out.indices, 16);
  CHECK(usage.used >= 2);
  CHECK(usage.perplexity >= 1.9);
  // With decay 0.5, unused entries fall below the restart threshold within a few steps.
  for (int i = 0; i < 10; ++i) vq->forward(z);
  CHECK(vq->restarted() > 0);
  // Eval mode only looks up: the same input, the same indices, and the codebook does not move.
  vq->eval();
  const torch::Tensor a = vq->nearest(z), b = vq->nearest(z);
  CHECK(torch::equal(a, b));
  CHECK(torch::equal(vq->lookup(a), vq->forward(z).quantized));
}

TEST_CASE("patch tokenizer: 64x64 pictures to a 16x16 token grid and back", "[models]") {
  torch::manual_seed(0);
  models::PatchTokenizer tokenizer(test::tiny_tokenizer_config());
  tokenizer->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::rand({2, 3, 64, 64}) * 2 - 1;
  const torch::Tensor tokens = tokenizer->encode(images);
  CHECK(tokens.sizes() == torch::IntArrayRef({2, 16, 16}));
  CHECK(tokens.min().item<int64_t>() >= 0);
  CHECK(tokens.max().item<int64_t>() < 32);
  const torch::Tensor back = tokenizer->decode(tokens);
  CHECK(back.sizes() == images.sizes());
  CHECK(back.abs().max().item<float>() <= 1.0f);
  CHECK_THROWS_WITH(tokenizer->encode(torch::zeros({1, 3, 32, 32})), Contains("expected images [B, 3, 64, 64]"));
  CHECK_THROWS_WITH(tokenizer->decode(torch::full({1, 16, 16}, 32, torch::kLong)), Contains("outside the codebook"));
  CHECK_THROWS_WITH(models::PatchTokenizer(models::PatchTokenizerConfig{64, {8}, 1, 16, 4, 0.99, 0.25}),
                    Contains("channels needs 2 to 5 levels"));
}

TEST_CASE("text encoder: words to ids, the null prompt, and unknown words named", "[models]") {
  models::TextEncoder encoder(test::tiny_text_encoder_config());
  encoder->eval();
  const models::TextBatch batch = tiny_prompts(*encoder);
  CHECK(batch.ids.sizes() == torch::IntArrayRef({3, 20}));
  CHECK(batch.padding[0].logical_not().sum().item<int64_t>() == 3);  // "a red circle"
  CHECK(batch.ids[2][0].item<int64_t>() == models::kNullWord);      // "" is the null condition
  CHECK(batch.padding[2].logical_not().sum().item<int64_t>() == 1);
  // Case and spacing do not matter.
  CHECK(torch::equal(encoder->tokenize({"A  RED circle "}).ids, encoder->tokenize({"a red circle"}).ids));
  CHECK_THROWS_WITH(encoder->tokenize({"a red dragon"}), Contains("unknown word 'dragon'") && Contains("circle"));
  std::string many;
  for (int i = 0; i < 21; ++i) many += "red ";
  CHECK_THROWS_WITH(encoder->tokenize({many}), Contains("at most 20"));

  torch::NoGradGuard no_grad;
  const torch::Tensor features = encoder->forward(batch);
  CHECK(features.sizes() == torch::IntArrayRef({3, 20, 16}));
  CHECK(features[0].narrow(0, 3, 17).abs().max().item<float>() == 0.0f);  // padding is zero
  // A prompt's features do not depend on what else is in the batch.
  const torch::Tensor alone = encoder->encode({"a red circle"});
  CHECK(torch::allclose(alone[0], features[0], 1e-5, 1e-6));
}

TEST_CASE("token transformer: KV-cache decoding equals full recomputation", "[models]") {
  models::TextEncoder encoder(test::tiny_text_encoder_config());
  test::randomize(*encoder, 2, 0.3);
  models::TokenTransformerConfig config = test::tiny_transformer_config(true);
  config.relative_positions = GENERATE(false, true);
  CAPTURE(config.relative_positions);
  models::TokenTransformer model(config);
  test::randomize(*model, 3, 0.3);
  model->eval();
  torch::NoGradGuard no_grad;
  const models::TextBatch text = tiny_prompts(*encoder);
  const torch::Tensor features = encoder->forward(text);
  const torch::Tensor tokens = torch::randint(32, {3, 256}, torch::kLong);
  const torch::Tensor full = model->forward(features, text.padding, tokens);
  REQUIRE(full.sizes() == torch::IntArrayRef({3, 256, 32}));

  // One position at a time: [BOS], then each token.
  models::KVCache cache = model->start(features, text.padding);
  std::vector<torch::Tensor> steps;
  steps.push_back(model->decode(cache, torch::full({3, 1}, model->config.special_token(), torch::kLong)));
  for (int64_t p = 1; p < 256; ++p) steps.push_back(model->decode(cache, tokens.narrow(1, p - 1, 1)));
  const torch::Tensor cached = torch::cat(steps, 1);
  CHECK((cached - full).abs().max().item<float>() < 1e-4f);

  // Several positions per call, and a rollback followed by the same inputs, give the same logits.
  models::KVCache chunked = model->start(features, text.padding);
  const torch::Tensor inputs = torch::cat({torch::full({3, 1}, model->config.special_token(), torch::kLong),
                                           tokens.narrow(1, 0, 255)}, 1);
  const torch::Tensor first = model->decode(chunked, inputs.narrow(1, 0, 100));
  const torch::Tensor rest = model->decode(chunked, inputs.narrow(1, 100, 156));
  CHECK((torch::cat({first, rest}, 1) - full).abs().max().item<float>() < 1e-4f);
  chunked.length = model->config.text_len + 50;
  CHECK(model->decoded(chunked) == 50);
  const torch::Tensor again = model->decode(chunked, inputs.narrow(1, 50, 10));
  CHECK((again - full.narrow(1, 50, 10)).abs().max().item<float>() < 1e-4f);
  CHECK_THROWS_WITH(model->decode(chunked, inputs.narrow(1, 0, 250)), Contains("runs past the 256 tokens"));

  // A text encoder of another shape is named, not a crash.
  CHECK_THROWS_WITH(model->forward(torch::zeros({1, 20, 8}), torch::zeros({1, 20}, torch::kBool), tokens.narrow(0, 0, 1)),
                    Contains("expected text features [B, 20, 16]"));
  models::TokenTransformer maskgit(test::tiny_transformer_config(false));
  CHECK_THROWS_WITH(maskgit->start(features, text.padding), Contains("MaskGIT model has no KV-cache"));
}

TEST_CASE("token model checkpoints: self-describing, strict, and mismatches named", "[models]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  const auto tokenizer = models::load_patch_tokenizer(dir / "tokenizer.safetensors");
  CHECK(tokenizer->config.codebook_size == 32);
  const auto ar = models::load_token_transformer(dir / "ar.safetensors");
  CHECK(ar->config.causal);
  CHECK(ar->config.dim == 32);
  // The right loader for the wrong file says what the file is.
  CHECK_THROWS_WITH(models::load_text_encoder(dir / "tokenizer.safetensors"),
                    Contains("is a checkpoint of model 'patch_tokenizer', expected 'text_encoder'"));
  // A config that does not describe the tensors: the tensor and both shapes are named.
  models::Checkpoint original(dir / "ar.safetensors");
  models::CheckpointInfo info = original.info();
  info.config["dim"] = 64;
  info.config["heads"] = 2;
  std::map<std::string, at::Tensor> tensors;
  for (const std::string& name : original.names()) tensors[name] = original.tensor(name);
  models::save_tensors(dir / "lying.safetensors", tensors, info.to_metadata());
  CHECK_THROWS_WITH(models::load_token_transformer(dir / "lying.safetensors"),
                    Contains("lying.safetensors") && Contains("got [") && Contains("expected ["));
  // A config with a field missing or invalid is named too.
  info.config.erase("grid");
  models::save_tensors(dir / "partial.safetensors", tensors, info.to_metadata());
  CHECK_THROWS_WITH(models::load_token_transformer(dir / "partial.safetensors"),
                    Contains("partial.safetensors") && Contains("grid"));
  info = original.info();
  info.config["heads"] = 5;
  models::save_tensors(dir / "bad.safetensors", tensors, info.to_metadata());
  CHECK_THROWS_WITH(models::load_token_transformer(dir / "bad.safetensors"), Contains("multiple of heads"));
}

TEST_CASE("token transformer: the offset bias is the same everywhere on the grid", "[models]") {
  models::TokenTransformerConfig config = test::tiny_transformer_config(false);
  models::TokenTransformer model(config);
  CHECK(model->named_parameters().contains("offset_bias"));
  // Checkpoints from before the offset bias lack the field: they load as absolute positions only.
  nlohmann::json json = config;
  json.erase("relative_positions");
  CHECK_FALSE(json.get<models::TokenTransformerConfig>().relative_positions);
  CHECK_FALSE(models::TokenTransformer(json.get<models::TokenTransformerConfig>())->named_parameters().contains("offset_bias"));

  // The bias between two image positions depends only on their offset; none towards the prompt.
  test::randomize(*model, 7, 0.3);
  torch::NoGradGuard no_grad;
  const int64_t g = config.grid, text = config.text_len, keys = text + g * g;
  const torch::Tensor bias = model->position_bias(0, g * g, keys)[0];  // [heads, g*g, keys]
  REQUIRE(bias.sizes() == torch::IntArrayRef({config.heads, g * g, keys}));
  CHECK(bias.narrow(2, 0, text).abs().max().item<float>() == 0.0f);
  auto at = [&](int64_t qr, int64_t qc, int64_t kr, int64_t kc) { return bias.select(1, qr * g + qc)[0][text + kr * g + kc].item<float>(); };
  CHECK(at(5, 5, 6, 3) == at(8, 9, 9, 7));
  CHECK(at(5, 5, 6, 3) != at(5, 5, 3, 6));
  // Rows of the middle of the sequence (what decoding asks for) are the same rows.
  CHECK(torch::equal(model->position_bias(40, 3, text + 43)[0], bias.narrow(1, 40, 3).narrow(2, 0, text + 43)));
}