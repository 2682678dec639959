#include "studio/cli/generation_options.h"

#include <array>
#include <sstream>

#include "core/atomic_file.h"
#include "core/console.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "world/caption.h"
#include "world/judge.h"

namespace jl::cli {

void add_generation_options(CLI::App& app, GenerationArgs& args, bool per_prompt) {
  Txt2ImgParams& p = args.params;
  std::string methods;
  for (const std::string& m : txt2img_method_names()) methods += (methods.empty() ? "" : "|") + m;
  if (per_prompt) {
    app.add_option("--init-image", p.init_image, "diffusion: img2img, start from this picture (resized to 64x64)");
    app.add_option("--prompt", p.prompt, "What to draw, in the ShapeWorld grammar (docs/world.md)")->required();
    app.add_option("-n,--count", p.count, "How many images; image i uses seed + i")->capture_default_str();
    app.add_option("--seed", p.seed, "Seed")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("-o,--output", args.output, "Output image (.png keeps the parameters); several: NAME-i.png")->required();
    app.add_flag("--judge", args.judge, "Judge every output against the prompt with the world judge");
    app.add_option("--upscale", p.upscale, "txt2img: make each picture 2, 3, 4 or 8 times larger after generating (1: keep 64x64)")
        ->capture_default_str();
    app.add_option("--upscaler", p.upscaler, "txt2img --upscale: world (ours, for generations), photo, slim, medium, thick, bicubic")
        ->capture_default_str();
  }
  app.add_option("--negative-prompt", p.negative_prompt, "What to steer away from (guidance's other side)");
  app.add_option("--method", args.method, "Generator: " + methods)->capture_default_str();
  app.add_option("--model", p.model, "Generator checkpoint (default: the method's name)");
  app.add_option("--draft", p.draft, "ar: a draft model (e.g. ar_draft) for speculative decoding");
  app.add_option("--gamma", p.gamma, "Speculative: tokens proposed per target pass")->capture_default_str();
  app.add_option_function<double>(
      "--cfg-scale", [&p](double scale) { p.cfg_scale = scale; },
      "Classifier-free guidance scale (1: off; default ar and maskgit 2, diffusion 3)");
  app.add_option_function<double>(
      "--temperature", [&p](double t) { p.temperature = t; }, "ar, maskgit: sampling temperature (0: greedy; default 0.5)");
  app.add_option("--top-k", p.top_k, "Keep the k likeliest tokens (0: all)")->capture_default_str();
  app.add_option("--top-p", p.top_p, "Nucleus sampling threshold (1: off)")->capture_default_str();
  app.add_option("--steps", p.steps, "maskgit: decoding steps (default 8); diffusion: sampler steps (default 20)");
  std::string samplers;
  for (const std::string& name : samplers::sampler_names()) samplers += (samplers.empty() ? "" : "|") + name;
  app.add_option("--sampler", args.sampler, "diffusion: " + samplers)->capture_default_str();
  app.add_option("--eta", p.eta, "diffusion, ddim: noise per step (0 deterministic, 1 as DDPM)")->capture_default_str();
  app.add_option("--strength", p.strength, "diffusion: how much of the start picture is redrawn (img2img, inpaint)")
      ->capture_default_str();
  app.add_option("--preview-dir", args.preview_dir, "diffusion: write the first image's predicted picture at every step here");
  app.add_option("--mask-schedule", p.mask_schedule,
                 "maskgit: how many tokens stay masked after each step: cosine, linear or pow<P> (1 - x^P)")
      ->capture_default_str();
  app.add_option("--choice-temperature", p.choice_temperature, "maskgit: confidence noise at the first step")
      ->capture_default_str();
  app.add_flag("--no-kv-cache", [&p](int64_t) { p.kv_cache = false; },
               "ar: recompute the whole prefix for every token (the benchmark baseline)");
  app.add_option("--watermark", p.watermark.key, "ar: embed a token watermark with this secret key");
  app.add_option("--watermark-gamma", p.watermark.gamma, "Watermark green fraction")->capture_default_str();
  app.add_option("--watermark-delta", p.watermark.delta, "Watermark logit bonus")->capture_default_str();
  app.add_option("--tokenizer", p.tokenizer, "Tokenizer checkpoint (default: the one the generator was trained with)");
  app.add_option("--text-encoder", p.text_encoder, "Text encoder checkpoint (default: the one the generator was trained with)");
}

void finish_generation_args(GenerationArgs& args) {
  args.params.method = parse_txt2img_method(args.method);
  args.params.sampler = samplers::parse_sampler(args.sampler);
  if (!args.preview_dir.empty() && args.params.method != Txt2ImgMethod::Diffusion)
    throw UsageError("--preview-dir works with --method diffusion");
}

Callbacks generation_callbacks(const GenerationArgs& args, const std::string& label, bool overwrite) {
  Callbacks callbacks = progress_callbacks(label);
  if (args.preview_dir.empty()) return callbacks;
  std::error_code ec;
  std::filesystem::create_directories(args.preview_dir, ec);
  if (!std::filesystem::is_directory(args.preview_dir))
    throw Error("--preview-dir " + args.preview_dir.string() + " is not a folder and cannot be made one");
  if (!overwrite && std::filesystem::exists(args.preview_dir / "step-001.png"))
    throw Error("--preview-dir " + args.preview_dir.string() + " already holds previews; pass --overwrite or choose another folder");
  callbacks.wants_preview = true;
  const auto bar = callbacks.progress;
  const std::filesystem::path dir = args.preview_dir;
  callbacks.progress = [bar, dir, overwrite](int64_t step, int64_t total, const cv::Mat* preview) {
    bar(step, total, preview);
    if (!preview) return;
    char name[32];
    std::snprintf(name, sizeof name, "step-%03lld.png", static_cast<long long>(step));
    media::write_image(dir / name, media::Image{*preview, {}}, {95, overwrite});
  };
  return callbacks;
}

namespace {

// "L,R,T,B" pixels (one number: the same on every side).
std::array<int, 4> parse_outpaint(const std::string& text) {
  std::array<int, 4> sides{};
  std::istringstream in(text);
  std::string part;
  int n = 0;
  while (std::getline(in, part, ',')) {
    size_t used = 0;
    int value = -1;
    try {
      value = std::stoi(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (n == 4 || used != part.size() || value < 0)
      throw UsageError("--outpaint takes L,R,T,B pixel counts (e.g. 16,16,0,0), got '" + text + "'");
    sides[size_t(n++)] = value;
  }
  if (n == 1) sides.fill(sides[0]);
  else if (n != 4) throw UsageError("--outpaint takes L,R,T,B pixel counts (e.g. 16,16,0,0), got '" + text + "'");
  return sides;
}

}  // namespace

void add_inpaint_options(CLI::App& app, InpaintArgs& args, GenerationArgs& generation) {
  generation.params.strength = 1;  // inpainting redraws the masked area from noise unless told otherwise
  if (CLI::Option* strength = app.get_option_no_throw("--strength")) strength->default_str("1");
  InpaintParams& p = args.params;
  app.add_option("--mask-blur", p.mask_blur, "diffusion: soft edge of the composite, Gaussian sigma in px")->capture_default_str();
  app.add_option("--masked-content", args.masked_content, "diffusion: start of the masked area: original|fill|latent_noise")
      ->capture_default_str();
  app.add_option("--inpaint-area", args.area, "diffusion: whole (the picture) or only_masked (its box, redrawn at the model's size)")
      ->capture_default_str();
  app.add_option("--only-masked-padding", p.only_masked_padding, "diffusion, only_masked: px of context around the mask")
      ->capture_default_str();
  app.add_option("--outpaint", args.outpaint, "diffusion: extend the canvas by L,R,T,B px (or one number for all) and fill it");
}

void add_inpaint_command_options(CLI::App& app, GenerationArgs& generation, InpaintArgs& region) {
  app.add_option("--image", region.params.image, "The picture to edit")->required();
  app.add_option("--mask", region.params.mask, "Same size; white = regenerate (optional with --outpaint)");
  add_generation_options(app, generation);
  add_inpaint_options(app, region, generation);
}

InpaintParams finish_inpaint_args(const InpaintArgs& args, const GenerationArgs& generation) {
  InpaintParams params = args.params;
  params.generation = generation.params;
  params.masked_content = parse_masked_content(args.masked_content);
  params.area = parse_inpaint_area(args.area);
  if (!args.outpaint.empty()) params.outpaint = parse_outpaint(args.outpaint);
  return params;
}

std::filesystem::path numbered_output(const std::filesystem::path& output, int index, int count) {
  if (count == 1) return output;
  std::filesystem::path out = output;
  out.replace_filename(output.stem().string() + "-" + std::to_string(index) + output.extension().string());
  return out;
}

void check_outputs(const std::filesystem::path& output, int count, bool overwrite) {
  if (media::lower_extension(output).empty())
    throw UsageError("-o " + output.string() + ": give a file name with an image extension (.png, .jpg, .webp, ...)");
  for (int i = 0; i < count; ++i) check_can_write(numbered_output(output, i, count), overwrite);
}

void save_generated(const GeneratedImage& image, const std::filesystem::path& path, bool overwrite) {
  media::write_image(path, media::Image{image.rgb, {{"parameters", image.parameters}}}, {95, overwrite});
}

nlohmann::json judge_generated(const cv::Mat& rgb, const std::string& prompt, std::string& line) {
  const world::Judgement verdict = world::judge_image(rgb, world::parse_prompt(prompt));
  line += verdict.pass ? ": judge PASS" : ": judge FAIL";
  for (const world::Clause& c : verdict.clauses)
    if (!c.pass) line += " [" + c.kind + " " + c.asked + ": found " + c.found + "]";
  return world::to_json(verdict);
}

void write_generated(const std::vector<GeneratedImage>& images, const GenerationArgs& args, bool overwrite,
                     const nlohmann::json& stats) {
  nlohmann::json outputs = nlohmann::json::array();
  const int count = int(images.size());
  int passed = 0;
  for (int i = 0; i < count; ++i) {
    const GeneratedImage& image = images[size_t(i)];
    const auto path = numbered_output(args.output, i, count);
    save_generated(image, path, overwrite);
    nlohmann::json entry = {{"output", path.string()}, {"seed", image.seed}};
    std::string line = "wrote " + path.string() + " (seed " + std::to_string(image.seed) + ")";
    if (args.judge && !args.params.prompt.empty()) {
      entry["judge"] = judge_generated(image.rgb, args.params.prompt, line);
      passed += entry["judge"].value("pass", false);
    }
    outputs.push_back(entry);
    say(line);
  }
  nlohmann::json result = {{"outputs", outputs}, {"stats", stats}};
  if (args.judge) result["judge_passed"] = passed;
  emit_result(result);
}

}  // namespace jl::cli
