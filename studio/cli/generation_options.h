// Flags shared by every command that generates pictures (txt2img, inpaint) and the writing of their
// outputs, so that both fill Txt2ImgParams the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipelines/inpaint.h"
#include "pipelines/txt2img.h"
#include "studio/cli/commands.h"

namespace jl::cli {

struct GenerationArgs {
  Txt2ImgParams params;
  std::string method = "maskgit";
  std::string sampler = "dpmpp_2m";
  std::filesystem::path output;
  std::filesystem::path preview_dir;  // diffusion: image 0's predicted clean picture at every step
  bool judge = false;  // judge every output against the prompt and report the verdict
};

// `per_prompt`: also --prompt, --negative-prompt, -n, --seed, -o and --judge (not for holdout runs,
// which take their prompts and seeds from the list).
void add_generation_options(CLI::App& app, GenerationArgs& args, bool per_prompt = true);
// Fills params.method and params.sampler from their names (UsageError for an unknown one).
void finish_generation_args(GenerationArgs& args);
// The progress bar, plus the previews written to --preview-dir (step-001.png, ...) when given.
Callbacks generation_callbacks(const GenerationArgs& args, const std::string& label, bool overwrite);

// Inpainting's own flags (diffusion: --mask-blur, --masked-content, --inpaint-area,
// --only-masked-padding, --outpaint), shared by `inpaint` and `holdout inpaint`.
struct InpaintArgs {
  InpaintParams params;
  std::string masked_content = "original";
  std::string area = "whole";
  std::string outpaint;
};
// Also makes --strength default to 1 (the masked area redrawn from noise).
void add_inpaint_options(CLI::App& app, InpaintArgs& args, GenerationArgs& generation);
// Every flag of `jielong inpaint` (--image, --mask, the generation and the inpainting flags); the
// command and a batch job's inpaint task both register them with this.
void add_inpaint_command_options(CLI::App& app, GenerationArgs& generation, InpaintArgs& region);
// The params with the generation settings and the parsed names (UsageError for a bad one).
InpaintParams finish_inpaint_args(const InpaintArgs& args, const GenerationArgs& generation);

// Where image i of `count` goes: the output itself for one image, NAME-i.EXT for several.
std::filesystem::path numbered_output(const std::filesystem::path& output, int index, int count);
// Refuses early (before any work) when an output exists without --overwrite or its folder is missing.
void check_outputs(const std::filesystem::path& output, int count, bool overwrite);
// One generated picture to `path` (PNG with its "parameters" text chunk, or any format by extension).
void save_generated(const GeneratedImage& image, const std::filesystem::path& path, bool overwrite);
// The world judge's verdict on a picture for a prompt, as JSON, and " judge PASS" / " judge FAIL
// [clause asked: found ...]" appended to `line`.
nlohmann::json judge_generated(const cv::Mat& rgb, const std::string& prompt, std::string& line);
// Writes the images (PNG with the "parameters" text chunk, or any image format by extension), says
// where, optionally judges them, and emits the JSON result.
void write_generated(const std::vector<GeneratedImage>& images, const GenerationArgs& args, bool overwrite,
                     const nlohmann::json& stats);

}  // namespace jl::cli
