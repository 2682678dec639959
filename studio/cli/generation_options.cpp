#include "studio/cli/generation_options.h"

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
    app.add_option("--prompt", p.prompt, "What to draw, in the ShapeWorld grammar (docs/world.md)")->required();
    app.add_option("-n,--count", p.count, "How many images; image i uses seed + i")->capture_default_str();
    app.add_option("--seed", p.seed, "Seed")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("-o,--output", args.output, "Output image (.png keeps the parameters); several: NAME-i.png")->required();
    app.add_flag("--judge", args.judge, "Judge every output against the prompt with the world judge");
  }
  app.add_option("--negative-prompt", p.negative_prompt, "What to steer away from (guidance's other side)");
  app.add_option("--method", args.method, "Generator: " + methods)->capture_default_str();
  app.add_option("--model", p.model, "Generator checkpoint (default: the method's name)");
  app.add_option("--draft", p.draft, "ar: a draft model (e.g. ar_draft) for speculative decoding");
  app.add_option("--gamma", p.gamma, "Speculative: tokens proposed per target pass")->capture_default_str();
  app.add_option("--cfg-scale", p.cfg_scale, "Classifier-free guidance scale (1: off)")->capture_default_str();
  app.add_option("--temperature", p.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--top-k", p.top_k, "Keep the k likeliest tokens (0: all)")->capture_default_str();
  app.add_option("--top-p", p.top_p, "Nucleus sampling threshold (1: off)")->capture_default_str();
  app.add_option("--steps", p.steps, "maskgit: decoding steps")->capture_default_str();
  app.add_option("--choice-temperature", p.choice_temperature, "maskgit: confidence noise at the first step")
      ->capture_default_str();
  app.add_flag("--no-kv-cache", [&p](int64_t) { p.kv_cache = false; },
               "ar: recompute the whole prefix for every token (the benchmark baseline)");
  app.add_option("--watermark", p.watermark.key, "ar: embed a token watermark with this secret key");
  app.add_option("--watermark-gamma", p.watermark.gamma, "Watermark green fraction")->capture_default_str();
  app.add_option("--watermark-delta", p.watermark.delta, "Watermark logit bonus")->capture_default_str();
  app.add_option("--tokenizer", p.tokenizer, "Tokenizer checkpoint")->capture_default_str();
  app.add_option("--text-encoder", p.text_encoder, "Text encoder checkpoint")->capture_default_str();
}

void finish_generation_args(GenerationArgs& args, const GlobalOptions&) {
  args.params.method = parse_txt2img_method(args.method);
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

void write_generated(const std::vector<GeneratedImage>& images, const GenerationArgs& args, bool overwrite,
                     const nlohmann::json& stats) {
  nlohmann::json outputs = nlohmann::json::array();
  const int count = int(images.size());
  int passed = 0;
  for (int i = 0; i < count; ++i) {
    const GeneratedImage& image = images[size_t(i)];
    const auto path = numbered_output(args.output, i, count);
    media::write_image(path, media::Image{image.rgb, {{"parameters", image.parameters}}}, {95, overwrite});
    nlohmann::json entry = {{"output", path.string()}, {"seed", image.seed}};
    std::string line = "wrote " + path.string() + " (seed " + std::to_string(image.seed) + ")";
    if (args.judge && !args.params.prompt.empty()) {
      const world::Judgement verdict = world::judge_image(image.rgb, world::parse_prompt(args.params.prompt));
      passed += verdict.pass;
      entry["judge"] = world::to_json(verdict);
      line += verdict.pass ? ": judge PASS" : ": judge FAIL";
      for (const world::Clause& c : verdict.clauses)
        if (!c.pass) line += " [" + c.kind + " " + c.asked + ": found " + c.found + "]";
    }
    outputs.push_back(entry);
    say(line);
  }
  nlohmann::json result = {{"outputs", outputs}, {"stats", stats}};
  if (args.judge) result["judge_passed"] = passed;
  emit_result(result);
}

}  // namespace jl::cli
