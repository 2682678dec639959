// What the studio remembers between runs: the last parameters of every panel, the output folder
// and the window's place. Kept as JSON in the config folder (studio.json, beside ImGui's own
// imgui.ini for the panels' layout). A missing file gives the defaults; a damaged one gives the
// defaults and a message, never a failure to start.
#pragma once

#include <filesystem>
#include <string>

#include "pipelines/inpaint.h"
#include "pipelines/txt2img.h"

namespace jl::gui {

namespace fs = std::filesystem;

struct StudioSettings {
  Txt2ImgParams generation;      // the Generate panel (its model, tokenizer, ... stay the defaults)
  bool speculative = false;      // "AR + speculative": generation.draft = ar_draft
  bool random_seed = true;       // a new seed for every run (the one used is shown)
  InpaintParams inpaint;         // the Inpaint panel's own controls (its generation is the panel's)
  std::string upscaler = "slim";
  int upscale_scale = 2;
  float brush_size = 12, brush_hardness = 0.8f;
  fs::path output_dir;           // where Save writes and the gallery looks
  int window_x = -1, window_y = -1, window_width = 1280, window_height = 800;

  StudioSettings();
};

// The config folder: $JIELONG_CONFIG_DIR, else $XDG_CONFIG_HOME/jielong, else ~/.config/jielong.
fs::path default_config_dir();
// The default output folder: ~/Pictures/jielong when ~/Pictures exists, else ./outputs.
fs::path default_output_dir();

// Reads `file`; `problem` receives a one-line message when the file exists but cannot be used.
StudioSettings load_settings(const fs::path& file, std::string* problem);
void save_settings(const fs::path& file, const StudioSettings& settings);  // atomic

}  // namespace jl::gui
