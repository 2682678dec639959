// What the token-by-token decoders (pipelines/tokens/autoregressive.h: plain, KV-cached, speculative)
// need of a model: run the next positions through its cache and return their logits, forget
// positions, start over. The image generators' GuidedTransformer and speech's SpeechDecoder are two;
// so speculative decoding serves pictures and speech alike.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace jl::tokens {

class CausalDecoder {
 public:
  virtual ~CausalDecoder() = default;

  virtual int64_t batch() const = 0;
  virtual int64_t length() const = 0;  // positions in a whole sequence
  virtual int64_t bos() const = 0;     // the input of position 0
  // inputs [B, n] at the next n positions (the token before each) -> logits [B, n, V].
  virtual torch::Tensor decode(const torch::Tensor& inputs) = 0;
  virtual int64_t decoded() const = 0;  // positions already run
  // Forget every position from `positions` on (speculative decoding's rollback).
  virtual void rollback(int64_t positions) = 0;
  // Start over with an empty cache.
  virtual void restart() = 0;
};

}  // namespace jl::tokens
