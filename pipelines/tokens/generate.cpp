#include "pipelines/tokens/generate.h"

#include "media_io/tensor_image.h"
#include "pipelines/tokens/generator_models.h"
#include "pipelines/tokens/maskgit.h"

namespace jl::tokens {

namespace {

// Progress of image `index` of `count` as a part of the whole run's progress.
Callbacks image_callbacks(const Callbacks& outer, int index, int count) {
  Callbacks inner = outer;
  if (outer.progress)
    inner.progress = [outer, index, count](int64_t step, int64_t total, const cv::Mat* preview) {
      outer.progress(int64_t(index) * total + step, int64_t(count) * total, preview);
    };
  return inner;
}

}  // namespace

TokenModels load_token_models(models::ModelStore& store, const Txt2ImgParams& params) {
  TokenModels models;
  const std::string tokenizer = models::tokenizer_for(store, params.model_name(), params.tokenizer);
  models.tokenizer = load_tokenizer(store, tokenizer);
  const std::string text_encoder = models::text_encoder_for(store, params.model_name(), params.text_encoder);
  models.text_encoder = load_text_encoder(store, text_encoder);
  models.generator = load_generator(store, params.model_name(), params.method == Txt2ImgMethod::Ar);
  check_compatible(*models.generator, params.model_name(), *models.tokenizer, tokenizer, *models.text_encoder,
                   text_encoder);
  if (!params.draft.empty()) {
    models.draft = load_generator(store, params.draft, /*causal=*/true);
    check_compatible(*models.draft, params.draft, *models.tokenizer, tokenizer, *models.text_encoder, text_encoder);
  }
  return models;
}

std::vector<cv::Mat> generate_images(const TokenModels& models, const std::vector<std::string>& prompts,
                                     const Txt2ImgParams& params, uint64_t first_seed, const Callbacks& callbacks,
                                     DecodeStats& stats, torch::Tensor* drawn) {
  torch::NoGradGuard no_grad;
  const int count = int(prompts.size());
  const Condition cond = encode_prompts(*models.text_encoder, prompts);
  const Condition uncond =
      encode_prompts(*models.text_encoder, std::vector<std::string>(size_t(count), params.negative_prompt));
  std::vector<at::Generator> generators = image_generators(first_seed, count);

  DecodeOptions decode;
  decode.sampling = {params.sampling_temperature(), params.top_k, params.top_p};
  decode.watermark = params.watermark;
  decode.kv_cache = params.kv_cache;
  decode.preview = tokenizer_preview(models.tokenizer);
  torch::Tensor grid;  // [count, N]
  if (!models.generator->config.causal) {
    MaskGitOptions options = maskgit_options(params);
    options.preview = decode.preview;
    GuidedTransformer model(*models.generator, cond, uncond, params.guidance(), /*bfloat16=*/true);
    const int64_t n = models.generator->config.image_tokens();
    grid = decode_maskgit(model, torch::zeros({count, n}, torch::kLong), torch::ones({count, n}, torch::kBool), options,
                          generators, callbacks);
    stats.target_passes += params.step_count();
  } else if (!models.draft) {
    GuidedTransformer model(*models.generator, cond, uncond, params.guidance());
    grid = decode_autoregressive(model, decode, generators, callbacks, stats);
  } else {
    std::vector<torch::Tensor> rows;
    for (int i = 0; i < count; ++i) {
      GuidedTransformer target(*models.generator, cond.rows(i, 1), uncond.rows(i, 1), params.guidance());
      GuidedTransformer draft(*models.draft, cond.rows(i, 1), uncond.rows(i, 1), params.guidance());
      rows.push_back(decode_speculative(target, draft, params.gamma, decode, generators[size_t(i)],
                                        image_callbacks(callbacks, i, count), stats));
    }
    grid = torch::cat(rows);
  }
  if (drawn) *drawn = grid;
  const int64_t g = models.tokenizer->config.grid();
  const torch::Tensor pictures = models.tokenizer->decode(grid.view({count, g, g}));
  std::vector<cv::Mat> out;
  for (int i = 0; i < count; ++i) out.push_back(media::tensor_to_image(pictures[i], media::TensorRange::MinusOneOne));
  return out;
}

}  // namespace jl::tokens
