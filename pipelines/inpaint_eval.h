// How well inpainting replaces one thing and leaves the rest: for each holdout scene (laid out with
// seed = its index and rendered), one object's box is masked and the prompt asks for a different
// color and shape there (the other object, the relation or position and the background stay). The
// world judge checks the whole new prompt on the result, and the pixels outside the mask are compared
// with the input (PSNR). `jielong holdout inpaint` runs it for MaskGIT and for diffusion.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "pipelines/callbacks.h"
#include "pipelines/inpaint.h"
#include "world/scene.h"

namespace jl {

struct InpaintEvalParams {
  InpaintParams inpaint;  // method and every setting (image, mask, prompt, seed and count are not used)
  int count = 200;        // holdout scenes (at most 500)
  std::filesystem::path save_dir;  // when set: NNN-before.png, NNN-mask.png, NNN-after-pass|fail.png per scene
  void validate() const;
};

// {"count", "passed", "accuracy", "one_object", "two_object", "psnr_outside_mask" (mean, each capped at
// 100 dB), "min_psnr_outside_mask", "seconds", "images_per_second", "failures": [first new prompts that failed]}
nlohmann::json evaluate_inpaint_holdout(const InpaintEvalParams& params, models::ModelStore& store,
                                        const Callbacks& callbacks = {});

// The edit made to scene `index`: the new spec, the laid-out scene rendered at `side`, and the mask.
struct InpaintCase {
  world::SceneSpec spec;  // what the result must show
  cv::Mat picture;        // the original scene, RGB
  cv::Mat mask;           // CV_8UC1, 255 over the replaced object's box (plus 2 px)
};
InpaintCase inpaint_case(int index, int side);

}  // namespace jl
