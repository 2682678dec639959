#include "pipelines/watermark.h"

#include <cmath>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/hash.h"
#include "media_io/image.h"
#include "pipelines/tokens/generator_models.h"

namespace jl {

namespace {

uint64_t mix(uint64_t z) {  // splitmix64 finalizer
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void WatermarkOptions::validate() const {
  if (!(gamma > 0 && gamma < 1)) throw UsageError("--watermark-gamma must be in (0, 1), got " + std::to_string(gamma));
  if (!(delta >= 0 && delta <= 50)) throw UsageError("--watermark-delta must be in 0..50, got " + std::to_string(delta));
}

uint64_t watermark_key_hash(const std::string& key) {
  return mix(fnv1a64(key));
}

bool is_green(uint64_t key_hash, int64_t previous, int64_t token, double gamma) {
  const uint64_t h = mix(key_hash ^ mix(uint64_t(previous) * 0x9E3779B97F4A7C15ULL + uint64_t(token)));
  return double(h >> 11) * 0x1.0p-53 < gamma;
}

WatermarkScore score_watermark(const std::vector<int64_t>& tokens, const WatermarkOptions& options, double threshold) {
  const uint64_t key = watermark_key_hash(options.key);
  std::set<std::pair<int64_t, int64_t>> seen;
  WatermarkScore score;
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (!seen.insert({tokens[i - 1], tokens[i]}).second) continue;
    ++score.scored;
    score.green += is_green(key, tokens[i - 1], tokens[i], options.gamma);
  }
  const double g = options.gamma, n = double(score.scored);
  score.z = n > 0 ? (double(score.green) - g * n) / std::sqrt(n * g * (1 - g)) : 0.0;
  score.watermarked = score.z > threshold;
  return score;
}

void WatermarkDetectParams::validate() const {
  if (image.empty()) throw UsageError("watermark detect: give the image to check");
  if (watermark.key.empty()) throw UsageError("watermark detect: --key is required");
  watermark.validate();
}

WatermarkScore detect_watermark(const WatermarkDetectParams& params, models::ModelStore& store) {
  params.validate();
  const media::Image image = media::read_image(params.image);
  auto tokenizer = tokens::load_tokenizer(store, models::tokenizer_for(store, params.generator, params.tokenizer));
  const std::vector<int64_t> grid = tokens::tokenize_image(*tokenizer, image.pixels);
  return score_watermark(grid, params.watermark, params.threshold);
}

}  // namespace jl
