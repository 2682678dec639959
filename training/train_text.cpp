// `jielong train text`: the shared text encoder. Its features must carry everything a prompt says, so
// it is trained to make every attribute of the described scene readable from its mean feature: each
// object's colour, shape and size (in the order the prompt names them), the position, the relation,
// the background and the motion. Captions are sampled from the grammar with all its paraphrases;
// no pictures are needed. The probe heads are thrown away: the checkpoint holds the encoder alone.
#include "models/text_encoder.h"
#include "training/trainers.h"
#include "training/training_run.h"
#include "world/caption.h"
#include "world/random.h"
#include "world/sampler.h"

namespace jl::training {

namespace {

// Class counts of the probed attributes; class 0 is "not stated" where a prompt may leave it out.
struct Attribute {
  const char* name;
  int64_t classes;
};
const Attribute kAttributes[] = {{"color1", world::kColors},     {"shape1", world::kShapes},
                                 {"size1", 3},                   {"color2", world::kColors + 1},
                                 {"shape2", world::kShapes + 1}, {"size2", 3},
                                 {"position", world::kPositions + 1}, {"relation", world::kRelations + 1},
                                 {"background", world::kBackgrounds + 1}, {"motion", world::kMotions + 1}};
constexpr size_t kAttributeCount = sizeof(kAttributes) / sizeof(kAttributes[0]);

template <class T>
int64_t stated(const std::optional<T>& value) {
  return value ? int64_t(*value) + 1 : 0;
}

std::array<int64_t, kAttributeCount> attributes_of(const world::SceneSpec& spec) {
  const world::ObjectSpec& a = spec.objects.at(0);
  const bool two = spec.objects.size() > 1;
  return {int64_t(a.color),
          int64_t(a.shape),
          stated(a.size),
          two ? int64_t(spec.objects[1].color) + 1 : 0,
          two ? int64_t(spec.objects[1].shape) + 1 : 0,
          two ? stated(spec.objects[1].size) : 0,
          stated(spec.position),
          stated(spec.relation),
          stated(spec.background),
          stated(spec.motion)};
}

struct ProbeHeadsImpl : torch::nn::Module {
  explicit ProbeHeadsImpl(int64_t dim) {
    heads = register_module("heads", torch::nn::ModuleList());
    for (const Attribute& a : kAttributes) heads->push_back(torch::nn::Linear(dim, a.classes));
  }
  torch::nn::ModuleList heads{nullptr};
};
TORCH_MODULE(ProbeHeads);

}  // namespace

nlohmann::json train_text(const TrainParams& params, const Callbacks& callbacks) {
  models::TextEncoderConfig defaults;
  defaults.vocabulary = world::vocabulary();
  nlohmann::json overrides = params.model_config;
  if (!overrides.contains("vocabulary")) overrides["vocabulary"] = defaults.vocabulary;
  const auto config = config_with_overrides<models::TextEncoderConfig>(overrides);
  torch::manual_seed(params.seed);
  models::TextEncoder encoder(config);
  ProbeHeads probes(config.dim);
  std::vector<torch::Tensor> parameters = encoder->parameters();
  for (const torch::Tensor& p : probes->parameters()) parameters.push_back(p);
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(params.lr).weight_decay(0.01));

  models::CheckpointInfo info;
  info.model = models::kTextEncoderModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "ShapeWorld v1 captions (image and video grammar, all paraphrases), sampled (seed " +
                 std::to_string(params.seed) + ")";
  // On --resume the probe heads start afresh (they are not part of the checkpoint); they catch up in
  // a few steps.
  TrainingRun run(params, *encoder, optimizer, info, callbacks);

  auto make_batch = [&](world::Rng& rng, int count, std::vector<std::string>& captions, torch::Tensor& targets) {
    captions.clear();
    targets = torch::empty({count, int64_t(kAttributeCount)}, torch::kLong);
    for (int i = 0; i < count; ++i) {
      world::SampleOptions options;
      options.video = rng.uniform() < 0.2;
      const world::SceneSpec spec = world::sample_spec(rng, options);
      captions.push_back(world::caption(spec, rng));
      const auto values = attributes_of(spec);
      for (size_t k = 0; k < kAttributeCount; ++k) targets[i][int64_t(k)] = values[k];
    }
  };
  auto losses = [&](const std::vector<std::string>& captions, const torch::Tensor& targets, torch::Tensor* accuracy) {
    const models::TextBatch batch = encoder->tokenize(captions);
    const torch::Tensor features = encoder->forward(batch);
    const torch::Tensor keep = batch.padding.logical_not().unsqueeze(-1).to(torch::kFloat);
    const torch::Tensor pooled = (features * keep).sum(1) / keep.sum(1);
    torch::Tensor loss = torch::zeros({});
    torch::Tensor all_right = torch::ones({targets.size(0)}, torch::kBool);
    for (size_t k = 0; k < kAttributeCount; ++k) {
      const torch::Tensor logits = probes->heads[k]->as<torch::nn::Linear>()->forward(pooled);
      const torch::Tensor target = targets.select(1, int64_t(k));
      loss = loss + torch::nn::functional::cross_entropy(logits, target);
      all_right = all_right.logical_and(logits.argmax(1).eq(target));
    }
    if (accuracy) *accuracy = all_right.to(torch::kFloat).mean();
    return loss;
  };

  run.evaluate = [&] {
    world::Rng rng(0xE7A1);  // a fixed set of captions, the same at every checkpoint
    std::vector<std::string> captions;
    torch::Tensor targets, accuracy;
    make_batch(rng, params.eval_count, captions, targets);
    probes->eval();
    losses(captions, targets, &accuracy);
    probes->train();
    return nlohmann::json{{"count", params.eval_count}, {"all_attributes_right", accuracy.item<double>()}};
  };

  world::Rng rng(params.seed * 7919 + uint64_t(run.step()));
  std::vector<std::string> captions;
  torch::Tensor targets, accuracy;
  while (!run.done()) {
    make_batch(rng, params.batch, captions, targets);
    run.schedule_learning_rate();
    const torch::Tensor loss = losses(captions, targets, &accuracy);
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(parameters, 1.0);
    optimizer.step();
    run.finish_step({{"loss", loss.item<double>()}, {"all_attributes_right", accuracy.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
