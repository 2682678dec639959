// Speech generation's parts: the lexicon (text to phoneme tokens, and its errors), the unit aligner
// (recovering durations of synthetic speech), the speech transformer (cached decoding equals the
// full pass; the alignment of frames), and text-to-units / continuation being seeded and sized right.
#include <ATen/CPUGeneratorImpl.h>
#include <catch2/catch.hpp>

#include <random>

#include "core/error.h"
#include "models/speech_transformer.h"
#include "pipelines/speech/lexicon.h"
#include "pipelines/speech/speak.h"
#include "training/speech_alignment.h"

using namespace jl;
using Catch::Matchers::Contains;

TEST_CASE("lexicon: words to phonemes with boundaries and pauses, and what it cannot say", "[speech]") {
  const speech::Lexicon& lexicon = speech::Lexicon::shared();
  CHECK(lexicon.words() > 100000);
  CHECK(lexicon.describe(lexicon.tokens("The cat.")) == ". DH AH | K AE T .");
  CHECK(lexicon.describe(lexicon.tokens("a red circle, left of it")) == ". AH | R EH D | S ER K AH L . L EH F T | AH V | IH T .");
  CHECK(lexicon.tokens("  'Hello'  ") == lexicon.tokens("hello"));
  CHECK_THROWS_WITH(lexicon.tokens("I have 3 cats"), Contains("'3'") && Contains("spell numbers out"));
  CHECK_THROWS_WITH(lexicon.tokens("zqxjv is here"), Contains("'zqxjv'") && Contains("CMUdict"));
  CHECK_THROWS_WITH(lexicon.tokens("... !"), Contains("no words"));
  CHECK_THROWS_WITH(speech::Lexicon("/nonexistent/dict"), Contains("install-deps.sh"));
}

TEST_CASE("unit aligner: recovers the durations of synthetic speech", "[speech]") {
  // Each phoneme emits mostly its own two units; pauses emit unit 0; durations 1..8 frames.
  std::mt19937_64 rng(5);
  std::vector<training::AlignmentExample> examples;
  std::vector<std::vector<int>> truths;
  for (int n = 0; n < 200; ++n) {
    training::AlignmentExample e;
    std::vector<int> truth;
    e.tokens.push_back(speech::Lexicon::kPause);
    truth.push_back(int(rng() % 4));
    for (int w = 0; w < 4; ++w) {
      if (w) e.tokens.push_back(speech::Lexicon::kWordBoundary), truth.push_back(0);
      for (int k = 0; k < 3; ++k) e.tokens.push_back(int(rng() % speech::Lexicon::kPhonemes)), truth.push_back(1 + int(rng() % 8));
    }
    e.tokens.push_back(speech::Lexicon::kPause);
    truth.push_back(int(rng() % 4));
    for (size_t i = 0; i < e.tokens.size(); ++i)
      for (int f = 0; f < truth[i]; ++f) {
        const int t = e.tokens[i];
        const bool noise = rng() % 10 == 0;
        e.units.push_back(noise ? int64_t(rng() % 90) : t >= speech::Lexicon::kPhonemes ? 0 : 1 + 2 * t + int64_t(rng() % 2));
      }
    examples.push_back(e);
    truths.push_back(truth);
  }
  training::UnitAligner aligner(speech::Lexicon::kTokens, 90);
  aligner.train(examples, 5);
  int64_t right = 0, total = 0;
  for (size_t n = 0; n < examples.size(); ++n) {
    const std::vector<int> d = aligner.align(examples[n].tokens, examples[n].units);
    REQUIRE(d.size() == truths[n].size());
    int sum = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      sum += d[i];
      right += std::abs(d[i] - truths[n][i]) <= 1;
      ++total;
    }
    CHECK(sum == int(examples[n].units.size()));
  }
  CHECK(double(right) / double(total) > 0.9);
  // Fewer frames than phonemes: an equal share, still summing to the frames.
  const std::vector<int> few = aligner.align({speech::Lexicon::kPause, 3, 4, 5, speech::Lexicon::kPause}, {1, 2});
  CHECK(few[1] + few[2] + few[3] == 2);
}

