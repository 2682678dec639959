#include <cstdio>
#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "models/patch_tokenizer.h"
#include "pipelines/holdout_eval.h"
#include "pipelines/inpaint_eval.h"
#include "pipelines/tokenizer_eval.h"
#include "pipelines/upscale_eval.h"
#include "pipelines/tokens/generator_models.h"
#include "studio/cli/generation_options.h"

namespace jl::cli {
namespace {

void print_accuracy(const char* label, const nlohmann::json& tally) {
  std::printf("%-12s %5d / %-5d %6.1f%%\n", label, tally.at("passed").get<int>(), tally.at("total").get<int>(),
              100 * tally.at("accuracy").get<double>());
}

}  // namespace

Command add_holdout_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand(
      "holdout", "Measure a built-in model on the holdout prompts with the world judge (the figures in docs/benchmarks.md)");
  command.app->require_subcommand(1);

  auto gen = std::make_shared<GenerationArgs>();
  auto holdout = std::make_shared<HoldoutParams>();
  CLI::App* t = command.app->add_subcommand("txt2img", "Generate for the first --count holdout prompts (prompt i, seed i) and judge");
  add_generation_options(*t, *gen, /*per_prompt=*/false);
  t->add_option("--count", holdout->count, "Holdout prompts (at most 500)")->capture_default_str();
  t->add_option("--batch", holdout->batch, "Pictures generated together")->capture_default_str();
  t->add_option("--detect-key", holdout->detect_key, "Also test every picture for this watermark key");
  auto txt2img_save_dir = std::make_shared<std::string>();
  t->add_option("--save-dir", *txt2img_save_dir, "Write every picture (NNN-pass.png or NNN-fail.png, its prompt embedded) into this new folder");

  auto inpaint_gen = std::make_shared<GenerationArgs>();
  auto inpaint_args = std::make_shared<InpaintArgs>();
  auto inpaint_count = std::make_shared<int>(200);
  auto inpaint_save_dir = std::make_shared<std::string>();
  CLI::App* i = command.app->add_subcommand(
      "inpaint", "For the first --count holdout scenes, mask one object, ask for another color and shape there, judge and PSNR");
  add_generation_options(*i, *inpaint_gen, /*per_prompt=*/false);
  add_inpaint_options(*i, *inpaint_args, *inpaint_gen);
  i->add_option("--count", *inpaint_count, "Holdout scenes (at most 500)")->capture_default_str();
  i->add_option("--save-dir", *inpaint_save_dir, "Write each scene's before, mask and after (named pass or fail) into this new folder");

  auto tokenizer_name = std::make_shared<std::string>("tokenizer");
  auto tokenizer_count = std::make_shared<int>(500);
  CLI::App* k = command.app->add_subcommand("tokenizer", "Render holdout scenes, reconstruct them through the tokens, judge and PSNR");
  k->add_option("--tokenizer", *tokenizer_name, "Tokenizer checkpoint")->capture_default_str();
  k->add_option("--count", *tokenizer_count, "Holdout prompts (at most 500)")->capture_default_str();

  auto upscaler_name = std::make_shared<std::string>("world");
  auto upscaler_scale = std::make_shared<int>(4);
  auto upscale_count = std::make_shared<int>(200);
  CLI::App* u = command.app->add_subcommand(
      "upscale", "Render holdout scenes at 64, upscale, compare with the large render (PSNR) and judge at that size");
  u->add_option("--model", *upscaler_name, "Upscaler (world, photo, slim, medium, thick, bicubic)")->capture_default_str();
  u->add_option("--scale", *upscaler_scale, "Scale")->capture_default_str();
  u->add_option("--count", *upscale_count, "Holdout scenes (at most 500)")->capture_default_str();

