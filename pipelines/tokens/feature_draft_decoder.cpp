#include "pipelines/tokens/feature_draft_decoder.h"

#include "core/error.h"

namespace jl::tokens {

FeatureDraftDecoder::FeatureDraftDecoder(models::FeatureDraftImpl& draft, GuidedTransformer& target)
    : draft_(draft), target_(target) {
  const auto& t = target.config();
  if (draft.config.dim != t.dim || draft.config.vocab != t.vocab || draft.config.grid != t.grid)
    throw Error("feature draft: made for a target of width " + std::to_string(draft.config.dim) + " over " +
                std::to_string(draft.config.vocab) + " codes on a " + std::to_string(draft.config.grid) +
                " grid; this target has " + std::to_string(t.dim) + ", " + std::to_string(t.vocab) + ", " +
                std::to_string(t.grid) + " (use the draft trained for it)");
}

torch::Tensor FeatureDraftDecoder::decode(const torch::Tensor& inputs) {
  if (!cache_.capacity()) restart();
  const int64_t first = decoded(), n = inputs.size(1), rows = target_.rows();
  // The features before each position: none before the first, the target's where committed (the
  // target has run those positions on final tokens), else the draft's own prediction.
  const bool on_target = first + n - 1 <= committed_;
  if (!on_target && n > 1) throw Error("feature draft: proposes one position at a time past the committed tokens");
  torch::Tensor previous;
  if (first == 0) {
    previous = torch::zeros({rows, 1, draft_.config.dim});
    if (n > 1) previous = torch::cat({previous, target_.decoded_features().narrow(1, 0, n - 1)}, 1);
  } else {
    previous = (on_target ? target_.decoded_features() : predicted_).narrow(1, first - 1, n);
  }
  const torch::Tensor both = rows == inputs.size(0) ? inputs : torch::cat({inputs, inputs});
  const torch::Tensor features = draft_.decode(cache_, previous, both);
  predicted_.narrow(1, first, n).copy_(features);
  if (on_target && exact_ == first) exact_ = first + n;
  return target_.guided(target_.model().logits(features));
}

void FeatureDraftDecoder::rollback(int64_t positions) {
  if (cache_.capacity() && positions < cache_.length) cache_.length = std::max<int64_t>(0, positions);
  exact_ = std::min(exact_, std::max<int64_t>(0, positions));
}

void FeatureDraftDecoder::restart() {
  cache_ = draft_.start(target_.rows());
  predicted_ = torch::zeros({target_.rows(), length(), draft_.config.dim});
  exact_ = 0;  // committed_ stays: it says what the target holds, which commit() keeps current
}

void FeatureDraftDecoder::commit(int64_t positions) {
  committed_ = positions;
  rollback(std::min(exact_, positions));
}

}  // namespace jl::tokens
