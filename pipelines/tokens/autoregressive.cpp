#include "pipelines/tokens/autoregressive.h"

#include "core/error.h"
#include "pipelines/watermark.h"

namespace jl::tokens {

namespace {

// Input of position k: [BOS] for k = 0, else the token at k - 1.
torch::Tensor inputs_for(const torch::Tensor& tokens, int64_t from, int64_t to, int64_t bos) {
  std::vector<torch::Tensor> parts;
  if (from == 0) parts.push_back(torch::full({tokens.size(0), 1}, bos, torch::kLong));
  const int64_t first = std::max<int64_t>(from, 1);
  if (to > first) parts.push_back(tokens.narrow(1, first - 1, to - first));
  return torch::cat(parts, 1);
}

// Logits [B, to - from, V] of positions [from, to), feeding the model whatever inputs it lacks (the
// positions accepted since it last ran) in the same pass.
torch::Tensor logits_of(CausalDecoder& model, const torch::Tensor& tokens, int64_t from, int64_t to) {
  model.rollback(from);
  const int64_t start = std::min(model.decoded(), from);
  return model.decode(inputs_for(tokens, start, to, model.bos())).narrow(1, from - start, to - from);
}

// The sequence to fill: zeros, with the given tokens first.
torch::Tensor start_tokens(const CausalDecoder& model, const torch::Tensor& given) {
  torch::Tensor tokens = torch::zeros({model.batch(), model.length()}, torch::kLong);
  if (!given.defined() || given.size(1) == 0) return tokens;
  if (given.size(0) != model.batch() || given.size(1) >= model.length())
    throw Error("decoding: the given tokens must be fewer than the sequence, one row per sequence");
  tokens.narrow(1, 0, given.size(1)).copy_(given);
  return tokens;
}

// [B, N] bool: the first `count` positions of every sequence are decided (for previews).
torch::Tensor decided_prefix(const torch::Tensor& tokens, int64_t count) {
  return (torch::arange(tokens.size(1)) < count).unsqueeze(0).expand({tokens.size(0), tokens.size(1)});
}

}  // namespace

torch::Tensor next_token_probabilities(torch::Tensor logits, const torch::Tensor& previous, int64_t position,
                                       const DecodeOptions& options) {
  if (options.watermark.enabled() && position > 0) {
    const uint64_t key = watermark_key_hash(options.watermark.key);
    logits = logits.clone();
    auto l = logits.accessor<float, 2>();
    for (int64_t b = 0; b < logits.size(0); ++b) {
      const int64_t prev = previous[b].item<int64_t>();
      for (int64_t v = 0; v < logits.size(1); ++v)
        if (is_green(key, prev, v, options.watermark.gamma)) l[b][v] += float(options.watermark.delta);
    }
  }
  return token_probabilities(logits, options.sampling);
}

torch::Tensor decode_autoregressive(CausalDecoder& model, const DecodeOptions& options, std::vector<at::Generator>& generators,
                                    const Callbacks& callbacks, DecodeStats& stats, const torch::Tensor& given) {
  const int64_t n = model.length();
  torch::Tensor tokens = start_tokens(model, given);
  for (int64_t p = given.defined() ? given.size(1) : 0; p < n; ++p) {
    if (!options.kv_cache) model.restart();  // the baseline: the prefix is recomputed for every token
    const torch::Tensor logits = logits_of(model, tokens, p, p + 1).select(1, 0);
    ++stats.target_passes;
    const torch::Tensor previous = p > 0 ? tokens.select(1, p - 1) : torch::Tensor();
    tokens.select(1, p).copy_(draw(next_token_probabilities(logits, previous, p, options), generators));
    report_step(callbacks, p + 1, n, options.preview, tokens, [&] { return decided_prefix(tokens, p + 1); });
    callbacks.throw_if_cancelled();
  }
  return tokens;
}

torch::Tensor decode_speculative(CausalDecoder& target, CausalDecoder& draft, int gamma, const DecodeOptions& options,
                                 at::Generator& generator, const Callbacks& callbacks, DecodeStats& stats, const torch::Tensor& given) {
  if (target.batch() != 1 || draft.batch() != 1) throw Error("speculative decoding runs one sequence at a time");
  if (gamma < 1) throw Error("speculative decoding needs gamma >= 1");
  if (draft.length() != target.length()) throw Error("speculative decoding: the draft and the target decode sequences of different lengths");
  const int64_t n = target.length();
  torch::Tensor tokens = start_tokens(target, given);
  std::vector<at::Generator> one{generator};
  auto previous_of = [&](int64_t p) { return p > 0 ? tokens.select(1, p - 1) : torch::Tensor(); };

  int64_t done = given.defined() ? given.size(1) : 0;  // tokens committed
  while (done < n) {
    const int64_t g = std::min<int64_t>(gamma, n - done);
    // The draft proposes g tokens, one pass each; its distributions are kept for the verdict.
    std::vector<torch::Tensor> q;
    for (int64_t j = 0; j < g; ++j) {
      const int64_t p = done + j;
      const torch::Tensor logits = logits_of(draft, tokens, p, p + 1).select(1, 0);
      ++stats.draft_passes;
      q.push_back(next_token_probabilities(logits, previous_of(p), p, options));
      tokens.select(1, p).copy_(draw(q.back(), one));
    }
    // The target scores all g proposals, plus the position after them when there is one, in one pass.
    const int64_t verify_to = std::min(n, done + g + 1);
    const torch::Tensor target_logits = logits_of(target, tokens, done, verify_to);
    ++stats.target_passes;
    stats.proposed += g;

    int64_t kept = 0;
    bool rejected = false;
    for (int64_t j = 0; j < g; ++j) {
      const int64_t p = done + j;
      const torch::Tensor pj = next_token_probabilities(target_logits.select(1, j), previous_of(p), p, options)[0];
      const torch::Tensor qj = q[size_t(j)][0];
      const int64_t x = tokens[0][p].item<int64_t>();
      const double ratio = pj[x].item<double>() / std::max(qj[x].item<double>(), 1e-30);
      if (ratio >= 1.0 || uniform(generator) < ratio) {
        ++kept;
        continue;
      }
      torch::Tensor residual = (pj - qj).clamp_min(0);
      const double mass = residual.sum().item<double>();
      // p == q up to rounding leaves no residual mass; p itself is then the right distribution.
      residual = mass > 1e-12 ? residual / mass : pj;
      tokens.select(1, p).copy_(draw(residual.unsqueeze(0), one));
      rejected = true;
      break;
    }
    stats.accepted += kept;
    int64_t committed = done + kept + (rejected ? 1 : 0);
    if (!rejected && verify_to > done + g) {  // every proposal kept: the bonus token comes from p
      const int64_t p = done + g;
      const torch::Tensor pg = next_token_probabilities(target_logits.select(1, g), previous_of(p), p, options);
      tokens.select(1, p).copy_(draw(pg, one));
      committed = p + 1;
    }
    done = committed;
    report_step(callbacks, done, n, options.preview, tokens, [&] { return decided_prefix(tokens, done); });
    callbacks.throw_if_cancelled();
  }
  return tokens;
}

}  // namespace jl::tokens