TEST_CASE("speech transformer: frame alignment, and cached decoding equals the full pass", "[speech]") {
  const models::FrameAlignment a = models::align_frames(torch::tensor({{2, 0, 3}}), 7);
  CHECK(torch::equal(a.token_index, torch::tensor({{0, 0, 2, 2, 2, 2, 2}})));
  CHECK(torch::equal(a.progress, torch::tensor({{0, 1, 0, 1, 2, 3, 4}})));

  torch::manual_seed(1);
  models::SpeechTransformerConfig config;
  config.units = 30;
  config.dim = 32;
  config.layers = 2;
  config.heads = 2;
  models::SpeechTransformer model(config);
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor text = torch::tensor({{40, 3, 39, 7, 40}});
  const torch::Tensor padding = torch::zeros_like(text, torch::kBool);
  const torch::Tensor previous = torch::cat({torch::full({1, 1}, config.units), torch::randint(30, {1, 9})}, 1);
  const models::FrameAlignment alignment = models::align_frames(torch::tensor({{1, 3, 0, 4, 2}}), 10);
  const auto full = model->forward(text, padding, previous, alignment);
  CHECK(full.logits.sizes() == torch::IntArrayRef({1, 10, 30}));
  torch::Tensor durations;
  models::KVCache cache = model->start(text, padding, 10, &durations);
  CHECK(torch::allclose(durations, full.log_durations, 1e-4, 1e-5));
  std::vector<torch::Tensor> pieces;
  for (int64_t f = 0; f < 10; f += f < 4 ? 4 : 1) {  // four frames at once, then one at a time
    const int64_t n = f < 4 ? 4 : 1;
    pieces.push_back(model->decode(cache, text, previous.narrow(1, f, n),
                                   {alignment.token_index.narrow(1, f, n), alignment.progress.narrow(1, f, n)}));
  }
  CHECK(torch::allclose(torch::cat(pieces, 1), full.logits, 1e-4, 1e-5));
  CHECK_THROWS_WITH(model->decode(cache, text, previous.narrow(1, 0, 1), {alignment.token_index.narrow(1, 0, 1), alignment.progress.narrow(1, 0, 1)}),
                    Contains("room"));

  // Speaking and continuing: as many frames as asked, the same for the same seed.
  const speech::Lexicon& lexicon = speech::Lexicon::shared();
  auto generator = [](uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); };
  at::Generator g1 = generator(3), g2 = generator(3);
  const std::vector<int64_t> said = speech::text_to_units(*model, lexicon.tokens("a red square"), {}, g1);
  CHECK(said == speech::text_to_units(*model, lexicon.tokens("a red square"), {}, g2));
  CHECK(said.size() >= 9);  // at least a frame per phoneme
  // Speculative decoding with a draft of other weights: greedy, it says exactly what plain greedy does.
  torch::manual_seed(2);
  models::SpeechTransformer draft(config);
  draft->eval();
  speech::UnitSampling greedy;
  greedy.sampling.temperature = 0;
  at::Generator g5 = generator(1), g6 = generator(1);
  tokens::DecodeStats stats;
  const std::vector<int64_t> plain = speech::text_to_units(*model, lexicon.tokens("one blue circle"), greedy, g5);
  CHECK(speech::text_to_units(*model, lexicon.tokens("one blue circle"), greedy, g6, {}, draft.ptr().get(), &stats) == plain);
  CHECK(stats.proposed > 0);
  at::Generator g3 = generator(4);
  const std::vector<int64_t> more = speech::continue_units(*model, {1, 2, 3}, 20, {}, g3);
  REQUIRE(more.size() == 23);
  CHECK(std::vector<int64_t>(more.begin(), more.begin() + 3) == std::vector<int64_t>{1, 2, 3});
  at::Generator g4 = generator(4);
  CHECK_THROWS_WITH(speech::continue_units(*model, {31}, 5, {}, g4), Contains("codebook"));
}
