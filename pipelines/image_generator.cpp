#include "pipelines/image_generator.h"

#include "pipelines/diffusion/generate.h"
#include "pipelines/tokens/generate.h"

namespace jl {

struct ImageGenerator::Impl {
  Txt2ImgParams params;
  tokens::TokenModels token_models;          // ar, maskgit
  diffusion::DiffusionModels diffusion_models;  // diffusion
  tokens::DecodeStats stats;
  int64_t denoised = 0;  // pictures drawn by diffusion
  torch::Tensor drawn;   // the last token grids, [count, N]
};

ImageGenerator::ImageGenerator(models::ModelStore& store, const Txt2ImgParams& params) : impl_(std::make_unique<Impl>()) {
  Txt2ImgParams check = params;
  check.prompt.clear();  // the prompts come with generate()
  check.validate();
  impl_->params = params;
  if (params.method == Txt2ImgMethod::Diffusion)
    impl_->diffusion_models = diffusion::load_diffusion_models(store, params.model_name(), params.tokenizer, params.text_encoder);
  else
    impl_->token_models = tokens::load_token_models(store, params);
}

ImageGenerator::~ImageGenerator() = default;

std::vector<cv::Mat> ImageGenerator::generate(const std::vector<std::string>& prompts, uint64_t first_seed,
                                              const Callbacks& callbacks) {
  if (impl_->params.method == Txt2ImgMethod::Diffusion) {
    impl_->denoised += int64_t(prompts.size());
    return diffusion::generate_images(impl_->diffusion_models, prompts, impl_->params, first_seed, callbacks);
  }
  return tokens::generate_images(impl_->token_models, prompts, impl_->params, first_seed, callbacks, impl_->stats,
                                 &impl_->drawn);
}

std::vector<std::vector<int64_t>> ImageGenerator::drawn_tokens() const {
  std::vector<std::vector<int64_t>> out;
  if (impl_->params.method == Txt2ImgMethod::Diffusion || !impl_->drawn.defined()) return out;
  const torch::Tensor grids = impl_->drawn.contiguous();
  for (int64_t i = 0; i < grids.size(0); ++i) {
    const int64_t* row = grids[i].data_ptr<int64_t>();
    out.emplace_back(row, row + grids.size(1));
  }
  return out;
}

nlohmann::json ImageGenerator::stats() const {
  if (impl_->params.method == Txt2ImgMethod::Diffusion) return {{"pictures", impl_->denoised}};
  nlohmann::json out = {{"target_passes", impl_->stats.target_passes}};
  if (impl_->token_models.draft) {
    out["draft_passes"] = impl_->stats.draft_passes;
    out["acceptance_rate"] = impl_->stats.acceptance_rate();
  }
  return out;
}

models::PatchTokenizerImpl& ImageGenerator::tokenizer() const {
  return impl_->params.method == Txt2ImgMethod::Diffusion ? *impl_->diffusion_models.tokenizer
                                                          : *impl_->token_models.tokenizer;
}

}  // namespace jl
