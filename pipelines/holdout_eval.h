// How well a generator draws what it is asked: pictures are generated for the holdout prompts
// (prompt i with seed i) and judged by the world judge, clause by clause, with one-object and
// two-object prompts reported apart. The trainers call it on the model being trained; `jielong
// holdout txt2img` calls it on shipped checkpoints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/txt2img.h"

namespace jl::models {
class ModelStore;
}

namespace jl {

// Pictures for `prompts`, the k-th drawn with seed first_seed + k.
using GenerateFn = std::function<std::vector<cv::Mat>(const std::vector<std::string>& prompts, uint64_t first_seed)>;

// {"count", "passed", "accuracy", "one_object": {passed,total,accuracy}, "two_object": {...},
//  "clauses": {kind: {...}}, "seconds", "images_per_second", "failures": [first prompts that failed]}.
// With a save_dir, every picture is kept there as NNN-pass.png or NNN-fail.png, its prompt embedded.
nlohmann::json evaluate_holdout(int count, int batch, const GenerateFn& generate, const Callbacks& callbacks = {},
                                const std::filesystem::path& save_dir = {});

// A --save-dir for pictures of an evaluation must be new or empty: no earlier run's files get mixed in
// or overwritten. Throws a UsageError otherwise.
void check_save_dir(const std::filesystem::path& save_dir);

struct HoldoutParams {
  Txt2ImgParams generation;  // method, model, sampling (prompt, seed and count unused)
  int count = 500;           // holdout prompts (at most the list's 500)
  int batch = 25;            // pictures generated together
  std::string detect_key;    // also re-tokenize every picture and test it for this watermark key
                             // (defaults to the --watermark key when one is embedded)
  std::filesystem::path save_dir;  // when set: every picture, as NNN-pass.png or NNN-fail.png
  void validate() const;
};
// The report of evaluate_holdout(), plus passes and acceptance rate; with a detect key,
// "watermark": {"key_detected": fraction with z > 4, "abs_z_over_4": fraction with |z| >= 4, "mean_z"},
// and for token generators where the score is lost: "drawn_mean_z" (the tokens as drawn, before the
// decoder) and "tokens_kept" (the share of drawn tokens re-tokenizing the picture gives back).
nlohmann::json evaluate_txt2img_holdout(const HoldoutParams& params, models::ModelStore& store,
                                        const Callbacks& callbacks = {});

}  // namespace jl
