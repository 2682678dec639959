#include "pipelines/txt2img.h"

#include <chrono>
#include <sstream>

#include "core/error.h"
#include "media_io/tensor_image.h"
#include "pipelines/tokens/generate.h"
#include "pipelines/tokens/generator_models.h"
#include "pipelines/tokens/maskgit.h"
#include "world/caption.h"

namespace jl {

namespace {

const std::vector<std::pair<Txt2ImgMethod, std::string>> kMethods = {{Txt2ImgMethod::Ar, "ar"},
                                                                     {Txt2ImgMethod::MaskGit, "maskgit"}};

// A sub-range of the overall progress: image `index` of `count`, each `per_image` units.
Callbacks image_callbacks(const Callbacks& outer, int index, int count) {
  Callbacks inner = outer;
  if (outer.progress)
    inner.progress = [outer, index, count](int64_t step, int64_t total, const cv::Mat* preview) {
      outer.progress(int64_t(index) * total + step, int64_t(count) * total, preview);
    };
  return inner;
}

}  // namespace

const char* name_of(Txt2ImgMethod method) {
  for (const auto& [m, name] : kMethods)
    if (m == method) return name.c_str();
  return "?";
}

const std::vector<std::string>& txt2img_method_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& entry : kMethods) out.push_back(entry.second);
    return out;
  }();
  return names;
}

Txt2ImgMethod parse_txt2img_method(const std::string& name) {
  for (const auto& [m, n] : kMethods)
    if (n == name) return m;
  std::string known;
  for (const auto& entry : kMethods) known += (known.empty() ? "" : ", ") + entry.second;
  throw UsageError("unknown method '" + name + "' (choose one of: " + known + ")");
}

std::string Txt2ImgParams::model_name() const { return model.empty() ? name_of(method) : model; }

void Txt2ImgParams::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  require(count >= 1 && count <= 10000, "-n must be in 1..10000, got " + std::to_string(count));
  require(cfg_scale >= 0 && cfg_scale <= 50, "--cfg-scale must be in 0..50");
  require(temperature >= 0 && temperature <= 10, "--temperature must be in 0..10 (0: greedy)");
  require(top_k >= 0, "--top-k must not be negative (0: off)");
  require(top_p > 0 && top_p <= 1, "--top-p must be in (0, 1] (1: off)");
  require(steps >= 1 && steps <= 256, "--steps must be in 1..256");
  require(choice_temperature >= 0 && choice_temperature <= 100, "--choice-temperature must be in 0..100");
  require(gamma >= 1 && gamma <= 64, "--gamma must be in 1..64");
  require(method == Txt2ImgMethod::Ar || draft.empty(), "--draft (speculative decoding) works with --method ar");
  require(method == Txt2ImgMethod::Ar || !watermark.enabled(), "--watermark works with --method ar");
  if (watermark.enabled()) watermark.validate();
  // The grammar's own errors (an unknown word lists the vocabulary); an empty prompt is unconditional.
  if (!prompt.empty()) world::parse_prompt(prompt);
  if (!negative_prompt.empty()) world::parse_prompt(negative_prompt);
}

std::string Txt2ImgParams::to_string() const {
  std::ostringstream out;
  out << prompt << "\n";
  if (!negative_prompt.empty()) out << "Negative prompt: " << negative_prompt << "\n";
  out << "Method: " << name_of(method) << ", Model: " << model_name();
  if (!draft.empty()) out << ", Draft: " << draft << ", Gamma: " << gamma;
  if (method == Txt2ImgMethod::MaskGit) out << ", Steps: " << steps << ", Choice temperature: " << choice_temperature;
  out << ", CFG scale: " << cfg_scale << ", Temperature: " << temperature;
  if (top_k) out << ", Top-k: " << top_k;
  if (top_p < 1) out << ", Top-p: " << top_p;
  out << ", Seed: " << seed << ", Tokenizer: " << tokenizer << ", Text encoder: " << text_encoder;
  if (watermark.enabled()) out << ", Watermark: gamma " << watermark.gamma << " delta " << watermark.delta;
  return out.str();
}

