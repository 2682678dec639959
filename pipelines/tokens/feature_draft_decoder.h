// A FeatureDraft as speculative decoding's draft: it proposes tokens from the features its target
// (a GuidedTransformer) computed for the committed positions, and from its own predicted features
// beyond them, with the target's guidance applied to its logits as to the target's own.
#pragma once

#include <torch/torch.h>

#include "models/feature_draft.h"
#include "pipelines/tokens/causal_decoder.h"
#include "pipelines/tokens/guided_transformer.h"

namespace jl::tokens {

class FeatureDraftDecoder : public CausalDecoder {
 public:
  FeatureDraftDecoder(models::FeatureDraftImpl& draft, GuidedTransformer& target);

  int64_t batch() const override { return target_.batch(); }
  int64_t length() const override { return target_.length(); }
  int64_t bos() const override { return target_.bos(); }
  torch::Tensor decode(const torch::Tensor& inputs) override;
  int64_t decoded() const override { return cache_.capacity() ? cache_.length : 0; }
  void rollback(int64_t positions) override;
  void restart() override;
  // Positions run on the draft's own features are run again on the target's once committed.
  void commit(int64_t positions) override;

 private:
  models::FeatureDraftImpl& draft_;
  GuidedTransformer& target_;
  models::KVCache cache_;
  torch::Tensor predicted_;  // the draft's predicted features [rows, N, dim]
  int64_t committed_ = 0;    // positions whose target features are final
  int64_t exact_ = 0;        // positions in the cache that were run on the target's features
};

}  // namespace jl::tokens
