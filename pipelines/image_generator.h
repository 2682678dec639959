// Any of the studio's generators behind one face, loaded once from the store by what Txt2ImgParams
// asks for (ar, ar + draft, maskgit or diffusion): txt2img(), the holdout evaluation and batch runs
// call generate() without caring which family draws.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/txt2img.h"

namespace jl::models {
class ModelStore;
class PatchTokenizerImpl;
}  // namespace jl::models

namespace jl {

class ImageGenerator {
 public:
  // Loads and cross-checks the models `params` names (UsageError/jl::Error on bad params or models).
  ImageGenerator(models::ModelStore& store, const Txt2ImgParams& params);
  ~ImageGenerator();
  ImageGenerator(const ImageGenerator&) = delete;
  ImageGenerator& operator=(const ImageGenerator&) = delete;

  // One picture per prompt, the k-th drawn with seed first_seed + k, with the sampling settings of
  // the params given at construction (their prompt, count and seed are not used).
  std::vector<cv::Mat> generate(const std::vector<std::string>& prompts, uint64_t first_seed,
                                const Callbacks& callbacks = {});
  // Model passes so far; speculative decoding adds draft passes and the acceptance rate.
  nlohmann::json stats() const;
  // The tokenizer the pictures go through (the watermark detector re-tokenizes with it).
  models::PatchTokenizerImpl& tokenizer() const;
  // The token grids (raster order) behind the last generate()'s pictures; none for diffusion.
  std::vector<std::vector<int64_t>> drawn_tokens() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jl
