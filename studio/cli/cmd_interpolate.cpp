#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/interpolate/frame_interpolator.h"
#include "pipelines/interpolate/interpolate_video.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_interpolate_command(CLI::App& parent, const GlobalOptions& global) {
  auto params = std::make_shared<InterpolateParams>();
  Command command;
  command.app = parent.add_subcommand(
      "interpolate", "More frames: a video x2/x4/x8 or to any frame rate (scene cuts kept, audio kept), or the frame between two pictures");
  auto& app = *command.app;
  std::string methods;
  for (const std::string& name : interpolation_method_names()) methods += (methods.empty() ? "" : "|") + name;
  app.add_option("input", params->input, "A video (anything FFmpeg reads)");
  app.add_option("-o,--output", params->output, "The video to write (or, with --frames, the picture)")->required();
  app.add_option("--factor", params->factor, "2, 4 or 8 times the frames (the frame rate multiplied)");
  app.add_option("--fps", params->fps, "The output frame rate, e.g. 60 (any rate: 24 -> 60 draws 2.5x the frames)");
  app.add_option("--frames", params->frames, "Two pictures A B: write the picture between them at --t")->expected(2);
  app.add_option("--t", params->t, "With --frames: the time between A (0) and B (1)")->capture_default_str();
  app.add_option("--method", params->method, "Interpolation: " + methods)->capture_default_str();
  app.add_option("--cut-correlation", params->cut_correlation,
                 "Scene cut below this correlation of two frames' thumbnails (the frame is held, not interpolated)")
      ->capture_default_str();
  app.add_option("--max-duplicates", params->max_duplicates, "Identical frames skipped in a row at most (longer: a real still)")
      ->capture_default_str();
  command.run = [params, &global] {
    params->overwrite = global.overwrite;
    params->validate();
    models::ModelStore store(global.models_dir);
    const InterpolateResult r = interpolate(*params, store, progress_callbacks("interpolate"));
    char line[300];
    if (params->frames.empty())
      std::snprintf(line, sizeof line, "wrote %s (%lld frames at %g fps from %lld; %lld drawn, %lld scene cut(s), %lld duplicate(s) skipped; %.1f s)",
                    r.output.string().c_str(), static_cast<long long>(r.output_frames), r.output_fps,
                    static_cast<long long>(r.input_frames), static_cast<long long>(r.synthesized), static_cast<long long>(r.scene_cuts),
                    static_cast<long long>(r.duplicates_skipped), r.seconds);
    else
      std::snprintf(line, sizeof line, "wrote %s (t = %g)", r.output.string().c_str(), params->t);
    say(line);
    emit_result({{"output", r.output.string()}, {"input_frames", r.input_frames}, {"output_frames", r.output_frames},
                 {"synthesized", r.synthesized}, {"scene_cuts", r.scene_cuts}, {"duplicates_skipped", r.duplicates_skipped},
                 {"fps", r.output_fps}, {"seconds", r.seconds}});
  };
  return command;
}

}  // namespace jl::cli
