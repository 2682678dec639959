// The subcommands of `jielong`. Each cmd_*.cpp registers its flags into a params struct and returns
// the function that runs it; main() parses, then runs the one chosen (DESIGN.md convention 6:
// parse -> validate -> run -> write, no tensor code here).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/upscale.h"

namespace jl {
struct ConvertParams;
}

namespace jl::speech {
struct UnitSampling;
enum class Waveform;
}

namespace jl::cli {

// Flags every subcommand accepts (before or after the subcommand name).
struct GlobalOptions {
  int threads = 0;          // 0: one per core
  std::string models_dir;
  bool quiet = false;
  bool json = false;
  bool overwrite = false;
  int64_t max_pixels = 0;   // 0: keep the default caps
  int64_t max_frames = 0;
  double max_seconds = 0;
  std::string command_line;  // the whole command as typed, recorded in what it writes

  void add_to(CLI::App& app);
  // Applies console, media-limit and thread settings (OpenCV's pool; the full program also sets
  // libtorch's, jl::set_threads); called once after parsing, by run_reporting_errors.
  void apply() const;
};

struct Command {
  CLI::App* app = nullptr;
  std::function<void()> run;
};

Command add_version_command(CLI::App& parent, const GlobalOptions& global);
Command add_info_command(CLI::App& parent, const GlobalOptions& global);
Command add_convert_command(CLI::App& parent, const GlobalOptions& global);
Command add_probe_command(CLI::App& parent, const GlobalOptions& global);
Command add_world_command(CLI::App& parent, const GlobalOptions& global);
Command add_judge_command(CLI::App& parent, const GlobalOptions& global);
Command add_eval_command(CLI::App& parent, const GlobalOptions& global);
Command add_train_command(CLI::App& parent, const GlobalOptions& global);
Command add_txt2img_command(CLI::App& parent, const GlobalOptions& global);
Command add_inpaint_command(CLI::App& parent, const GlobalOptions& global);
Command add_watermark_command(CLI::App& parent, const GlobalOptions& global);
Command add_holdout_command(CLI::App& parent, const GlobalOptions& global);
Command add_batch_command(CLI::App& parent, const GlobalOptions& global);
Command add_studio_command(CLI::App& parent, const GlobalOptions& global);
// `load` decides which upscalers the command can run: load_upscaler (pipelines/net_upscaler.h) in
// the full program, load_file_upscaler in the torch-free front end (front_main.cpp).
Command add_upscale_command(CLI::App& parent, const GlobalOptions& global, UpscalerLoader load);
Command add_eval_upscale_command(CLI::App& parent, const GlobalOptions& global);
Command add_interpolate_command(CLI::App& parent, const GlobalOptions& global);
Command add_eval_interpolate_command(CLI::App& parent, const GlobalOptions& global);
Command add_eval_speech_command(CLI::App& parent, const GlobalOptions& global);
Command add_speech_command(CLI::App& parent, const GlobalOptions& global);
Command add_speak_command(CLI::App& parent, const GlobalOptions& global);
// The sampling flags of speech generation (speak, speech continue).
void add_unit_sampling_options(CLI::App& app, speech::UnitSampling& options);
// --waveform: the unit vocoder's last stage (speak, speech continue, speech resynth).
void add_waveform_option(CLI::App& app, speech::Waveform& waveform);

// The flags of `jielong convert` bound to `params` (the positional inputs land in `inputs`); the
// command and a batch job's convert task both register them with this.
void add_convert_options(CLI::App& app, ConvertParams& params, std::vector<std::string>& inputs);
// The flags of `jielong upscale`, shared with a batch job's upscale task.
void add_upscale_options(CLI::App& app, UpscaleParams& params);
// The `upscale` subcommand with its flags bound to `params`, and what it runs (both programs).
CLI::App* add_upscale_subcommand(CLI::App& parent, UpscaleParams& params);
void run_upscale(UpscaleParams params, const GlobalOptions& global, const UpscalerLoader& load);

// Progress callbacks that draw a jl::Progress bar on stderr (or JSON events with --json), and whose
// cancel flag is raised by Ctrl-C / SIGTERM (see install_cancel_handlers).
Callbacks progress_callbacks(const std::string& label);

// The first SIGINT or SIGTERM asks the running pipeline to stop at its next step (its atomic writers
// then delete their temporary files); a second one ends the process at once.
void install_cancel_handlers();
bool cancel_requested();
// The flag those handlers raise, for pipelines that take a cancel pointer.
const std::atomic<bool>* cancel_signal();

// What the main() of both programs (main.cpp, front_main.cpp) share. First thing in main():
void keep_frame_buffers_on_heap();
// After parsing: installs the cancel handlers, applies `global`, calls `run`, and turns every failure
// into one line on stderr and the exit code: 0 done, 1 failed (jl::Error), 2 bad usage, 3 partly
// failed (a batch with failed items), 130 cancelled.
int run_reporting_errors(const GlobalOptions& global, const std::function<void()>& run);

}  // namespace jl::cli
