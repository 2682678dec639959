// The Generate panel: prompt and negative prompt (checked against the world's vocabulary as you
// type), method (AR, AR + speculative, MaskGIT, Diffusion), sampler, steps, guidance, temperature,
// seed (fixed or random; the one used is shown), batch count and upscale factor; Generate and
// Cancel; a progress bar with the time left. Fills Txt2ImgParams and calls txt2img() on the worker,
// as `jielong txt2img` does.
#pragma once

#include <string>

#include "studio/gui/studio_context.h"

namespace jl::gui {

class GeneratePanel {
 public:
  explicit GeneratePanel(StudioContext& ctx) : ctx_(ctx) {}
  void draw();
  void generate();                            // Ctrl+Enter
  void reuse(const Txt2ImgParams& params);    // "reuse parameters" from the gallery

 private:
  void check_prompts();
  StudioContext& ctx_;
  std::string checked_;       // the prompts last checked
  std::string prompt_error_;  // what the parser said about them ("" when they parse)
  uint64_t last_seed_ = 0;
  bool has_last_seed_ = false;
};

// The progress bar with "step/total, N s left" that every panel's job shows.
void draw_job_progress(const Worker::Status& status, const char* label);
// A seed for "random": from the clock and a counter, so two clicks differ.
uint64_t random_seed();

}  // namespace jl::gui
