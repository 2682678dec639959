// The holes an inpainting denoiser learns to fill: for each training scene, which latent cells are
// redrawn. Most masks cover one object's box with a random margin (what users paint and what the
// holdout inpainting benchmark asks), some cover every object, a random rectangle or a border
// (outpainting), and some the whole picture, so the model stays a text-to-image model too.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "world/scene.h"

namespace jl::training {

// Keep masks [B, 1, side / cell, side / cell] float: 1 where the latent cell is known, 0 where it is
// redrawn (a cell is redrawn when any of its pixels is). Drawn with torch's global generator.
torch::Tensor inpainting_keep_masks(const std::vector<world::Scene>& scenes, int side, int cell);

}  // namespace jl::training
