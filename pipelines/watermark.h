// Token watermarks in the style of Kirchenbauer et al. (2023): a secret key splits the codebook, for
// every previous token, into a "green" fraction gamma and the rest; generation adds delta to the
// logits of green tokens, so a watermarked picture has far more green (previous, token) pairs than
// chance. Detection re-tokenizes the picture and computes a z-score of the green count; nothing but
// the key and the tokenizer is needed. Each distinct (previous, token) pair counts once: a flat
// background repeats one pair hundreds of times, which would otherwise swing the score either way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace jl::models {
class ModelStore;
}

namespace jl {

struct WatermarkOptions {
  std::string key;      // empty: no watermark
  double gamma = 0.25;  // green fraction of the codebook
  double delta = 2.0;   // logit bonus of green tokens
  bool enabled() const { return !key.empty(); }
  void validate() const;  // UsageError naming the field
};

// Whether `token` is green after `previous` under `key` (hashed, so about gamma of all tokens are).
uint64_t watermark_key_hash(const std::string& key);
bool is_green(uint64_t key_hash, int64_t previous, int64_t token, double gamma);

struct WatermarkScore {
  int64_t scored = 0;  // distinct (previous, token) pairs in raster order
  int64_t green = 0;
  double z = 0;        // (green - gamma * scored) / sqrt(scored * gamma * (1 - gamma))
  bool watermarked = false;  // z > threshold
};
WatermarkScore score_watermark(const std::vector<int64_t>& tokens, const WatermarkOptions& options,
                               double threshold = 4.0);

struct WatermarkDetectParams {
  std::filesystem::path image;
  WatermarkOptions watermark;          // key and gamma (delta is unused)
  std::string generator = "ar";  // the model that made the picture: its tokenizer re-tokenizes it
  std::string tokenizer;          // empty: the generator's (tokenizer_for)
  double threshold = 4.0;
  void validate() const;
};
// Reads the picture (resized to the tokenizer's side when it differs), re-tokenizes it and scores it.
WatermarkScore detect_watermark(const WatermarkDetectParams& params, models::ModelStore& store);

}  // namespace jl
