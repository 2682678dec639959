#include "training/inpainting_masks.h"

#include <algorithm>
#include <cmath>

namespace jl::training {

namespace {

int uniform(int low, int high) { return int(torch::randint(low, high + 1, {1}).item<int64_t>()); }

// Marks pixels [x0, x1) x [y0, y1) (clipped to the picture) as redrawn.
void redraw(torch::Tensor& pixels, int x0, int y0, int x1, int y1) {
  const int side = int(pixels.size(0));
  x0 = std::clamp(x0, 0, side), x1 = std::clamp(x1, 0, side), y0 = std::clamp(y0, 0, side), y1 = std::clamp(y1, 0, side);
  if (x1 > x0 && y1 > y0) pixels.slice(0, y0, y1).slice(1, x0, x1).fill_(1);
}

// An object's box with a margin of 1..8 px drawn per side: the painted mask and, at inference, its
// blurred edge.
void redraw_object(torch::Tensor& pixels, const world::PlacedObject& object, int side) {
  const double half = object.extent * side / 2, cx = object.cx * side, cy = object.cy * side;
  redraw(pixels, int(std::floor(cx - half)) - uniform(1, 8), int(std::floor(cy - half)) - uniform(1, 8),
         int(std::ceil(cx + half)) + uniform(1, 8), int(std::ceil(cy + half)) + uniform(1, 8));
}

}  // namespace

torch::Tensor inpainting_keep_masks(const std::vector<world::Scene>& scenes, int side, int cell) {
  std::vector<torch::Tensor> masks;
  for (const world::Scene& scene : scenes) {
    torch::Tensor pixels = torch::zeros({side, side});
    const double kind = torch::rand({1}).item<double>();
    if (kind < 0.15 || scene.objects.empty()) {  // everything: text-to-image
      pixels.fill_(1);
    } else if (kind < 0.65) {  // one object
      redraw_object(pixels, scene.objects[size_t(uniform(0, int(scene.objects.size()) - 1))], side);
    } else if (kind < 0.75) {  // every object
      for (const world::PlacedObject& object : scene.objects) redraw_object(pixels, object, side);
    } else if (kind < 0.9) {  // a rectangle anywhere
      const int w = uniform(side / 4, side), h = uniform(side / 4, side);
      const int x = uniform(0, side - w), y = uniform(0, side - h);
      redraw(pixels, x, y, x + w, y + h);
    } else {  // a border on some sides: outpainting
      int left = uniform(0, 1) * uniform(8, side / 3);
      const int right = uniform(0, 1) * uniform(8, side / 3);
      const int top = uniform(0, 1) * uniform(8, side / 3), bottom = uniform(0, 1) * uniform(8, side / 3);
      if (left + right + top + bottom == 0) left = uniform(8, side / 3);
      redraw(pixels, 0, 0, left, side);
      redraw(pixels, side - right, 0, side, side);
      redraw(pixels, 0, 0, side, top);
      redraw(pixels, 0, side - bottom, side, side);
    }
    masks.push_back(1 - torch::max_pool2d(pixels.view({1, 1, side, side}), {cell, cell}));
  }
  return torch::cat(masks);
}

}  // namespace jl::training
