// `jielong train ar | ar-draft | maskgit`: a token transformer over the frozen tokenizer's tokens,
// conditioned on the frozen text encoder's features. Each step renders fresh scenes, tokenizes them,
// and drops 10% of the captions to the empty prompt so that classifier-free guidance has an
// unconditional model to contrast with.
// - ar: next-token cross-entropy in raster order;
// - ar-draft: the same model, smaller, taught by its target (--teacher, default ar): at every position
//   of the same inputs it learns the target's next-token distribution (KL divergence at the sampling
//   temperature), since what makes a draft useful is how often the target accepts its proposals, not
//   how well it predicts the data (with --teacher none it learns from the data tokens like ar);
// - maskgit: a mask ratio drawn from the cosine schedule per picture, cross-entropy on the masked
//   positions only (the MaskGIT recipe); --init-from may name the autoregressive model of the same
//   shape to start from.
// At each checkpoint the averaged weights generate pictures for the first holdout prompts and the
// world judge scores them.
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/tokens/generate.h"
#include "pipelines/text_condition.h"
#include "pipelines/tokens/generator_models.h"
#include "training/generator_training.h"
#include "training/trainers.h"
#include "training/training_run.h"
#include "world/dataset.h"

namespace jl::training {

namespace F = torch::nn::functional;

namespace {

constexpr double kConditionDropout = 0.1;
constexpr double kEmaDecay = 0.998;

// Per-task defaults. ar and maskgit: d 256, 8 layers, 8 heads (6.3M parameters). Over the 8x8
// tokenizer a picture is 64 tokens after the prompt's 20, so a step of 32 pictures takes about a
// second on one core: what these generators lacked most over 16x16 tokens (256 a picture) was
// pictures seen. ar-draft: d 128, 2 layers, so that proposing costs a fraction of a target step.
models::TokenTransformerConfig base_config(const std::string& task) {
  models::TokenTransformerConfig config;
  config.causal = task != "maskgit";
  config.relative_positions = true;  // a shape learnt in one place of the grid is drawn in every place
  if (task == "ar-draft") {
    config.dim = 128;
    config.layers = 2;
    config.heads = 4;
  } else {
    config.dim = 256;
    config.layers = 8;
    config.heads = 8;
  }
  return config;
}

}  // namespace

nlohmann::json train_generator(const TrainParams& given, const Callbacks& callbacks) {
  TrainParams params = given;
  models::ModelStore store(params.models_dir);
  tokens::TokenModels frozen;
  frozen.tokenizer = tokens::load_tokenizer(store, params.tokenizer);
  frozen.text_encoder = tokens::load_text_encoder(store, params.text_encoder);

  // The tokenizer and text encoder fix the vocabulary, grid and text shapes; the rest is the task's
  // defaults with --model-config on top.
  const auto config = config_with_overrides<models::TokenTransformerConfig>(generator_config_json(
      base_config(params.task),
      {{"vocab", frozen.tokenizer->config.codebook_size},
       {"grid", frozen.tokenizer->config.grid()},
       {"text_dim", frozen.text_encoder->config.dim},
       {"text_len", frozen.text_encoder->config.max_words}},
      params));

  torch::manual_seed(params.seed);
  auto model = std::make_shared<models::TokenTransformerImpl>(config);
  frozen.generator = model;
  std::shared_ptr<models::TokenTransformerImpl> teacher;  // ar-draft: the target it learns to agree with
  if (params.task == "ar-draft" && params.teacher != "none") {
    teacher = tokens::load_generator(store, params.teacher, /*causal=*/true);
    tokens::check_compatible(*teacher, params.teacher, *frozen.tokenizer, params.tokenizer, *frozen.text_encoder,
                             params.text_encoder);
    teacher->eval();
    frozen.generator = teacher;  // evaluation: speculative decoding, the draft proposing to its target
    frozen.draft = model;
  }
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(params.lr).betas({0.9, 0.95}).weight_decay(0.05));

