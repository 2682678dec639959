#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "pipelines/shapeworld.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_world_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand("world", "ShapeWorld: render a prompt, or write a captioned dataset");
  command.app->require_subcommand(1);

  auto render = std::make_shared<WorldRenderParams>();
  CLI::App* r = command.app->add_subcommand("render", "Render a prompt exactly as the world defines it");
  r->add_option("--prompt", render->prompt, "A ShapeWorld caption, e.g. \"a small red circle in the top left\"")->required();
  r->add_option("-o,--output", render->output, "Output: an image for an image prompt; .mp4/.webm/.gif for a video prompt")
      ->required();
  r->add_option("--size", render->size, "Canvas side in pixels (>= 32)")->capture_default_str();
  r->add_option("--seed", render->seed, "Seed of the layout (where objects go, unstated attributes)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  r->add_option("--frames", render->frames, "Frames of a video prompt")->capture_default_str();
  r->add_option("--fps", render->fps, "Frame rate of a video prompt")->capture_default_str();

  auto sample = std::make_shared<WorldSampleParams>();
  CLI::App* s = command.app->add_subcommand(
      "sample", "Write N random scenes as NAME.png (or .mp4) + NAME.txt caption pairs (never a holdout prompt)");
  s->add_option("--n", sample->count, "How many scenes")->required();
  s->add_option("--out", sample->out_dir, "Folder to write into (created if missing)")->required();
  s->add_flag("--video", sample->video, "Videos instead of images");
  s->add_option("--size", sample->size, "Canvas side in pixels (>= 32)")->capture_default_str();
  s->add_option("--seed", sample->seed, "Seed of the whole dataset")->capture_default_str()->check(CLI::NonNegativeNumber);
  s->add_option("--frames", sample->frames, "Frames per video")->capture_default_str();
  s->add_option("--fps", sample->fps, "Frame rate of the videos")->capture_default_str();

  struct CaptionOptions {
    int count = 0;
    uint64_t seed = 0;
    bool video = false;
  };
  auto captions = std::make_shared<CaptionOptions>();
  CLI::App* c = command.app->add_subcommand(
      "captions", "Print N random captions of the grammar, one a line (never a holdout prompt): sentences for speech data");
  c->add_option("--n", captions->count, "How many captions")->required()->check(CLI::Range(0, 10'000'000));
  c->add_option("--seed", captions->seed, "Seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  c->add_flag("--video", captions->video, "Captions of videos (with a motion)");

  command.run = [=, &global] {
    if (c->parsed()) {
      for (const std::string& caption : world_captions(captions->count, captions->seed, captions->video))
        std::cout << caption << '\n';
    } else if (r->parsed()) {
      render->overwrite = global.overwrite;
      world_render(*render);
      emit_result({{"output", render->output.string()}});
      say("wrote " + render->output.string());
    } else {
      sample->overwrite = global.overwrite;
      const int n = world_sample(*sample, progress_callbacks("world sample"));
      emit_result({{"written", n}, {"out", sample->out_dir.string()}});
      say("wrote " + std::to_string(n) + " scene/caption pairs into " + sample->out_dir.string());
    }
  };
  return command;
}

}  // namespace jl::cli
