// ShapeWorld tasks for the command line, batch jobs and the GUI: render a prompt, write a captioned
// dataset to disk, judge a file against a prompt, and evaluate a folder of outputs against a prompt
// list. Each takes a params struct (validate(), to_string()) like every pipeline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl {

namespace fs = std::filesystem;

struct WorldRenderParams {
  std::string prompt;
  fs::path output;     // an image for an image prompt; .mp4/.webm/.gif or a frame pattern for a video
  int size = 64;       // N
  uint64_t seed = 0;
  int frames = 16;     // video prompts
  double fps = 8;      // video prompts
  bool overwrite = false;
  void validate() const;
  std::string to_string() const;  // also embedded in the output ("parameters" text / comment tag)
};
void world_render(const WorldRenderParams& params);

struct WorldSampleParams {
  int count = 100;
  fs::path out_dir;
  bool video = false;
  int size = 64;
  uint64_t seed = 0;
  int frames = 16;
  double fps = 8;
  bool overwrite = false;
  void validate() const;
  std::string to_string() const;
};
// NAME.png (or NAME.mp4) + NAME.txt for NAME = 00000, 00001, ...: the layout LoRA/kohya-style trainers
// read. Returns the number of pairs written.
int world_sample(const WorldSampleParams& params, const Callbacks& callbacks = {});

// `count` captions of random scenes (image scenes, or video scenes with a motion), paraphrases
// included and never a holdout prompt: the ShapeWorld sentences of the speech data.
std::vector<std::string> world_captions(int count, uint64_t seed, bool video);

// The judge's verdict on one file (an image, or a video for a prompt with a motion), as JSON:
// {"pass", "clauses": [...], "found" | "frames"}.
nlohmann::json judge_file(const std::string& prompt, const fs::path& file);

struct EvalParams {
  fs::path prompts;  // one prompt a line; an optional second column (after a tab) names the file stem
  fs::path inputs;   // the folder of outputs: line N (from 0) is judged against the file whose stem is N
  void validate() const;
};
// {"prompts", "passed", "accuracy", "clauses": {kind: {"passed", "total", "accuracy"}}, "failures": [...]}
nlohmann::json evaluate(const EvalParams& params, const Callbacks& callbacks = {});

}  // namespace jl
