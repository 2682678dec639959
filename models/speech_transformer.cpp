#include "models/speech_transformer.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

namespace {

// Sinusoidal positions of frames first..first+n-1: [n, dim] (no table: any length works).
torch::Tensor frame_positions(int64_t first, int64_t n, int64_t dim) {
  const torch::Tensor position = torch::arange(first, first + n, torch::kFloat).unsqueeze(1);
  const torch::Tensor rate = torch::exp(torch::arange(0, dim / 2, torch::kFloat) * (-std::log(10000.0) * 2 / double(dim)));
  return torch::cat({torch::sin(position * rate), torch::cos(position * rate)}, 1);
}

// The additive attention bias of `queries` positions from `offset` over `keys` positions of which the
// first `text` are the text: a text token sees every text token, a frame sees the text and the frames
// up to itself. key_padding [B, keys].
torch::Tensor prefix_bias(const torch::Tensor& key_padding, int64_t text, int64_t queries, int64_t offset) {
  const int64_t keys = key_padding.size(1);
  const torch::Tensor query = torch::arange(offset, offset + queries, torch::kLong).view({queries, 1});
  const torch::Tensor key = torch::arange(keys, torch::kLong).view({1, keys});
  const torch::Tensor blocked = key_padding.view({key_padding.size(0), 1, 1, keys})
                                    .logical_or((key.ge(text) & key.gt(query)).view({1, 1, queries, keys}));
  return torch::zeros(blocked.sizes(), torch::kFloat).masked_fill_(blocked, -std::numeric_limits<float>::infinity());
}

}  // namespace

void SpeechTransformerConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("speech transformer config: " + what);
  };
  require(units >= 2 && units <= 65536, "units must be in 2..65536");
  require(tokens >= 1 && tokens <= 65536 && max_tokens >= 2 && max_tokens <= 4096, "tokens must be in 1..65536 and max_tokens in 2..4096");
  require(dim >= 8 && dim <= 4096 && dim % 2 == 0 && layers >= 1 && layers <= 64, "dim must be even, 8..4096, and layers 1..64");
  require(heads >= 1 && dim % heads == 0, "dim must be a multiple of heads");
  require(mlp_ratio >= 1 && mlp_ratio <= 8, "mlp_ratio must be in 1..8");
}

FrameAlignment align_frames(const torch::Tensor& durations, int64_t frames) {
  const torch::Tensor d = durations.to(torch::kLong).contiguous();
  const int64_t batch = d.size(0), tokens = d.size(1);
  FrameAlignment a{torch::zeros({batch, frames}, torch::kLong), torch::zeros({batch, frames}, torch::kLong)};
  auto dd = d.accessor<int64_t, 2>();
  auto index = a.token_index.accessor<int64_t, 2>();
  auto progress = a.progress.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    int64_t token = 0, into = 0, last = 0;
    for (int64_t f = 0; f < frames; ++f) {
      while (token < tokens && into >= dd[b][token]) {  // past this token (or it takes no frames)
        ++token;
        into = 0;
      }
      if (token < tokens) last = token;
      index[b][f] = last;
      progress[b][f] = token < tokens ? into : into + dd[b][last];
      ++into;
    }
  }
  return a;
}

SpeechTransformerImpl::SpeechTransformerImpl(const SpeechTransformerConfig& cfg) : config(cfg) {
  config.validate();
  const int64_t d = config.dim;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(config.tokens + 1, d));
  unit_embedding = register_module("unit_embedding", torch::nn::Embedding(config.units + 1, d));
  progress_embedding = register_module("progress_embedding", torch::nn::Embedding(kProgressBuckets, d));
  text_positions = register_parameter("text_positions", torch::randn({config.max_tokens, d}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.layers; ++i) blocks->push_back(TransformerBlock(d, config.heads, config.mlp_ratio * d));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head = register_module("head", torch::nn::Linear(d, config.units));
  duration_head = register_module("duration_head", torch::nn::Linear(d, 1));
  // GPT-style initialisation (as the token transformer): small weights, zero biases.
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    if (p.key().find("norm") != std::string::npos) continue;
    if (p.value().dim() >= 2) p.value().normal_(0, 0.02);
    else p.value().zero_();
  }
}

