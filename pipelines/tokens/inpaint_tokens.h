// Inpainting with MaskGIT: the tokens whose patch touches the mask are decoded again, all others stay
// fixed and condition them (see pipelines/inpaint.h).
#pragma once

#include <opencv2/core/mat.hpp>
#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/txt2img.h"

namespace jl::models {
class ModelStore;
}

namespace jl::tokens {

// picture: RGB CV_8UC3, any size; mask: CV_8UC1 0/255 of the same size, not empty. One result per
// image of params.count, at the picture's size.
std::vector<cv::Mat> inpaint_tokens(const cv::Mat& picture, const cv::Mat& mask, const Txt2ImgParams& params,
                                    models::ModelStore& store, const Callbacks& callbacks);

}  // namespace jl::tokens