  models::CheckpointInfo info = generator_info(params, models::kTokenTransformerModel, config,
                                               frozen.tokenizer->config.image_size, "tokenized by");
  if (!config.causal && !params.init_from.empty()) {
    // MaskGIT from the autoregressive model of the same shape: what it knows of shapes, colours and
    // places carries over, only the attention pattern and the input (the token itself or the mask,
    // rather than the token before) change; far faster than learning from scratch.
    const models::Checkpoint start(store.find(params.init_from));
    if (start.info().model == models::kTokenTransformerModel && start.info().config.value("causal", false)) {
      models::TokenTransformerConfig causal = config;
      causal.causal = true;
      load_related_weights(*model, start, models::kTokenTransformerModel, causal, "", info);
      params.init_from.clear();
    }
  }
  if (teacher) info.extra["teacher"] = params.teacher;
  TrainingRun run(params, *model, optimizer, info, callbacks, kEmaDecay);
  run.half_checkpoint = true;  // the shipped AR model would pass the 25 MB cap in float32

  Txt2ImgParams sampling;  // the defaults users get
  sampling.method = config.causal ? Txt2ImgMethod::Ar : Txt2ImgMethod::MaskGit;
  tokens::DecodeStats stats;
  const auto judged = holdout_evaluation(params, [&](const std::vector<std::string>& prompts, uint64_t seed) {
    return tokens::generate_images(frozen, prompts, sampling, seed, {}, stats);
  });
  run.evaluate = [&] {
    stats = {};
    nlohmann::json report = judged();
    if (teacher) report["acceptance_rate"] = stats.acceptance_rate();  // what a draft is for
    return report;
  };

  world::DatasetOptions data;
  data.size = frozen.tokenizer->config.image_size;
  data.batch = params.batch;
  data.seed = params.seed;
  data.first_batch = uint64_t(run.step());
  world::ShapeWorldStream stream(data);
  const int64_t n = config.image_tokens();

  while (!run.done()) {
    world::Batch batch = stream.next();
    torch::Tensor targets, text, padding;
    {
      torch::NoGradGuard no_grad;
      targets = frozen.tokenizer->encode(models::to_unit_range(batch.images)).view({params.batch, n});
      drop_captions(batch.captions, kConditionDropout);
      const Condition cond = encode_prompts(*frozen.text_encoder, batch.captions);
      text = cond.features;
      padding = cond.padding;
    }
    run.schedule_learning_rate();
    torch::Tensor loss, accuracy, agreement;
    {
      const BFloat16Autocast autocast(params.use_bfloat16());  // the forward pass only: evaluation stays float32
      if (config.causal) {
        const torch::Tensor logits = model->forward(text, padding, targets).to(torch::kFloat);
        accuracy = logits.argmax(-1).eq(targets).to(torch::kFloat).mean();
        if (teacher) {
          torch::Tensor wanted;
          {
            torch::NoGradGuard no_grad;
            wanted = teacher->forward(text, padding, targets).to(torch::kFloat);
          }
          std::tie(loss, agreement) = distillation_loss(logits, wanted, sampling.sampling_temperature());
        } else {
          loss = F::cross_entropy(logits.reshape({-1, config.vocab}), targets.reshape({-1}));
        }
      } else {
        // Mask ratio cos(pi/2 * u), u uniform: the same spread of ratios the cosine schedule visits.
        const torch::Tensor ratio = torch::cos(torch::rand({params.batch, 1}) * (M_PI / 2));
        const torch::Tensor count = (ratio * n).ceil().clamp(1, n);
        const torch::Tensor rank = torch::rand({params.batch, n}).argsort(int64_t(1)).argsort(int64_t(1));
        const torch::Tensor masked = rank < count;
        const torch::Tensor inputs = targets.masked_fill(masked, config.special_token());
        const torch::Tensor logits = model->forward(text, padding, inputs).to(torch::kFloat);
        const torch::Tensor picked = logits.index({masked});
        const torch::Tensor wanted = targets.index({masked});
        loss = F::cross_entropy(picked, wanted);
        accuracy = picked.argmax(-1).eq(wanted).to(torch::kFloat).mean();
      }
    }
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    std::map<std::string, double> logged = {{"loss", loss.item<double>()}, {"token_accuracy", accuracy.item<double>()}};
    if (agreement.defined()) logged["agreement"] = agreement.item<double>();
    run.finish_step(logged);
  }
  return run.last_eval();
}

}  // namespace jl::training
