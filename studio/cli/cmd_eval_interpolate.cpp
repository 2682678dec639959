#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "core/error.h"
#include "media_io/video.h"
#include "models/model_store.h"
#include "pipelines/interpolate/interpolate_eval.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace fs = std::filesystem;
namespace {

struct EvalInterpolateArgs {
  std::vector<std::string> videos;  // default: the three of scripts/fetch-eval-data.sh
  std::vector<std::string> methods{"classic", "blend", "minterpolate"};
  int frames = 61;
  int world = 50;  // ShapeWorld holdout videos (0: none)
  int factor = 2;  // every factor-th frame kept, the others redrawn
};

// " 30.1 31.2 30.4": the mean PSNR at each t = j / factor (shown past x2, where t is 0.5 only).
std::string psnr_at_t(const std::vector<double>& psnr_at) {
  std::string out;
  if (psnr_at.size() < 2) return out;
  char cell[16];
  for (double p : psnr_at) {
    std::snprintf(cell, sizeof cell, " %6.2f", p);
    out += cell;
  }
  return out;
}

}  // namespace

Command add_eval_interpolate_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<EvalInterpolateArgs>();
  Command command;
  command.app = parent.add_subcommand(
      "eval-interpolate",
      "Frame interpolation quality: keep the even frames (every --factor-th), redraw the others, PSNR and SSIM against the real ones (docs/benchmarks.md)");
  command.app->add_option("videos", args->videos, "Videos (default: vtest, tree and Megamind from scripts/fetch-eval-data.sh)");
  command.app->add_option("--methods", args->methods, "Methods, comma-separated (minterpolate: FFmpeg's, mi_mode=mci)")
      ->delimiter(',')
      ->capture_default_str();
  command.app->add_option("--frames", args->frames, "Frames of each video used (the first ones)")->capture_default_str();
  command.app->add_option("--factor", args->factor, "Keep every N-th frame and redraw the N - 1 between (2, 4 or 8); past 2 the PSNR at each t is shown too")
      ->capture_default_str();
  command.app->add_option("--world", args->world, "ShapeWorld holdout videos also scored, with the judge (0: none)")->capture_default_str();
  command.run = [args, &global] {
    if (args->frames < 3 || args->frames > 10000) throw UsageError("--frames must be 3..10000");
    if (args->world < 0) throw UsageError("--world must not be negative");
    if (args->factor != 2 && args->factor != 4 && args->factor != 8) throw UsageError("--factor must be 2, 4 or 8");
    if (args->frames < args->factor + 1) throw UsageError("--frames must be at least --factor + 1");
    std::vector<fs::path> videos(args->videos.begin(), args->videos.end());
    if (videos.empty()) {
      const fs::path folder = models::models_cache_dir().parent_path() / "eval" / "videos";
      for (const char* name : {"vtest.avi", "tree.avi", "Megamind.avi"}) videos.push_back(folder / name);
      for (const fs::path& v : videos)
        if (!fs::exists(v)) throw Error(v.string() + " is missing; run scripts/fetch-eval-data.sh or name the videos");
    }
    models::ModelStore store(global.models_dir);
    nlohmann::json rows = nlohmann::json::array();
    const bool print = !console().quiet;
    if (print)
      std::printf("%-14s %-13s %8s %8s %7s %9s%s\n", "video", "method", "PSNR dB", "SSIM-Y", "frames", "seconds",
                  args->factor > 2 ? "  PSNR at t = 1/N, 2/N, ..." : "");
    for (const fs::path& video : videos) {
      media::VideoReader reader(video);
      const double fps = reader.info().fps > 0 ? reader.info().fps : 24;
      std::vector<cv::Mat> frames;
      cv::Mat frame;
      while (int(frames.size()) < args->frames && reader.read(frame)) frames.push_back(frame.clone());
      for (const std::string& method : args->methods) {
        const InterpolationScore s = method == "minterpolate" ? score_minterpolate(frames, fps, args->factor)
                                                              : score_interpolation(frames, *make_interpolator(method, store), args->factor);
        rows.push_back({{"video", video.filename().string()}, {"method", method}, {"factor", args->factor}, {"psnr", s.psnr},
                        {"ssim", s.ssim}, {"psnr_at_t", s.psnr_at}, {"frames", s.frames}, {"seconds", s.seconds}});
        if (print)
          std::printf("%-14s %-13s %8.2f %8.4f %7d %9.2f%s\n", video.filename().string().c_str(), method.c_str(), s.psnr, s.ssim,
                      s.frames, s.seconds, psnr_at_t(s.psnr_at).c_str());
      }
    }
    if (args->world > 0) {
      if (print) std::printf("\n%-14s %-13s %8s %8s %7s %12s %12s\n", "ShapeWorld", "method", "PSNR dB", "SSIM-Y", "videos", "judge pass", "(full video)");
      for (const std::string& method : args->methods) {
        if (method == "minterpolate") continue;  // the world protocol runs in-process
        const WorldInterpolationScore s = score_on_holdout_videos(*make_interpolator(method, store), args->world, args->factor);
        rows.push_back({{"video", "shapeworld-holdout"}, {"method", method}, {"factor", args->factor}, {"psnr", s.psnr}, {"ssim", s.ssim}, {"videos", s.videos},
                        {"judge_pass", s.judge_pass}, {"ground_truth_pass", s.ground_truth_pass}});
        if (print)
          std::printf("%-14s %-13s %8.2f %8.4f %7d %11.1f%% %11.1f%%\n", "holdout", method.c_str(), s.psnr, s.ssim, s.videos,
                      100 * s.judge_pass, 100 * s.ground_truth_pass);
      }
    }
    emit_result({{"results", rows}});
  };
  return command;
}

}  // namespace jl::cli
