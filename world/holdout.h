// The holdout prompts: fixed lists (assets/eval/holdout_images.txt, holdout_videos.txt, embedded into
// the binary at build time) that the training sampler never emits; every quality figure of a built-in
// model is measured on them.
#pragma once

#include <string>
#include <vector>

#include "world/scene.h"

namespace jl::world {

const std::vector<SceneSpec>& holdout_images();
const std::vector<SceneSpec>& holdout_videos();

// True when `spec` is one of the holdout specs (compared as specs, so any paraphrase matches).
bool is_holdout(const SceneSpec& spec);

}  // namespace jl::world
