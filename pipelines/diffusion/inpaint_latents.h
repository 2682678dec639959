// Inpainting and outpainting with the diffusion denoiser (see pipelines/inpaint.h for the controls):
// the latents the mask touches are redrawn while the known latents are put back at every step,
// and the pictures are composited with the blurred mask.
#pragma once

#include <opencv2/core/mat.hpp>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/inpaint.h"

namespace jl::models {
class ModelStore;
}

namespace jl::diffusion {

// picture: RGB CV_8UC3, any size (the outpainted canvas when outpainting); mask: CV_8UC1 0/255 of the
// same size, not empty. One result per image of params.generation.count, at the picture's size.
std::vector<cv::Mat> inpaint_latents(const cv::Mat& picture, const cv::Mat& mask, const InpaintParams& params,
                                     models::ModelStore& store, const Callbacks& callbacks);

}  // namespace jl::diffusion