torch::Tensor SpeechTransformerImpl::embed_frames(const torch::Tensor& text, const torch::Tensor& previous,
                                                  const FrameAlignment& alignment, int64_t first_frame) {
  // A frame is its previous unit, its token and that token's place in the text, how far into the
  // token it is, and its own place in time.
  const int64_t b = previous.size(0), n = previous.size(1);
  const torch::Tensor index = alignment.token_index.clamp(0, text.size(1) - 1);
  const torch::Tensor named = alignment.token_index.ge(0).unsqueeze(-1).to(torch::kFloat);
  const torch::Tensor said = token_embedding(text.gather(1, index)) + text_positions.index_select(0, index.reshape(-1)).view({b, n, -1});
  const torch::Tensor about_text = said * named + token_embedding->weight[config.no_text()] * (1 - named);
  return unit_embedding(previous) + about_text + progress_embedding(alignment.progress.clamp(0, kProgressBuckets - 1)) +
         frame_positions(first_frame, n, config.dim).unsqueeze(0);
}

torch::Tensor SpeechTransformerImpl::run(torch::Tensor x, const torch::Tensor& bias, KVCache* cache) {
  for (size_t i = 0; i < blocks->size(); ++i) x = blocks[i]->as<TransformerBlock>()->forward(x, bias, cache, i);
  return norm(x);
}

SpeechTransformerImpl::Output SpeechTransformerImpl::forward(const torch::Tensor& text, const torch::Tensor& padding,
                                                             const torch::Tensor& previous, const FrameAlignment& alignment) {
  const int64_t p = text.size(1), f = previous.size(1);
  if (p > config.max_tokens) throw Error("speech transformer: " + std::to_string(p) + " text tokens, at most " + std::to_string(config.max_tokens));
  const torch::Tensor x = torch::cat({token_embedding(text) + text_positions.narrow(0, 0, p).unsqueeze(0),
                                      embed_frames(text, previous, alignment, 0)}, 1);
  const torch::Tensor key_padding = torch::cat({padding, torch::zeros({padding.size(0), f}, torch::kBool)}, 1);
  const torch::Tensor h = run(x, prefix_bias(key_padding, p, p + f, 0), nullptr);
  return {head(h.narrow(1, p, f)), duration_head(h.narrow(1, 0, p)).squeeze(-1)};
}

KVCache SpeechTransformerImpl::start(const torch::Tensor& text, const torch::Tensor& padding, int64_t frames,
                                     torch::Tensor* log_durations) {
  const int64_t b = text.size(0), p = text.size(1);
  if (p > config.max_tokens) throw Error("speech transformer: " + std::to_string(p) + " text tokens, at most " + std::to_string(config.max_tokens));
  KVCache cache;
  const int64_t head_dim = config.dim / config.heads;
  for (int i = 0; i < config.layers; ++i) {
    cache.keys.push_back(torch::zeros({b, config.heads, p + frames, head_dim}));
    cache.values.push_back(torch::zeros({b, config.heads, p + frames, head_dim}));
  }
  cache.key_padding = torch::cat({padding, torch::zeros({b, frames}, torch::kBool)}, 1);
  const torch::Tensor h = run(token_embedding(text) + text_positions.narrow(0, 0, p).unsqueeze(0),
                              prefix_bias(padding, p, p, 0), &cache);
  cache.length = p;
  if (log_durations) *log_durations = duration_head(h).squeeze(-1);
  return cache;
}

torch::Tensor SpeechTransformerImpl::decode(KVCache& cache, const torch::Tensor& text, const torch::Tensor& previous,
                                          const FrameAlignment& alignment) {
  const int64_t p = text.size(1), n = previous.size(1);
  if (cache.length < p || cache.length + n > cache.capacity())
    throw Error("speech transformer: decoding " + std::to_string(n) + " frames past the cache's room");
  const torch::Tensor x = embed_frames(text, previous, alignment, cache.length - p);
  const torch::Tensor h = run(x, prefix_bias(cache.key_padding.narrow(1, 0, cache.length + n), p, n, cache.length), &cache);
  cache.length += n;
  return head(h);
}

SpeechTransformer load_speech_transformer(const std::filesystem::path& path) {
  return load_model<SpeechTransformer, SpeechTransformerConfig>(path, kSpeechTransformerModel);
}

}  // namespace jl::models
