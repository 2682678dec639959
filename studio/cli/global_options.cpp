#include <atomic>
#include <csignal>
#include <memory>

#include "core/console.h"
#include "media_io/limits.h"
#include "models/cpu_threads.h"
#include "studio/cli/commands.h"

namespace jl::cli {

void GlobalOptions::add_to(CLI::App& app) {
  app.add_option("--threads", threads, "Threads of libtorch's and OpenCV's pools (default: one per core)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--models-dir", models_dir, "Folder searched first for checkpoints (*.safetensors)")
      ->check(CLI::ExistingDirectory);
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors (and --json events)");
  app.add_flag("--json", json, "Machine-readable progress and result lines on stdout (one JSON object each)");
  app.add_flag("--overwrite", overwrite, "Replace output files that already exist");
  app.add_option("--max-pixels", max_pixels, "Refuse images and frames with more pixels than this")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  app.add_option("--max-frames", max_frames, "Refuse to decode more video frames than this")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  app.add_option("--max-seconds", max_seconds, "Refuse video or audio longer than this")
      ->check(CLI::PositiveNumber);
}

void GlobalOptions::apply() const {
  console().quiet = quiet;
  console().json = json;
  set_cpu_threads(threads);
  media::MediaLimits& limits = media::default_limits();
  if (max_pixels > 0) limits.max_pixels = max_pixels;
  if (max_frames > 0) limits.max_frames = max_frames;
  if (max_seconds > 0) limits.max_seconds = max_seconds;
}

namespace {

std::atomic<bool> cancel_flag{false};

extern "C" void on_cancel_signal(int signal) {
  if (cancel_flag.exchange(true)) {  // asked twice: stop now
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

void install_cancel_handlers() {
  std::signal(SIGINT, on_cancel_signal);
  std::signal(SIGTERM, on_cancel_signal);
}

bool cancel_requested() { return cancel_flag.load(); }

const std::atomic<bool>* cancel_signal() { return &cancel_flag; }

Callbacks progress_callbacks(const std::string& label) {
  auto bar = std::make_shared<Progress>(label, 0);
  Callbacks callbacks;
  callbacks.cancel = &cancel_flag;
  callbacks.progress = [bar](int64_t step, int64_t total, const cv::Mat*) {
    bar->set_total(total);
    bar->update(step);
  };
  return callbacks;
}

}  // namespace jl::cli
