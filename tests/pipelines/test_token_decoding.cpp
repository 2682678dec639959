// Token decoding: sampling filters, the MaskGIT schedule, speculative decoding (greedy equality and
// exactness of the sampled distribution) and the watermark's statistics, on tiny random models.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "pipelines/tokens/autoregressive.h"
#include "pipelines/tokens/maskgit.h"
#include "pipelines/tokens/sampling.h"
#include "pipelines/watermark.h"
#include "tiny_models.h"

using namespace jl;
using namespace jl::tokens;

namespace {

struct TinySetup {
  models::TextEncoder encoder{test::tiny_text_encoder_config()};
  models::TokenTransformer target{nullptr}, draft{nullptr};
  TinySetup(models::TokenTransformerConfig target_config, models::TokenTransformerConfig draft_config) {
    test::randomize(*encoder, 2, 0.3);
    target = models::TokenTransformer(target_config);
    test::randomize(*target, 3, 0.3);
    draft = models::TokenTransformer(draft_config);
    test::randomize(*draft, 4, 0.3);
    encoder->eval();
    target->eval();
    draft->eval();
  }
  Condition condition(const std::string& prompt) { return encode_prompts(*encoder, {prompt}); }
};

}  // namespace

TEST_CASE("sampling: greedy, top-k, top-p and seeded draws", "[pipelines]") {
  const torch::Tensor logits = torch::tensor({{1.0f, 3.0f, 2.0f, 0.0f}});
  CHECK(torch::equal(token_probabilities(logits, {0.0, 0, 1.0}), torch::tensor({{0.0f, 1.0f, 0.0f, 0.0f}})));
  const torch::Tensor top2 = token_probabilities(logits, {1.0, 2, 1.0});
  CHECK(top2[0][0].item<float>() == 0.0f);
  CHECK(top2[0][3].item<float>() == 0.0f);
  CHECK(top2.sum().item<float>() == Approx(1.0f));
  // softmax(1,3,2,0) = .09, .67, .24, .03: p = 0.7 keeps the top two (0.67 alone falls short).
  const torch::Tensor nucleus = token_probabilities(logits, {1.0, 0, 0.7});
  CHECK((nucleus[0] > 0).sum().item<int64_t>() == 2);
  CHECK(nucleus[0][1].item<float>() > nucleus[0][2].item<float>());
  // Guidance at scale 1 is the conditional model; the seed alone decides the draws.
  CHECK(torch::equal(guide(logits, logits * 0, 1.0), logits));
  auto a = image_generators(7, 2), b = image_generators(7, 2);
  const torch::Tensor probs = torch::softmax(torch::randn({2, 50}), -1);
  CHECK(torch::equal(draw(probs, a), draw(probs, b)));
}

