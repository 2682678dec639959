#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/console.h"
#include "core/error.h"
#include "media_io/image.h"
#include "models/model_store.h"
#include "pipelines/upscale_eval.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

struct EvalUpscaleArgs {
  std::string photos;  // default: the evaluation photos of scripts/fetch-eval-data.sh
  std::string models = "photo,slim,medium,thick,bicubic";
  std::string scales = "2,4";
  int crop = 256;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

Command add_eval_upscale_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<EvalUpscaleArgs>();
  Command command;
  command.app = parent.add_subcommand(
      "eval-upscale",
      "Super-resolution quality on photos: central crop, antialiased downscale, upscale, PSNR and SSIM on Y (docs/benchmarks.md)");
  command.app->add_option("--photos", args->photos, "Folder of evaluation photos (default: scripts/fetch-eval-data.sh's)");
  command.app->add_option("--models", args->models, "Upscalers, comma-separated")->capture_default_str();
  command.app->add_option("--scales", args->scales, "Scales, comma-separated")->capture_default_str();
  command.app->add_option("--crop", args->crop, "Side of the central crop")->capture_default_str();
  command.run = [args, &global] {
    fs::path folder = args->photos;
    if (folder.empty()) folder = models::models_cache_dir().parent_path() / "eval" / "photos";
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
      throw Error(folder.string() + " is not a folder of photos; run scripts/fetch-eval-data.sh or give --photos");
    if (args->crop < 32 || args->crop > 4096) throw UsageError("--crop must be 32..4096");
    std::vector<cv::Mat> photos;
    for (const fs::path& f : pictures_in(folder)) photos.push_back(media::to_rgb8(media::read_image(f)).pixels);
    models::ModelStore store(global.models_dir);
    nlohmann::json rows = nlohmann::json::array();
    if (!console().quiet) std::printf("%-8s %5s %9s %8s %12s   (%zu photos, central %d px)\n", "model", "scale", "PSNR-Y", "SSIM-Y", "vs bicubic", photos.size(), args->crop);
    for (const std::string& s : split(args->scales)) {
      int scale = 0;
      try {
        scale = std::stoi(s);
      } catch (const std::exception&) {
        throw UsageError("--scales takes numbers like 2,4, got '" + args->scales + "'");
      }
      const PhotoEvaluation base = evaluate_on_photos(photos, *load_upscaler("bicubic", scale, store), args->crop);
      for (const std::string& name : split(args->models)) {
        const PhotoEvaluation e = name == "bicubic" ? base : evaluate_on_photos(photos, *load_upscaler(name, scale, store), args->crop);
        rows.push_back({{"model", name}, {"scale", scale}, {"psnr_y", e.psnr}, {"ssim_y", e.ssim}, {"gain_over_bicubic", e.psnr - base.psnr}});
        if (!console().quiet)
          std::printf("%-8s %5d %9.2f %8.4f %+11.2f dB\n", name.c_str(), scale, e.psnr, e.ssim, e.psnr - base.psnr);
      }
    }
    emit_result({{"photos", photos.size()}, {"crop", args->crop}, {"results", rows}});
  };
  return command;
}

}  // namespace jl::cli
