#include "pipelines/tokens/guided_transformer.h"

namespace jl::tokens {

GuidedTransformer::GuidedTransformer(models::TokenTransformerImpl& model, const Condition& cond,
                                     const Condition& uncond, double scale)
    : model_(model), scale_(scale), batch_(cond.features.size(0)) {
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
  return guided(model_.forward(features_, padding_, both));
}

torch::Tensor GuidedTransformer::decode(const torch::Tensor& inputs) {
  if (!cache_.capacity()) restart();
  const torch::Tensor both = scale_ == 1.0 ? inputs : torch::cat({inputs, inputs});
  return guided(model_.decode(cache_, both));
}

void GuidedTransformer::rollback(int64_t positions) {
  if (cache_.capacity() && positions < decoded()) cache_.length = model_.config.text_len + std::max<int64_t>(0, positions);
}

void GuidedTransformer::restart() { cache_ = model_.start(features_, padding_); }

}  // namespace jl::tokens
