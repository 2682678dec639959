// Super-resolution: a picture, a folder of pictures or a video made `scale` times larger by an
// upscaler, in overlapping tiles so that memory stays bounded by the tile size whatever the picture.
//
// Upscalers:
//   slim, medium, thick   the pretrained ESRGAN models of UpscalerJS (x2, x3, x4, x8), fetched from
//                         npm by scripts/fetch-upscalerjs.sh into the models cache and run as TF.js
//                         models without libtorch (models/tfjs_model.h). slim and medium (RDN) take
//                         pixels in 0..255, thick (RRDN) in 0..1, as their package code says.
//   photo (x2, x4)        our own libtorch networks (pipelines/net_upscaler.h), trained on photos from Debian's wallpaper packages (`jielong train
//                         upscaler --data photo`): checkpoints photo_x2, photo_x4 in the model store
//   world (x4)            our own for ShapeWorld generations, 64 -> 256 (checkpoint world_x4)
//   bicubic               OpenCV's bicubic resize: the baseline every learned upscaler is measured against.
//
// Tiling: the picture is cut into cores of `tile` x `tile` input pixels; each core is run with
// `overlap` pixels of its neighbours around it, and where neighbouring results overlap they are
// blended with weights that fall linearly from 1 at a core's edge to 0 halfway through its context,
// so there are no seams and a tiled result matches the whole-picture result closely.
//
// This file needs no libtorch, so that `jielong upscale` with an UpscalerJS model or bicubic runs in
// the torch-free front end (studio/cli/front_main.cpp); which upscalers a run can load is the
// UpscalerLoader it passes.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::models {
class ModelStore;
}

namespace jl {

namespace fs = std::filesystem;

// The upscalers `--model` accepts, and the scales each offers.
const std::vector<std::string>& upscaler_names();
std::vector<int> upscaler_scales(const std::string& name);
// UsageError for an unknown upscaler or a scale it does not offer.
void check_upscaler(const std::string& name, int scale);

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
// Our own upscalers' checkpoint names: photo_x4 (photo_x4.safetensors), world_x4, ...
std::string upscaler_checkpoint(const std::string& name, int scale);
// photo and world: libtorch networks, loaded by load_upscaler (pipelines/net_upscaler.h).
bool upscaler_needs_libtorch(const std::string& name);

// Loads an upscaler at one scale: UsageError for an unknown name or scale, jl::Error naming the
// model and scale when it cannot be loaded.
using UpscalerLoader = std::function<std::shared_ptr<const Upscaler>(const std::string& name, int scale, models::ModelStore& store)>;
// The loader of the upscalers that need no libtorch: slim, medium, thick (for one missing from the
// cache, the error names the script that fetches it) and bicubic.
std::shared_ptr<const Upscaler> load_file_upscaler(const std::string& name, int scale, models::ModelStore& store);

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

// Upscales params.input into params.output with the upscaler `load` gives (load_upscaler of
// pipelines/net_upscaler.h for any; load_file_upscaler where libtorch is not loaded).
UpscaleResult upscale_with(const UpscalerLoader& load, const UpscaleParams& params, models::ModelStore& store,
                           const Callbacks& callbacks = {});

}  // namespace jl
