// Super-resolution: a picture, a folder of pictures or a video made `scale` times larger by an
// upscaler, in overlapping tiles so that memory stays bounded by the tile size whatever the picture.
//
// Upscalers:
//   slim, medium, thick   the pretrained ESRGAN models of UpscalerJS (x2, x3, x4, x8), fetched from
//                         npm by scripts/fetch-upscalerjs.sh into the models cache and run through the
//                         TF.js importer (models/tfjs_model.h). slim and medium (RDN) take pixels in
//                         0..255, thick (RRDN) in 0..1, as their package code says.
//   photo (x2, x4)        our own, trained on photos from Debian's wallpaper packages (`jielong train
//                         upscaler --data photo`): checkpoints photo_x2, photo_x4 in the model store
//   world (x4)            our own for ShapeWorld generations, 64 -> 256 (checkpoint world_x4)
//   bicubic               OpenCV's bicubic resize: the baseline every learned upscaler is measured against.
//
// Tiling: the picture is cut into cores of `tile` x `tile` input pixels; each core is run with
// `overlap` pixels of its neighbours around it, and where neighbouring results overlap they are
// blended with weights that fall linearly from 1 at a core's edge to 0 halfway through its context,
// so there are no seams and a tiled result matches the whole-picture result closely.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::models {
class ModelStore;
class SuperResolutionNetImpl;
}

namespace jl {

namespace fs = std::filesystem;

// The upscalers `--model` accepts, and the scales each offers.
const std::vector<std::string>& upscaler_names();
std::vector<int> upscaler_scales(const std::string& name);

// Every upscaler and scale, and where its model file is (empty for bicubic) and whether it is there,
// for `jielong info`.
struct UpscalerEntry {
  std::string name;
  int scale = 0;
  fs::path path;
  bool available = false;
};
std::vector<UpscalerEntry> list_upscalers(const models::ModelStore& store);

// A loaded upscaler at one scale. Loaded once per ModelStore and shared.
class Upscaler {
 public:
  virtual ~Upscaler() = default;
  virtual int scale() const = 0;
  // One tile: RGB CV_32FC3 in 0..1 -> CV_32FC3 `scale` times larger, in 0..1 give or take (not clamped).
  virtual cv::Mat run(const cv::Mat& rgb) const = 0;
  // How the checkpoint or model file is named in messages and parameters.
  virtual std::string description() const = 0;
  // The network's floating-point operations per input pixel (its convolutions), for throughput
  // figures; 0 for bicubic.
  virtual double flops_per_pixel() const = 0;
};

// The UpscalerJS models' files in the models cache, and the pixel range each takes (255 or 1).
fs::path upscalerjs_model_file(const std::string& name, int scale);
double upscalerjs_input_range(const std::string& name);

// A SuperResolutionNet in training, as an Upscaler (for evaluations while it learns).
std::shared_ptr<const Upscaler> net_upscaler(std::shared_ptr<models::SuperResolutionNetImpl> net, std::string description);

// Jl::Error naming the model and scale, and for an UpscalerJS model that is not in the cache, the
// script that fetches it.
std::shared_ptr<const Upscaler> load_upscaler(const std::string& name, int scale, models::ModelStore& store);

// An RGB picture (CV_8UC3) of any size, upscaled in tiles (tile 0: the whole picture at once).
cv::Mat upscale_picture(const cv::Mat& rgb, const Upscaler& upscaler, int tile, int overlap, const Callbacks& callbacks = {});

struct UpscaleParams {
  fs::path input;        // a picture, a folder of pictures, or a video
  fs::path output;       // the same kind: a picture, a folder (made if missing), a video
  std::string model = "slim";
  int scale = 4;
  int tile = 128;        // input pixels per tile side; 0: the whole picture at once
  int overlap = 16;      // input pixels of context each tile takes from its neighbours
  bool overwrite = false;

  void validate() const;  // UsageError naming the flag
  std::string to_string() const;
};

struct UpscaleResult {
  fs::path output;
  int64_t pictures = 0;      // images, or video frames
  int width = 0, height = 0; // of the (last) output
  double seconds = 0;
  double megapixels_per_second = 0;  // output pixels
};

UpscaleResult upscale(const UpscaleParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl
