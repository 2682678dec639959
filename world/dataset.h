// A streaming ShapeWorld dataset for training: batches of freshly sampled and rendered scenes with
// their captions, made on worker threads, seeded, never touching the disk, never a holdout prompt.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "world/scene.h"

namespace jl::world {

struct DatasetOptions {
  int size = 64;          // N
  int batch = 32;
  bool video = false;
  int frames = 16;        // video only
  uint64_t seed = 0;
  int threads = 2;        // worker threads rendering ahead
  int prefetch = 4;       // batches kept ready
  uint64_t first_batch = 0;  // index of the first batch next() returns: a resumed run continues the stream
};

struct Batch {
  at::Tensor images;                   // uint8 [B, 3, N, N], or [B, T, 3, N, N] for video
  std::vector<std::string> captions;   // a paraphrased caption per item
  std::vector<SceneSpec> specs;
  std::vector<Scene> scenes;           // images only: where each object landed (inpainting masks)
};

// Batch k is the same for the same options whatever the thread count: each batch has its own seed
// derived from (seed, k).
class ShapeWorldStream {
 public:
  explicit ShapeWorldStream(const DatasetOptions& options);
  ~ShapeWorldStream();
  Batch next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jl::world
