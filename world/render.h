// The renderer: exact palette, anti-aliased by 4x4 supersampling per pixel (area average), at any side
// N >= 8 (the world is defined for N >= 32). The same coverage function draws scenes and serves the
// judge as its shape templates.
#pragma once

#include <opencv2/core/mat.hpp>
#include <vector>

#include "world/scene.h"

namespace jl::world {

// Fraction of pixel (px, py) of an N x N canvas covered by `object` (0..1), by 4x4 supersampling.
float coverage(const PlacedObject& object, int px, int py, int n);

// Coverage of `object` over the whole canvas: CV_32FC1, N x N, values 0..1 (only the object's box is
// computed; the rest is 0).
cv::Mat coverage_map(const PlacedObject& object, int n);

// The scene as an 8-bit RGB image (CV_8UC3, channel order R, G, B), N x N.
cv::Mat render(const Scene& scene, int n);
// Into an existing buffer (reallocated only when the size differs): the streaming dataset's hot path.
void render_into(const Scene& scene, int n, cv::Mat& rgb);

std::vector<cv::Mat> render_video(const VideoScene& video, int n);

}  // namespace jl::world
