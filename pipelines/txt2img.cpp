#include "pipelines/txt2img.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "core/enum_names.h"
#include "core/error.h"
#include "media_io/tensor_image.h"
#include "pipelines/image_generator.h"
#include "pipelines/tokens/mask_schedule.h"
#include "pipelines/net_upscaler.h"
#include "world/caption.h"

namespace jl {

namespace {

const EnumNames<Txt2ImgMethod> kMethods = {
    {Txt2ImgMethod::Ar, "ar"}, {Txt2ImgMethod::MaskGit, "maskgit"}, {Txt2ImgMethod::Diffusion, "diffusion"}};

}  // namespace

const char* name_of(Txt2ImgMethod method) { return name_in(kMethods, method); }

const std::vector<std::string>& txt2img_method_names() {
  static const std::vector<std::string> names = names_in(kMethods);
  return names;
}

Txt2ImgMethod parse_txt2img_method(const std::string& name) { return parse_in(kMethods, name, "method"); }

std::string Txt2ImgParams::model_name() const { return model.empty() ? name_of(method) : model; }

int Txt2ImgParams::step_count() const {
  if (steps > 0) return steps;
  return method == Txt2ImgMethod::Diffusion ? 20 : 8;
}

// The token generators' defaults are the best of sweeps on 100 holdout prompts: guidance 2 and
// temperature 0.5 gave ar (step ~5,300) 83% where 3 and 1 gave 54%, and maskgit (step 4,000 of its
// fine-tune) 59% where they gave 45%; stronger guidance and full temperature start extra objects and
// overshoot sizes. Diffusion keeps guidance 3.
double Txt2ImgParams::guidance() const {
  if (cfg_scale) return *cfg_scale;
  return method == Txt2ImgMethod::Diffusion ? 3.0 : 2.0;
}

double Txt2ImgParams::sampling_temperature() const {
  if (temperature) return *temperature;
  return 0.5;  // ar and maskgit alike (diffusion has no temperature)
}

void Txt2ImgParams::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  require(count >= 1 && count <= 10000, "-n must be in 1..10000, got " + std::to_string(count));
  require(guidance() >= 0 && guidance() <= 50, "--cfg-scale must be in 0..50");
  require(sampling_temperature() >= 0 && sampling_temperature() <= 10, "--temperature must be in 0..10 (0: greedy)");
  require(top_k >= 0, "--top-k must not be negative (0: off)");
  require(top_p > 0 && top_p <= 1, "--top-p must be in (0, 1] (1: off)");
  require(steps >= 0 && steps <= (method == Txt2ImgMethod::Diffusion ? 1000 : 256),
          method == Txt2ImgMethod::Diffusion ? "--steps must be in 1..1000 (0: 20)" : "--steps must be in 1..256 (0: 8)");
  require(tokens::MaskSchedule::parse(mask_schedule).has_value(), tokens::mask_schedule_error(mask_schedule));
  require(choice_temperature >= 0 && choice_temperature <= 100, "--choice-temperature must be in 0..100");
  require(gamma >= 1 && gamma <= 64, "--gamma must be in 1..64");
  require(method == Txt2ImgMethod::Ar || draft.empty(), "--draft (speculative decoding) works with --method ar");
  require(method == Txt2ImgMethod::Ar || !watermark.enabled(), "--watermark works with --method ar");
  if (watermark.enabled()) watermark.validate();
  require(method == Txt2ImgMethod::Diffusion || init_image.empty(), "--init-image (img2img) works with --method diffusion");
  require(eta >= 0 && eta <= 1, "--eta must be in 0..1");
  require(strength > 0 && strength <= 1, "--strength must be in (0, 1]");
  if (upscale != 1) {
    const std::vector<int> scales = upscaler_scales(upscaler);
    require(!scales.empty(), "--upscaler: unknown upscaler '" + upscaler + "'");
    require(std::find(scales.begin(), scales.end(), upscale) != scales.end(),
            "--upscale " + std::to_string(upscale) + ": the " + upscaler + " upscaler does not offer it (1 keeps 64x64)");
  }
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
  if (method == Txt2ImgMethod::MaskGit) out << ", Steps: " << step_count() << ", Mask schedule: " << mask_schedule << ", Choice temperature: " << choice_temperature;
  if (method == Txt2ImgMethod::Diffusion) {
    out << ", Steps: " << step_count() << ", Sampler: " << samplers::label_of(sampler);
    if (sampler == samplers::SamplerKind::Ddim) out << ", Eta: " << eta;
    if (!init_image.empty()) out << ", Init image: " << init_image.filename().string() << ", Denoising strength: " << strength;
  }
  out << ", CFG scale: " << guidance();
  if (method != Txt2ImgMethod::Diffusion) {
    out << ", Temperature: " << sampling_temperature();
    if (top_k) out << ", Top-k: " << top_k;
    if (top_p < 1) out << ", Top-p: " << top_p;
  }
  out << ", Seed: " << seed;
  if (!tokenizer.empty()) out << ", Tokenizer: " << tokenizer;
  if (!text_encoder.empty()) out << ", Text encoder: " << text_encoder;
  if (watermark.enabled()) out << ", Watermark: gamma " << watermark.gamma << " delta " << watermark.delta;
  if (upscale != 1) out << ", Upscale: " << upscale << "x " << upscaler;
  return out.str();
}


Txt2ImgResult txt2img(const Txt2ImgParams& params, models::ModelStore& store, const Callbacks& callbacks) {
  params.validate();
  ImageGenerator generator(store, params);
  const auto started = std::chrono::steady_clock::now();
  std::vector<cv::Mat> pictures =
      generator.generate(std::vector<std::string>(size_t(params.count), params.prompt), params.seed, callbacks);
  if (params.upscale != 1) {
    const auto upscaler = load_upscaler(params.upscaler, params.upscale, store);
    for (cv::Mat& picture : pictures) picture = upscale_picture(picture, *upscaler, 128, 16, {nullptr, callbacks.cancel, false});
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  Txt2ImgResult result;
  for (int i = 0; i < params.count; ++i) {
    Txt2ImgParams one = params;
    one.seed = params.seed + uint64_t(i);
    one.count = 1;
    result.images.push_back({pictures[size_t(i)], one.seed, one.to_string()});
  }
  result.stats = generator.stats();
  result.stats["seconds"] = seconds;
  result.stats["images_per_second"] = seconds > 0 ? params.count / seconds : 0.0;
  return result;
}

}  // namespace jl
