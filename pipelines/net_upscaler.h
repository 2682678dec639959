// Our own upscalers (photo, world: SuperResolutionNet checkpoints, models/sr_net.h) as Upscalers,
// and the loader of every upscaler. These need libtorch; the rest of upscaling does not
// (pipelines/upscale.h).
#pragma once

#include <memory>
#include <string>

#include "pipelines/upscale.h"

namespace jl::models {
class SuperResolutionNetImpl;
}

namespace jl {

// A SuperResolutionNet in training, as an Upscaler (for evaluations while it learns).
std::shared_ptr<const Upscaler> net_upscaler(std::shared_ptr<models::SuperResolutionNetImpl> net, std::string description);

// Any upscaler of upscaler_names(): photo and world from their checkpoints in the store, the others
// as load_file_upscaler loads them.
std::shared_ptr<const Upscaler> load_upscaler(const std::string& name, int scale, models::ModelStore& store);

// upscale_with(load_upscaler, ...).
UpscaleResult upscale(const UpscaleParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl
