// `jielong train ar-feature-draft`: a FeatureDraft for a trained autoregressive generator (--teacher,
// default ar), on the generator's own features of streamed ShapeWorld batches (teacher-forced on the
// renders' tokens, captions dropped as in the generator's training).
//
// At each position the draft's predicted features, read through the generator's norm and head,
// should give the generator's next-token distribution (KL at the sampling temperature, as ar-draft
// learns it) and should be the generator's features (mean squared error relative to their variance),
// because beyond the first proposal of a round the draft feeds on its own predictions. Two things
// prepare it for that: noise on the features it is given (EAGLE's recipe), and a second pass per
// step that feeds it its own first-pass predictions, as the second proposal of a round does.
#include "core/error.h"
#include "models/feature_draft.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/tokens/generator_models.h"
#include "training/generator_training.h"
#include "training/trainers.h"
#include "training/training_run.h"

namespace jl::training {

namespace {

constexpr double kEmaDecay = 0.998;
constexpr double kFeatureNoise = 0.2;  // uniform noise of this width, times the features' spread

}  // namespace

nlohmann::json train_feature_draft(const TrainParams& params, const Callbacks& callbacks) {
  if (params.teacher == "none") throw UsageError("train ar-feature-draft: --teacher must name the generator it drafts for");
  models::ModelStore store(params.models_dir);
  tokens::TokenModels frozen;
  frozen.tokenizer = tokens::load_tokenizer(store, params.tokenizer);
  frozen.text_encoder = tokens::load_text_encoder(store, params.text_encoder);
  frozen.generator = tokens::load_generator(store, params.teacher, /*causal=*/true);
  tokens::check_compatible(*frozen.generator, params.teacher, *frozen.tokenizer, params.tokenizer, *frozen.text_encoder,
                           params.text_encoder);
  models::TokenTransformerImpl& target = *frozen.generator;
  for (auto& p : target.parameters()) p.set_requires_grad(false);

  models::FeatureDraftConfig defaults;
  defaults.heads = target.config.heads;
  const auto config = config_with_overrides<models::FeatureDraftConfig>(generator_config_json(
      defaults, {{"vocab", target.config.vocab}, {"grid", target.config.grid}, {"dim", target.config.dim}}, params));
  torch::manual_seed(params.seed);
  auto model = std::make_shared<models::FeatureDraftImpl>(config);
  frozen.feature_draft = model;
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(params.lr).betas({0.9, 0.95}).weight_decay(0.05));

  models::CheckpointInfo info = generator_info(params, models::kFeatureDraftModel, config,
                                               frozen.tokenizer->config.image_size, "tokenized by");
  info.extra["target"] = std::filesystem::path(params.teacher).stem().string();
  TrainingRun run(params, *model, optimizer, info, callbacks, kEmaDecay);
  run.evaluate = token_generator_evaluation(params, frozen);

  world::DatasetOptions data;
  data.size = frozen.tokenizer->config.image_size;
  data.batch = params.batch;
  data.seed = params.seed;
  data.first_batch = uint64_t(run.step());
  world::ShapeWorldStream stream(data);

  while (!run.done()) {
    const auto [tokens, text, padding] = next_token_batch(stream, frozen);
    torch::Tensor features, wanted;
    {
      torch::NoGradGuard no_grad;
      const BFloat16Autocast autocast(params.use_bfloat16());
      features = target.forward_features(text, padding, tokens).to(torch::kFloat);
      wanted = target.logits(features).to(torch::kFloat);
    }
    run.schedule_learning_rate();
    const torch::Tensor spread = features.var();
    struct Terms {
      torch::Tensor kl, feature_error, agreement;
    };
    auto terms_of = [&](const torch::Tensor& predicted) {
      const torch::Tensor p = predicted.to(torch::kFloat);
      const auto [kl, agreement] = distillation_loss(target.logits(p), wanted);
      return Terms{kl, (p - features).square().mean() / spread, agreement};
    };
    Terms first, second;
    {
      const BFloat16Autocast autocast(params.use_bfloat16());  // the draft's passes; the losses in float32
      const torch::Tensor noisy = features + (torch::rand_like(features) - 0.5) * (kFeatureNoise * spread.sqrt());
      const torch::Tensor predicted = model->forward(noisy, tokens);
      first = terms_of(predicted);
      second = terms_of(model->forward(predicted.to(torch::kFloat), tokens));  // on its own predictions
    }
    const torch::Tensor loss = first.kl + first.feature_error + second.kl + second.feature_error;
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    run.finish_step({{"loss", loss.item<double>()},
                     {"kl", first.kl.item<double>()},
                     {"feature_error", first.feature_error.item<double>()},
                     {"agreement", first.agreement.item<double>()},
                     {"agreement_on_own", second.agreement.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