TEST_CASE("MaskGIT schedules: cosine and powers, strictly decreasing, ending at zero", "[pipelines]") {
  const MaskSchedule cosine = *MaskSchedule::parse("cosine");
  CHECK(maskgit_schedule(256, 8, cosine) == std::vector<int64_t>{251, 236, 212, 181, 142, 97, 49, 0});
  // The default, 1 - x^2.5: fewer tokens committed early, more late.
  CHECK(maskgit_schedule(256, 8) == std::vector<int64_t>{254, 248, 233, 210, 176, 131, 72, 0});
  CHECK(maskgit_schedule(256, 4, *MaskSchedule::parse("linear")) == std::vector<int64_t>{192, 128, 64, 0});
  for (const MaskSchedule& schedule : {cosine, MaskSchedule{}, *MaskSchedule::parse("pow0.1"), *MaskSchedule::parse("pow10")}) {
    for (int steps : {1, 2, 5, 8, 16, 300}) {
      const auto left = maskgit_schedule(256, steps, schedule);
      REQUIRE(left.size() == size_t(steps));
      CHECK(left.back() == 0);
      int64_t previous = 256;
      for (int64_t m : left) {
        CHECK(m >= 0);
        if (previous > 0) CHECK(m < previous);
        previous = m;
      }
    }
  }
  // Few tokens, many steps: one per step until none is left (a steep curve may commit them at once).
  for (const MaskSchedule& schedule : {cosine, MaskSchedule{}})
    CHECK(maskgit_schedule(3, 8, schedule) == std::vector<int64_t>{2, 1, 0, 0, 0, 0, 0, 0});
  CHECK(maskgit_schedule(3, 8, *MaskSchedule::parse("pow0.1")) == std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("MaskGIT schedule names", "[pipelines]") {
  for (const std::string name : {"cosine", "linear", "pow2.5", "pow3", "pow0.1", "pow10"})
    CHECK(MaskSchedule::parse(name)->name() == name);
  CHECK(MaskSchedule{}.name() == "pow2.5");
  CHECK(MaskSchedule::parse("pow1")->name() == "linear");
  for (const std::string name : {"", "cos", "pow", "pow0", "pow11", "pow2x", "powx", "pow-1", "pownan", "pow 2", "pow+2", "Cosine"})
    CHECK_FALSE(MaskSchedule::parse(name).has_value());
  CHECK_THAT(mask_schedule_error("pow0"), Catch::Matchers::Contains("'pow0'"));
}

TEST_CASE("MaskGIT decoding keeps known tokens and fills every unknown one", "[pipelines]") {
  TinySetup s(test::tiny_transformer_config(false), test::tiny_transformer_config(true, 16, 1));
  torch::NoGradGuard no_grad;
  GuidedTransformer model(*s.target, s.condition("a red circle"), s.condition(""), 3.0);
  const torch::Tensor known = torch::randint(32, {1, 256}, torch::kLong);
  const torch::Tensor unknown = torch::arange(256).remainder(3).eq(0).unsqueeze(0);
  auto gens = image_generators(1, 1);
  int reports = 0;
  Callbacks callbacks;
  callbacks.progress = [&](int64_t, int64_t total, const cv::Mat*) {
    ++reports;
    CHECK(total == 8);
  };
  const torch::Tensor out = decode_maskgit(model, known, unknown, MaskGitOptions{}, gens, callbacks);
  CHECK(reports == 8);
  CHECK(torch::equal(out.masked_select(unknown.logical_not()), known.masked_select(unknown.logical_not())));
  CHECK(out.max().item<int64_t>() < 32);  // no [MASK] left
  auto again = image_generators(1, 1);
  CHECK(torch::equal(decode_maskgit(model, known, unknown, MaskGitOptions{}, again, {}), out));
}

TEST_CASE("speculative greedy decoding returns plain greedy decoding token for token", "[pipelines]") {
  TinySetup s(test::tiny_transformer_config(true), test::tiny_transformer_config(true, 16, 1));
  torch::NoGradGuard no_grad;
  DecodeOptions greedy;
  greedy.sampling.temperature = 0;
  for (const char* prompt : {"a red circle", "a small blue star left of a green cross"}) {
    for (double cfg : {1.0, 3.0}) {
      GuidedTransformer plain(*s.target, s.condition(prompt), s.condition(""), cfg);
      auto gens = image_generators(0, 1);
      DecodeStats plain_stats;
      const torch::Tensor expected = decode_autoregressive(plain, greedy, gens, {}, plain_stats);
      CHECK(plain_stats.target_passes == 256);
      for (int gamma : {1, 3, 6}) {
        GuidedTransformer target(*s.target, s.condition(prompt), s.condition(""), cfg);
        GuidedTransformer draft(*s.draft, s.condition(prompt), s.condition(""), cfg);
        DecodeStats stats;
        const torch::Tensor got = decode_speculative(target, draft, gamma, greedy, gens[0], {}, stats);
        CHECK(torch::equal(got, expected));
        CHECK(stats.target_passes < 256);
        CHECK(stats.accepted < stats.proposed);  // the draft does disagree: rejections were exercised
      }
    }
  }
}

TEST_CASE("plain decoding without the KV cache gives the same tokens as with it", "[pipelines]") {
  TinySetup s(test::tiny_transformer_config(true), test::tiny_transformer_config(true, 16, 1));
  torch::NoGradGuard no_grad;
  DecodeOptions cached, recomputed;
  recomputed.kv_cache = false;
  GuidedTransformer a(*s.target, s.condition("a red circle"), s.condition(""), 2.0);
  GuidedTransformer b(*s.target, s.condition("a red circle"), s.condition(""), 2.0);
  auto ga = image_generators(5, 1), gb = image_generators(5, 1);
  DecodeStats stats;
  CHECK(torch::equal(decode_autoregressive(a, cached, ga, {}, stats), decode_autoregressive(b, recomputed, gb, {}, stats)));
}

TEST_CASE("speculative sampling follows the target model's distribution", "[pipelines]") {
  // A 5-token vocabulary on a 1x2 grid... the smallest grid is 1x1, so use 2x2 and look at the first
  // two tokens: 25 joint outcomes whose exact probabilities come from the target model.
  auto target_config = test::tiny_transformer_config(true);
  target_config.vocab = 5;
  target_config.grid = 2;
  auto draft_config = test::tiny_transformer_config(true, 16, 1);
  draft_config.vocab = 5;
  draft_config.grid = 2;
  TinySetup s(target_config, draft_config);
  torch::NoGradGuard no_grad;
  const Condition cond = s.condition("a red circle"), uncond = s.condition("");
  DecodeOptions options;  // temperature 1, no filtering
  options.sampling.top_k = 4;  // filters shape p and q alike and keep the result exact

  // Exact joint distribution of (t0, t1) under the target (guidance 2).
  GuidedTransformer exact_model(*s.target, cond, uncond, 2.0);
  const torch::Tensor p0 = next_token_probabilities(exact_model.decode(torch::full({1, 1}, 5, torch::kLong)).select(1, 0),
                                                    torch::Tensor(), 0, options)[0];
  std::vector<double> expected(25);
  for (int64_t a = 0; a < 5; ++a) {
    exact_model.rollback(1);
    const torch::Tensor p1 = next_token_probabilities(exact_model.decode(torch::full({1, 1}, a, torch::kLong)).select(1, 0),
                                                      torch::full({1}, a, torch::kLong), 1, options)[0];
    for (int64_t b = 0; b < 5; ++b) expected[size_t(a * 5 + b)] = p0[a].item<double>() * p1[b].item<double>();
  }

  constexpr int kSamples = 3000;
  std::vector<int> counts(25, 0);
  auto gens = image_generators(12345, 1);
  DecodeStats stats;
  for (int i = 0; i < kSamples; ++i) {
    GuidedTransformer target(*s.target, cond, uncond, 2.0);
    GuidedTransformer draft(*s.draft, cond, uncond, 2.0);
    const torch::Tensor t = decode_speculative(target, draft, 3, options, gens[0], {}, stats);
    ++counts[size_t(t[0][0].item<int64_t>() * 5 + t[0][1].item<int64_t>())];
  }
  CHECK(stats.accepted < stats.proposed);
  CHECK(stats.accepted > 0);
  // Pearson chi-square over the cells with an expected count of at least 5 (the rest pooled).
  double chi2 = 0, pooled_observed = 0, pooled_expected = 0;
  int cells = 0;
  for (size_t k = 0; k < 25; ++k) {
    const double e = expected[k] * kSamples;
    if (e < 5) {
      pooled_observed += counts[k];
      pooled_expected += e;
      continue;
    }
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
    ++cells;
  }
  if (pooled_expected >= 5) {
    chi2 += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
    ++cells;
  }
  INFO("chi-square " << chi2 << " over " << cells << " cells");
  REQUIRE(cells >= 5);
  // The 99.9% quantile of chi-square with cells - 1 <= 24 degrees of freedom is below 52.
  CHECK(chi2 < 52.0);
}

TEST_CASE("watermark: detected in watermarked samples, absent from the others", "[pipelines]") {
  // 64 tokens from a 64-code vocabulary (grid 8): enough entropy for the green list to steer.
  auto config = test::tiny_transformer_config(true);
  config.vocab = 64;
  config.grid = 8;
  TinySetup s(config, config);
  test::randomize(*s.target, 3, 0.1);  // a flatter model: like the real one on edges, many tokens fit
  torch::NoGradGuard no_grad;
  DecodeOptions marked, plain;
  marked.watermark.key = "jielong";
  int detected = 0, false_alarms = 0;
  constexpr int kSamples = 100;
  WatermarkOptions detector;
  detector.key = "jielong";
  GuidedTransformer model(*s.target, encode_prompts(*s.encoder, std::vector<std::string>(kSamples, "a red circle")),
                          encode_prompts(*s.encoder, std::vector<std::string>(kSamples, "")), 1.0);
  auto gens = image_generators(100, kSamples);
  DecodeStats stats;
  const torch::Tensor with = decode_autoregressive(model, marked, gens, {}, stats);
  model.restart();
  const torch::Tensor without = decode_autoregressive(model, plain, gens, {}, stats);
  auto row = [](const torch::Tensor& t, int64_t b) {
    const torch::Tensor r = t[b].contiguous();
    return std::vector<int64_t>(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel());
  };
  for (int64_t b = 0; b < kSamples; ++b) {
    detected += score_watermark(row(with, b), detector).z > 4;
    false_alarms += std::abs(score_watermark(row(without, b), detector).z) >= 4;
  }
  CHECK(detected >= 95);
  CHECK(false_alarms <= 1);
  // Another key sees nothing.
  WatermarkOptions other;
  other.key = "someone else";
  CHECK(std::abs(score_watermark(row(with, 0), other).z) < 4);
}

TEST_CASE("watermark score counts each distinct token pair once", "[pipelines]") {
  WatermarkOptions options;
  options.key = "k";
  const std::vector<int64_t> flat(256, 7);  // a flat background: one pair, 255 times
  const WatermarkScore score = score_watermark(flat, options);
  CHECK(score.scored == 1);
  CHECK(std::abs(score.z) < 2);
  CHECK(score_watermark({}, options).scored == 0);
  // The green fraction over many pairs is gamma.
  int green = 0;
  const uint64_t key = watermark_key_hash("k");
  for (int64_t prev = 0; prev < 100; ++prev)
    for (int64_t token = 0; token < 100; ++token) green += is_green(key, prev, token, 0.25);
  CHECK(green / 10000.0 == Approx(0.25).margin(0.02));
}
