// SpeechTransformer: the network behind text-to-speech (`jielong speak`) and the unit language model
// (`jielong speech continue`): a causal transformer over speech units at 50 Hz, after a prefix of
// the text's tokens (pipelines/speech/lexicon.h) that attend to one another both ways.
// Alignment is not left for attention to discover (that needs far more speech and compute than we
// have): every frame is told which text token it is saying and how many frames into it it is, from
// durations — at training time those of the aligner (training/speech_alignment.h), when speaking
// those the duration head predicts from the prefix. So the units still come one by one, each sampled
// given those before it (autoregressive, with a KV cache, ready for speculative decoding), and the
// text decides what they say.
// Without text (the unit language model, or a TTS model's dropped condition) the prefix is one
// "no text" token and no frame names a token.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "models/transformer_block.h"

namespace jl::models {

struct SpeechTransformerConfig {
  int units = 100;       // the unit codebook's size; id `units` is [BOS]
  int tokens = 41;       // text tokens; id `tokens` is "no text"
  int max_tokens = 200;  // text tokens a sentence may have
  int dim = 192;
  int layers = 4;
  int heads = 4;
  int mlp_ratio = 4;
  std::string codebook;  // SpeechUnitsImpl::fingerprint() of its codebook ("": not recorded, older checkpoints)
  void validate() const;
  int64_t bos() const { return units; }
  int64_t no_text() const { return tokens; }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpeechTransformerConfig, units, tokens, max_tokens, dim, layers, heads, mlp_ratio,
                                                codebook)

// What each frame is told about the text: the index of its token in the text (-1: none) and the
// frames since that token began.
struct FrameAlignment {
  torch::Tensor token_index;  // [B, F] int64
  torch::Tensor progress;     // [B, F] int64
};

// Durations (frames per token, [B, P]) to the alignment of `frames` frames; frames past the last
// token keep to it.
FrameAlignment align_frames(const torch::Tensor& durations, int64_t frames);

class SpeechTransformerImpl : public torch::nn::Module {
 public:
  explicit SpeechTransformerImpl(const SpeechTransformerConfig& config);

  static constexpr int64_t kProgressBuckets = 16;  // frames into a token, the last bucket for "or more"

  struct Output {
    torch::Tensor logits;         // [B, F, units]: each frame's unit
    torch::Tensor log_durations;  // [B, P]: log(1 + frames) of each text token
  };
  // Training: text [B, P] (padding: true where there is none), previous units [B, F] (BOS first),
  // their alignment.
  Output forward(const torch::Tensor& text, const torch::Tensor& padding, const torch::Tensor& previous,
                 const FrameAlignment& alignment);

  // Decoding: start() runs the text into a cache with room for `frames` frames and returns the
  // predicted log durations [B, P]; decode() runs the next n frames (their previous units and
  // alignment, with the same text) and returns their logits [B, n, units]. Rolling back is lowering
  // cache.length.
  KVCache start(const torch::Tensor& text, const torch::Tensor& padding, int64_t frames, torch::Tensor* log_durations);
  torch::Tensor decode(KVCache& cache, const torch::Tensor& text, const torch::Tensor& previous, const FrameAlignment& alignment);
  int64_t decoded(const KVCache& cache, int64_t text_tokens) const { return cache.length - text_tokens; }

  SpeechTransformerConfig config;

 private:
  torch::Tensor embed_frames(const torch::Tensor& text, const torch::Tensor& previous, const FrameAlignment& alignment,
                             int64_t first_frame);
  torch::Tensor run(torch::Tensor x, const torch::Tensor& bias, KVCache* cache);

  torch::nn::Embedding token_embedding{nullptr}, unit_embedding{nullptr}, progress_embedding{nullptr};
  torch::Tensor text_positions;
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr}, duration_head{nullptr};
};
TORCH_MODULE(SpeechTransformer);

inline constexpr const char* kSpeechTransformerModel = "speech_transformer";

SpeechTransformer load_speech_transformer(const std::filesystem::path& path);

}  // namespace jl::models