  command.run = [=, &global] {
    models::ModelStore store(global.models_dir);
    if (u->parsed()) {
      const auto upscaler = load_upscaler(*upscaler_name, *upscaler_scale, store);
      const WorldEvaluation e = evaluate_on_holdout_scenes(*upscaler, *upscale_count);
      emit_result({{"model", *upscaler_name}, {"scale", *upscaler_scale}, {"psnr", e.psnr}, {"judge_pass", e.judge_pass}, {"count", e.count}});
      if (!console().quiet)
        std::printf("%s x%d on %d holdout scenes: PSNR %.2f dB against the %d px render, judge pass %.1f%%\n", upscaler_name->c_str(),
                    *upscaler_scale, e.count, e.psnr, 64 * *upscaler_scale, 100 * e.judge_pass);
      return;
    }
    if (t->parsed()) {
      finish_generation_args(*gen);
      holdout->generation = gen->params;
      holdout->save_dir = *txt2img_save_dir;
      const nlohmann::json r = evaluate_txt2img_holdout(*holdout, store, progress_callbacks("holdout txt2img"));
      emit_result(r);
      if (console().quiet) return;
      print_accuracy("overall", {{"passed", r["passed"]}, {"total", r["count"]}, {"accuracy", r["accuracy"]}});
      print_accuracy("one object", r["one_object"]);
      print_accuracy("two objects", r["two_object"]);
      for (const auto& [kind, tally] : r["clauses"].items()) print_accuracy(("  " + kind).c_str(), tally);
      std::printf("%.2f images/s (%.1f s)", r["images_per_second"].get<double>(), r["seconds"].get<double>());
      if (r.contains("acceptance_rate")) std::printf(", draft acceptance %.1f%%", 100 * r["acceptance_rate"].get<double>());
      std::printf("\n");
      if (r.contains("watermark")) {
        const nlohmann::json& w = r["watermark"];
        std::printf("watermark: z > 4 in %.1f%%, |z| >= 4 in %.1f%%, mean z %.2f", 100 * w["key_detected"].get<double>(),
                    100 * w["abs_z_over_4"].get<double>(), w["mean_z"].get<double>());
        if (w.contains("drawn_mean_z"))
          std::printf(" (the tokens as drawn: mean z %.2f; re-tokenizing keeps %.1f%% of them)",
                      w["drawn_mean_z"].get<double>(), 100 * w["tokens_kept"].get<double>());
        std::printf("\n");
      }
    } else if (i->parsed()) {
      finish_generation_args(*inpaint_gen);
      InpaintEvalParams eval;
      eval.inpaint = finish_inpaint_args(*inpaint_args, *inpaint_gen);
      eval.count = *inpaint_count;
      eval.save_dir = *inpaint_save_dir;
      const nlohmann::json r = evaluate_inpaint_holdout(eval, store, progress_callbacks("holdout inpaint"));
      emit_result(r);
      if (console().quiet) return;
      print_accuracy("overall", {{"passed", r["passed"]}, {"total", r["count"]}, {"accuracy", r["accuracy"]}});
      print_accuracy("one object", r["one_object"]);
      print_accuracy("two objects", r["two_object"]);
      std::printf("PSNR outside the mask: mean %.2f dB, lowest %.2f dB (capped at 100); %.2f images/s\n",
                  r["psnr_outside_mask"].get<double>(), r["min_psnr_outside_mask"].get<double>(),
                  r["images_per_second"].get<double>());
    } else {
      auto tokenizer = tokens::load_tokenizer(store, *tokenizer_name);
      const nlohmann::json r = evaluate_tokenizer(*tokenizer, *tokenizer_count, progress_callbacks("holdout tokenizer"));
      emit_result(r);
      if (!console().quiet)
        std::printf("judge pass %.1f%% of %d, PSNR %.2f dB, %lld codes used (perplexity %.0f), %.1f%% of tokens kept when re-tokenized\n",
                    100 * r["judge_pass"].get<double>(), r["count"].get<int>(), r["psnr"].get<double>(),
                    (long long)r["codes_used"].get<int64_t>(), r["perplexity"].get<double>(),
                    100 * r["token_stability"].get<double>());
    }
  };
  return command;
}

}  // namespace jl::cli
