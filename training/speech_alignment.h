// Phoneme durations for text-to-speech training, found without any aligner but our own: a hidden
// Markov model whose states are a sentence's tokens in order (pipelines/speech/lexicon.h), each state
// emitting speech units with its own distribution and lasting any number of frames (a phoneme at
// least one; the word boundaries and pauses may take none), trained by Viterbi re-estimation from a
// flat start (every phoneme an equal share of the frames).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "pipelines/callbacks.h"

namespace jl::training {

struct AlignmentExample {
  std::vector<int> tokens;     // lexicon tokens
  std::vector<int64_t> units;  // the 50 Hz unit sequence
};

class UnitAligner {
 public:
  UnitAligner(int tokens, int units);

  // Frames per token (summing to units.size()). A sequence with fewer frames than phonemes gets an
  // equal share each (some none): the model cannot say more.
  std::vector<int> align(const std::vector<int>& tokens, const std::vector<int64_t>& units) const;

  // Re-estimates the emissions from the current alignments of `examples`, `iterations` times; the
  // first alignment is the flat start. Returns the mean log-likelihood per frame of the last pass.
  double train(const std::vector<AlignmentExample>& examples, int iterations, const Callbacks& callbacks = {});

  const torch::Tensor& log_emission() const { return log_emission_; }  // [tokens, units]

 private:
  bool optional(int token) const;
  std::vector<int> flat_start(const std::vector<int>& tokens, size_t frames) const;

  int tokens_, units_;
  torch::Tensor log_emission_;
  bool trained_ = false;
  mutable double last_log_likelihood_ = 0;
};

}  // namespace jl::training
