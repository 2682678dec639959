#include "training/speech_alignment.h"

#include <limits>

#include "core/error.h"
#include "pipelines/speech/lexicon.h"

namespace jl::training {

namespace {

constexpr double kSmoothing = 0.5;  // added to every emission count: no unit is impossible for a token
constexpr float kImpossible = -std::numeric_limits<float>::infinity();

}  // namespace

UnitAligner::UnitAligner(int tokens, int units)
    : tokens_(tokens), units_(units), log_emission_(torch::full({tokens, units}, -std::log(double(units)))) {
  if (tokens < 1 || units < 1) throw Error("unit aligner: needs tokens and units");
}

bool UnitAligner::optional(int token) const { return token == speech::Lexicon::kWordBoundary || token == speech::Lexicon::kPause; }

std::vector<int> UnitAligner::flat_start(const std::vector<int>& tokens, size_t frames) const {
  std::vector<size_t> phonemes;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (!optional(tokens[i])) phonemes.push_back(i);
  std::vector<int> durations(tokens.size(), 0);
  if (phonemes.empty()) {
    durations[0] = int(frames);
    return durations;
  }
  for (size_t k = 0; k < phonemes.size(); ++k)
    durations[phonemes[k]] = int(frames * (k + 1) / phonemes.size() - frames * k / phonemes.size());
  return durations;
}

std::vector<int> UnitAligner::align(const std::vector<int>& tokens, const std::vector<int64_t>& units) const {
  if (tokens.empty()) throw Error("unit aligner: no tokens");
  for (const int t : tokens)
    if (t < 0 || t >= tokens_) throw Error("unit aligner: token " + std::to_string(t) + " out of range");
  for (const int64_t u : units)
    if (u < 0 || u >= units_) throw Error("unit aligner: unit " + std::to_string(u) + " out of range");
  size_t mandatory = 0;
  for (const int t : tokens) mandatory += !optional(t);
  const size_t frames = units.size(), states = tokens.size();
  if (!trained_ || frames < mandatory) return flat_start(tokens, frames);

  // score[s]: the best log-likelihood of frames 0..f ending in state s; from[f][s]: the state before.
  const auto emission = log_emission_.accessor<float, 2>();
  std::vector<float> score(states, kImpossible), next(states);
  std::vector<std::vector<int>> from(frames, std::vector<int>(states, -1));
  for (size_t s = 0; s < states; ++s) {  // the first frame: the first token, or past leading optional ones
    score[s] = emission[tokens[s]][units[0]];
    if (!optional(tokens[s])) break;
  }
  for (size_t f = 1; f < frames; ++f) {
    for (size_t s = 0; s < states; ++s) {
      float best = score[s];  // stay
      int origin = int(s);
      // Arrive from an earlier state, skipping only optional ones between.
      for (size_t p = s; p-- > 0;) {
        if (score[p] > best) {
          best = score[p];
          origin = int(p);
        }
        if (!optional(tokens[p])) break;
      }
      next[s] = best == kImpossible ? kImpossible : best + emission[tokens[s]][units[f]];
      from[f][s] = origin;
    }
    score.swap(next);
  }
  // End in the last state, or a phoneme followed only by optional ones.
  size_t end = states - 1;
  for (size_t s = states; s-- > 0;) {
    if (score[s] > score[end]) end = s;
    if (!optional(tokens[s])) break;
  }
  if (score[end] == kImpossible) return flat_start(tokens, frames);
  last_log_likelihood_ = score[end];
  std::vector<int> durations(states, 0);
  size_t s = end;
  for (size_t f = frames; f-- > 0;) {
    ++durations[s];
    if (f > 0) s = size_t(from[f][s]);
  }
  return durations;
}

double UnitAligner::train(const std::vector<AlignmentExample>& examples, int iterations, const Callbacks& callbacks) {
  if (examples.empty()) throw Error("unit aligner: no examples to train on");
  double mean = 0;
  for (int it = 0; it < iterations; ++it) {
    torch::Tensor counts = torch::full({tokens_, units_}, kSmoothing, torch::kDouble);
    auto c = counts.accessor<double, 2>();
    double total = 0;
    int64_t frames = 0;
    for (const AlignmentExample& e : examples) {
      last_log_likelihood_ = 0;
      const std::vector<int> durations = align(e.tokens, e.units);
      size_t f = 0;
      for (size_t s = 0; s < durations.size(); ++s)
        for (int k = 0; k < durations[s]; ++k) c[e.tokens[s]][e.units[f++]] += 1;
      total += last_log_likelihood_;
      frames += int64_t(e.units.size());
    }
    log_emission_ = (counts / counts.sum(1, true)).log().to(torch::kFloat);
    trained_ = true;
    mean = total / double(std::max<int64_t>(1, frames));
    callbacks.report(it + 1, iterations);
    callbacks.throw_if_cancelled();
  }
  return mean;
}

}  // namespace jl::training
