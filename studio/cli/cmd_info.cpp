#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "media_io/versions.h"
#include "models/cpu_threads.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/upscale.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json gather(const GlobalOptions& global) {
  nlohmann::json info;
  info["version"] = JL_VERSION;
  info["libtorch"] = torch_version();
  info["opencv"] = media::opencv_version();
  info["ffmpeg"] = media::ffmpeg_version();
  info["encoders"] = media::ffmpeg_encoders();
  info["threads"] = threads();
  info["blas"] = blas_library();
  info["blas_is_openblas"] = blas_is_openblas();
  info["blas_kernels"] = openblas_core();
  info["matmul_gflops"] = std::round(matmul_gflops(1024) * 10) / 10;

  const models::ModelStore store(global.models_dir);
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& dir : store.search_path()) dirs.push_back(dir.string());
  info["models_search_path"] = dirs;
  nlohmann::json checkpoints = nlohmann::json::array();
  for (const auto& e : store.list()) {
    nlohmann::json c = {{"name", e.name}, {"path", e.path.string()}, {"bytes", e.bytes}};
    if (e.problem.empty()) {
      c["model"] = e.model;
      c["step"] = e.step;
    } else {
      c["problem"] = e.problem;
    }
    checkpoints.push_back(c);
  }
  info["checkpoints"] = checkpoints;
  nlohmann::json upscalers = nlohmann::json::array();
  for (const UpscalerEntry& e : list_upscalers(store))
    upscalers.push_back({{"name", e.name}, {"scale", e.scale}, {"path", e.path.string()}, {"available", e.available}});
  info["upscalers"] = upscalers;
  return info;
}

void print_human(const nlohmann::json& info) {
  std::printf("jielong      %s\n", info["version"].get<std::string>().c_str());
  std::printf("libtorch     %s\n", info["libtorch"].get<std::string>().c_str());
  std::printf("OpenCV       %s\n", info["opencv"].get<std::string>().c_str());
  std::printf("FFmpeg       %s\n", info["ffmpeg"].get<std::string>().c_str());
  std::string encoders;
  for (const auto& [name, present] : info["encoders"].items())
    encoders += " " + name + (present.get<bool>() ? "" : " (missing)");
  std::printf("encoders    %s\n", encoders.c_str());
  std::printf("threads      %d intra-op\n", info["threads"].get<int>());
  const std::string blas_note = info["blas_is_openblas"].get<bool>()
                                    ? " (OpenBLAS, " + info["blas_kernels"].get<std::string>() + " kernels)"
                                    : "  <- NOT OpenBLAS: run scripts/install-deps.sh";
  std::printf("BLAS         %s%s\n", info["blas"].get<std::string>().c_str(), blas_note.c_str());
  std::printf("matmul       %.1f GFLOP/s (1024x1024 float32)\n", info["matmul_gflops"].get<double>());
  std::printf("models from ");
  for (const auto& dir : info["models_search_path"]) std::printf(" %s", dir.get<std::string>().c_str());
  std::printf("\ncheckpoints  %zu found\n", info["checkpoints"].size());
  for (const auto& c : info["checkpoints"]) {
    if (c.contains("problem"))
      std::printf("  %-24s unreadable: %s\n", c["name"].get<std::string>().c_str(), c["problem"].get<std::string>().c_str());
    else
      std::printf("  %-24s %-16s step %-8lld %.1f MB\n", c["name"].get<std::string>().c_str(),
                  c["model"].get<std::string>().c_str(), static_cast<long long>(c["step"].get<int64_t>()),
                  c["bytes"].get<double>() / 1e6);
  }
  // Upscalers, one line each: its scales, and where the fetched models are (or how to fetch them).
  std::map<std::string, std::pair<std::string, std::string>> lines;  // name -> (scales, where)
  std::vector<std::string> order;
  for (const auto& u : info["upscalers"]) {
    const std::string name = u["name"].get<std::string>();
    if (!lines.count(name)) order.push_back(name);
    auto& [scales, where] = lines[name];
    if (u["available"].get<bool>()) {
      scales += " x" + std::to_string(u["scale"].get<int>());
      const fs::path path = u["path"].get<std::string>();
      if (!path.empty())  // a TF.js model: the package's folder; a checkpoint: its folder
        where = (path.filename() == "model.json" ? path.parent_path().parent_path() : path.parent_path()).string();
    } else if (where.empty()) {
      where = u["path"].get<std::string>().empty() && name != "slim" && name != "medium" && name != "thick"
                  ? "not trained yet (jielong train upscaler)"
                  : "missing: run scripts/fetch-upscalerjs.sh";
    }
  }
  std::printf("upscalers\n");
  for (const std::string& name : order)
    std::printf("  %-24s%s  %s\n", name.c_str(), lines[name].first.c_str(), lines[name].second.c_str());
}

}  // namespace

Command add_info_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand(
      "info", "Versions of libtorch, OpenCV and FFmpeg; threads; the BLAS actually loaded; checkpoints and upscalers found");
  command.run = [&global] {
    const nlohmann::json info = gather(global);
    emit_result({{"info", info}});
    if (!global.json) print_human(info);
  };
  return command;
}

}  // namespace jl::cli