namespace tokens {

std::vector<cv::Mat> generate_images(const TokenModels& models, const std::vector<std::string>& prompts,
                                     const Txt2ImgParams& params, uint64_t first_seed, const Callbacks& callbacks,
                                     DecodeStats& stats) {
  torch::NoGradGuard no_grad;
  const int count = int(prompts.size());
  const Condition cond = encode_prompts(*models.text_encoder, prompts);
  const Condition uncond =
      encode_prompts(*models.text_encoder, std::vector<std::string>(size_t(count), params.negative_prompt));
  std::vector<at::Generator> generators = image_generators(first_seed, count);

  DecodeOptions decode;
  decode.sampling = {params.temperature, params.top_k, params.top_p};
  decode.watermark = params.watermark;
  decode.kv_cache = params.kv_cache;
  torch::Tensor grid;  // [count, N]
  if (!models.generator->config.causal) {
    const MaskGitOptions options{params.steps, decode.sampling, params.choice_temperature};
    GuidedTransformer model(*models.generator, cond, uncond, params.cfg_scale);
    const int64_t n = models.generator->config.image_tokens();
    grid = decode_maskgit(model, torch::zeros({count, n}, torch::kLong), torch::ones({count, n}, torch::kBool), options,
                          generators, callbacks);
    stats.target_passes += params.steps;
  } else if (!models.draft) {
    GuidedTransformer model(*models.generator, cond, uncond, params.cfg_scale);
    grid = decode_autoregressive(model, decode, generators, callbacks, stats);
  } else {
    std::vector<torch::Tensor> rows;
    for (int i = 0; i < count; ++i) {
      auto row = [&](const Condition& c) { return Condition{c.features.narrow(0, i, 1), c.padding.narrow(0, i, 1)}; };
      GuidedTransformer target(*models.generator, row(cond), row(uncond), params.cfg_scale);
      GuidedTransformer draft(*models.draft, row(cond), row(uncond), params.cfg_scale);
      rows.push_back(decode_speculative(target, draft, params.gamma, decode, generators[size_t(i)],
                                        image_callbacks(callbacks, i, count), stats));
    }
    grid = torch::cat(rows);
  }
  const int64_t g = models.tokenizer->config.grid();
  const torch::Tensor pictures = models.tokenizer->decode(grid.view({count, g, g}));
  std::vector<cv::Mat> out;
  for (int i = 0; i < count; ++i) out.push_back(media::tensor_to_image(pictures[i], media::TensorRange::MinusOneOne));
  return out;
}

}  // namespace tokens

Txt2ImgResult txt2img(const Txt2ImgParams& params, models::ModelStore& store, const Callbacks& callbacks) {
  params.validate();
  tokens::TokenModels models;
  models.tokenizer = tokens::load_tokenizer(store, params.tokenizer);
  models.text_encoder = tokens::load_text_encoder(store, params.text_encoder);
  models.generator = tokens::load_generator(store, params.model_name(), params.method == Txt2ImgMethod::Ar);
  tokens::check_compatible(*models.generator, params.model_name(), *models.tokenizer, params.tokenizer,
                           *models.text_encoder, params.text_encoder);
  if (!params.draft.empty()) {
    models.draft = tokens::load_generator(store, params.draft, true);
    tokens::check_compatible(*models.draft, params.draft, *models.tokenizer, params.tokenizer, *models.text_encoder,
                             params.text_encoder);
  }

  const auto started = std::chrono::steady_clock::now();
  tokens::DecodeStats stats;
  const std::vector<cv::Mat> pictures = tokens::generate_images(
      models, std::vector<std::string>(size_t(params.count), params.prompt), params, params.seed, callbacks, stats);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  Txt2ImgResult result;
  for (int i = 0; i < params.count; ++i) {
    Txt2ImgParams one = params;
    one.seed = params.seed + uint64_t(i);
    one.count = 1;
    result.images.push_back({pictures[size_t(i)], one.seed, one.to_string()});
  }
  result.stats = {{"seconds", seconds},
                  {"images_per_second", seconds > 0 ? params.count / seconds : 0.0},
                  {"tokens", int64_t(params.count) * models.generator->config.image_tokens()},
                  {"target_passes", stats.target_passes}};
  if (models.draft) {
    result.stats["draft_passes"] = stats.draft_passes;
    result.stats["acceptance_rate"] = stats.acceptance_rate();
  }
  return result;
}

}  // namespace jl
