#include "pipelines/tokens/guided_transformer.h"

#include "models/runtime.h"

namespace jl::tokens {

GuidedTransformer::GuidedTransformer(models::TokenTransformerImpl& model, const Condition& cond,
                                     const Condition& uncond, double scale, bool bfloat16)
    : model_(model), scale_(scale), bfloat16_(bfloat16 && cpu_has_bfloat16()), batch_(cond.features.size(0)) {
  if (scale_ == 1.0) {
    features_ = cond.features;
    padding_ = cond.padding;
  } else {
    features_ = torch::cat({cond.features, uncond.features});
    padding_ = torch::cat({cond.padding, uncond.padding});
  }
}

torch::Tensor GuidedTransformer::guided(const torch::Tensor& raw) const {
  if (scale_ == 1.0) return raw;
  const torch::Tensor cond = raw.narrow(0, 0, batch_), uncond = raw.narrow(0, batch_, batch_);
  return uncond + (cond - uncond) * scale_;
}

torch::Tensor GuidedTransformer::logits(const torch::Tensor& tokens) {
  const torch::Tensor both = scale_ == 1.0 ? tokens : torch::cat({tokens, tokens});
  torch::Tensor raw;
  {
    const BFloat16Autocast autocast(bfloat16_);
    raw = model_.forward(features_, padding_, both);
  }
  return guided(raw.to(torch::kFloat32));  // (guidance in bfloat16 would move logits of ~10 by ~0.1)
}

torch::Tensor GuidedTransformer::decode(const torch::Tensor& inputs) {
  if (!cache_.capacity()) restart();
  const torch::Tensor both = scale_ == 1.0 ? inputs : torch::cat({inputs, inputs});
  torch::Tensor raw;
  {
    const BFloat16Autocast autocast(bfloat16_);
    raw = model_.decode(cache_, both);
  }
  return guided(raw.to(torch::kFloat32));
}

void GuidedTransformer::rollback(int64_t positions) {
  if (cache_.capacity() && positions < decoded()) cache_.length = model_.config.text_len + std::max<int64_t>(0, positions);
}

void GuidedTransformer::restart() {
  const BFloat16Autocast autocast(bfloat16_);
  cache_ = model_.start(features_, padding_);
}

}  // namespace jl::tokens
