// Text to image with the three generator families: `ar` (autoregressive tokens, raster order,
// optionally speculative with a draft model), `maskgit` (parallel token decoding in a few steps) and
// `diffusion` (a latent denoiser walked by a sampler; also img2img from --init-image). The command
// line, batch jobs and the GUI fill Txt2ImgParams and call txt2img(); the images come back with the
// parameters that reproduce each of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/samplers/sampler.h"
#include "pipelines/watermark.h"

namespace jl::models {
class ModelStore;
}

namespace jl {

enum class Txt2ImgMethod { Ar, MaskGit, Diffusion };
const char* name_of(Txt2ImgMethod method);
Txt2ImgMethod parse_txt2img_method(const std::string& name);  // UsageError listing the names
const std::vector<std::string>& txt2img_method_names();

struct Txt2ImgParams {
  std::string prompt;
  std::string negative_prompt;        // the guidance's "away from" side; empty: the null prompt
  Txt2ImgMethod method = Txt2ImgMethod::MaskGit;
  std::string model;                  // generator checkpoint; empty: the method's name ("ar", "maskgit", "diffusion")
  std::string draft;                  // ar only: a draft model turns on speculative decoding
  // Speculative: tokens the draft proposes per target pass. 1 is fastest with the shipped ar_draft
  // (batch 1, 100 holdout prompts: 1.2-1.3x plain decoding at gamma 1, 1.03-1.1x at 2 and 3): the
  // target keeps about 40% of its proposals, so a second one seldom survives to pay for its pass.
  int gamma = 1;
  int count = 1;                      // images; image i uses seed + i
  uint64_t seed = 0;
  // Unset: the method's default (guidance(), sampling_temperature()), measured on the holdout prompts.
  std::optional<double> cfg_scale;    // classifier-free guidance (1: none)
  std::optional<double> temperature;  // ar, maskgit; 0: greedy
  int top_k = 0;                      // 0: off
  double top_p = 1.0;                 // 1: off
  int steps = 0;                      // maskgit and diffusion; 0: the method's default (8, 20)
  std::string mask_schedule = "pow2.5";  // maskgit: tokens left masked after each step (tokens/mask_schedule.h)
  double choice_temperature = 4.5;    // maskgit: confidence noise, annealed to 0
  bool kv_cache = true;               // ar: false recomputes the prefix every token (benchmark baseline)
  WatermarkOptions watermark;         // ar only
  samplers::SamplerKind sampler = samplers::SamplerKind::DpmPP2M;  // diffusion
  double eta = 0;                     // diffusion with ddim: 0 deterministic, 1 as noisy as DDPM
  std::filesystem::path init_image;   // diffusion: img2img from this picture (resized to the model's canvas)
  double strength = 0.75;             // img2img: how much of the picture is redrawn (1: all)
  std::string tokenizer;               // empty: the one the generator was trained with (tokenizer_for)
  std::string text_encoder;            // empty: the one the generator was trained with (text_encoder_for)
  // The cascade: 1 keeps the generator's 64x64; 2, 3, 4 or 8 makes each picture that much larger
  // with `upscaler` (pipelines/upscale.h; `world` is trained for ShapeWorld generations).
  int upscale = 1;
  std::string upscaler = "world";

  std::string model_name() const;     // `model`, or the method's default checkpoint
  int step_count() const;             // `steps`, or the method's default
  double guidance() const;            // `cfg_scale`, or the method's default: ar and maskgit 2, diffusion 3
  double sampling_temperature() const;  // `temperature`, or the default 0.5 (ar, maskgit)
  void validate() const;              // UsageError naming the flag; also checks the prompts' words
  std::string to_string() const;      // AUTOMATIC1111-style "parameters" text (seed of image 0)
  // The parameters back from such a text (a PNG's `parameters` chunk): "reuse parameters" in the
  // GUI. Keys it does not know (other tools write more) are skipped; the init image, written as a
  // file name only, and the watermark key, never written, are not restored. jl::Error when the text
  // has no prompt line or a value does not parse.
  static Txt2ImgParams from_string(const std::string& text);
};

struct GeneratedImage {
  cv::Mat rgb;        // CV_8UC3, the tokenizer's side (64), times `upscale`
  uint64_t seed = 0;  // the seed that reproduces this image alone
  std::string parameters;
};

struct Txt2ImgResult {
  std::vector<GeneratedImage> images;
  nlohmann::json stats;  // seconds, images_per_second, tokens, passes; speculative: acceptance_rate
};

Txt2ImgResult txt2img(const Txt2ImgParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl
