// `jielong train text`: the shared text encoder. Its features must carry everything a prompt says,
// and carry it where a generator reads it, so two sets of linear probes are trained with it:
//   - from the mean feature, every attribute of the described scene: each object's colour, shape and
//     size (in the order the prompt names them), the position, the relation, the background, the motion;
//   - from each word's own feature, the object that word describes (first, second or none) and that
//     object's colour, shape, size and place: its position, or for two objects which side of the other
//     it is on. So "blue" in "a red circle above a blue square" says "the lower object, a blue square":
//     a generator's cross-attention finds every attribute of an object bound to it and to its place.
//     Trained on the mean alone (its first version), the words of two objects blurred together and the
//     diffusion model swapped and mixed their colours (two-object prompts passed 4%).
// Captions are sampled from the grammar with all its paraphrases; no pictures are needed. The probe
// heads are thrown away: the checkpoint holds the encoder alone.
#include <array>
#include <iterator>

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
const Attribute kSceneAttributes[] = {{"color1", world::kColors},     {"shape1", world::kShapes},
                                      {"size1", 3},                   {"color2", world::kColors + 1},
                                      {"shape2", world::kShapes + 1}, {"size2", 3},
                                      {"position", world::kPositions + 1}, {"relation", world::kRelations + 1},
                                      {"background", world::kBackgrounds + 1}, {"motion", world::kMotions + 1}};
// Per word. "place": 0 unstated, then the positions, then the side of the other object the word's
// object is on (left of, right of, above, below). The object attributes of words that describe no
// object are not scored.
const Attribute kWordAttributes[] = {{"object", 3},
                                     {"color", world::kColors},
                                     {"shape", world::kShapes},
                                     {"size", 3},
                                     {"place", 1 + world::kPositions + world::kRelations}};
constexpr size_t kSceneCount = std::size(kSceneAttributes), kWordCount = std::size(kWordAttributes);
constexpr int64_t kNotScored = -100;  // cross_entropy's ignore_index

template <class T>
int64_t stated(const std::optional<T>& value) {
  return value ? int64_t(*value) + 1 : 0;
}

std::array<int64_t, kSceneCount> scene_attributes(const world::SceneSpec& spec) {
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

// The place class of objects[index]: its position, or its side of the other object.
int64_t place_of(const world::SceneSpec& spec, int index) {
  if (!spec.relation) return stated(spec.position);
  static constexpr world::Relation kMirror[] = {world::Relation::RightOf, world::Relation::LeftOf,
                                                world::Relation::Below, world::Relation::Above};
  const world::Relation side = index == 0 ? *spec.relation : kMirror[int(*spec.relation)];
  return 1 + world::kPositions + int64_t(side);
}

// [max_words, kWordCount]: each word's object (0 none, 1 first, 2 second) and that object's attributes.
torch::Tensor word_attributes(const world::SceneSpec& spec, const std::string& caption, int64_t max_words) {
  torch::Tensor targets = torch::full({max_words, int64_t(kWordCount)}, kNotScored, torch::kLong);
  const std::vector<int> objects = world::word_objects(caption);
  for (size_t w = 0; w < objects.size(); ++w) {
    const int o = objects[w];
    targets[int64_t(w)][0] = o + 1;
    if (o < 0) continue;
    const world::ObjectSpec& object = spec.objects.at(size_t(o));
    const int64_t values[] = {int64_t(object.color), int64_t(object.shape), stated(object.size), place_of(spec, o)};
    for (size_t k = 1; k < kWordCount; ++k) targets[int64_t(w)][int64_t(k)] = values[k - 1];
  }
  return targets;
}

struct ProbeHeadsImpl : torch::nn::Module {
  explicit ProbeHeadsImpl(int64_t dim) {
    scene = register_module("scene", torch::nn::ModuleList());
    for (const Attribute& a : kSceneAttributes) scene->push_back(torch::nn::Linear(dim, a.classes));
    word = register_module("word", torch::nn::ModuleList());
    for (const Attribute& a : kWordAttributes) word->push_back(torch::nn::Linear(dim, a.classes));
  }
  torch::nn::ModuleList scene{nullptr}, word{nullptr};
};
TORCH_MODULE(ProbeHeads);

struct Targets {
  torch::Tensor scene;  // [B, kSceneCount]
  torch::Tensor words;  // [B, max_words, kWordCount], kNotScored where there is nothing to score
};

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

  auto make_batch = [&](world::Rng& rng, int count, std::vector<std::string>& captions, Targets& targets) {
    captions.clear();
    targets.scene = torch::empty({count, int64_t(kSceneCount)}, torch::kLong);
    std::vector<torch::Tensor> words;
    for (int i = 0; i < count; ++i) {
      world::SampleOptions options;
      options.video = rng.uniform() < 0.2;
      const world::SceneSpec spec = world::sample_spec(rng, options);
      captions.push_back(world::caption(spec, rng));
      const auto values = scene_attributes(spec);
      for (size_t k = 0; k < kSceneCount; ++k) targets.scene[i][int64_t(k)] = values[k];
      words.push_back(word_attributes(spec, captions.back(), config.max_words));
    }
    targets.words = torch::stack(words);
  };
  // The summed cross-entropy of both probe sets; with `right`, which captions have every scene
  // attribute right (from the mean) and every word's attributes right.
  auto losses = [&](const std::vector<std::string>& captions, const Targets& targets, torch::Tensor* scene_right,
                    torch::Tensor* words_right) {
    const models::TextBatch batch = encoder->tokenize(captions);
    const torch::Tensor features = encoder->forward(batch);
    const torch::Tensor keep = batch.padding.logical_not().unsqueeze(-1).to(torch::kFloat);
    const torch::Tensor pooled = (features * keep).sum(1) / keep.sum(1);
    torch::Tensor loss = torch::zeros({});
    torch::Tensor all_scene = torch::ones({targets.scene.size(0)}, torch::kBool);
    torch::Tensor all_words = all_scene.clone();
    for (size_t k = 0; k < kSceneCount; ++k) {
      const torch::Tensor logits = probes->scene[k]->as<torch::nn::Linear>()->forward(pooled);
      const torch::Tensor target = targets.scene.select(1, int64_t(k));
      loss = loss + torch::nn::functional::cross_entropy(logits, target);
      all_scene = all_scene.logical_and(logits.argmax(1).eq(target));
    }
    for (size_t k = 0; k < kWordCount; ++k) {
      const torch::Tensor logits = probes->word[k]->as<torch::nn::Linear>()->forward(features);  // [B, L, C]
      const torch::Tensor target = targets.words.select(2, int64_t(k));                          // [B, L]
      loss = loss + torch::nn::functional::cross_entropy(
                        logits.flatten(0, 1), target.flatten(),
                        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kNotScored));
      all_words = all_words.logical_and(logits.argmax(2).eq(target).logical_or(target.eq(kNotScored)).all(1));
    }
    if (scene_right) *scene_right = all_scene.to(torch::kFloat).mean();
    if (words_right) *words_right = all_words.to(torch::kFloat).mean();
    return loss;
  };

  run.evaluate = [&] {
    world::Rng rng(0xE7A1);  // a fixed set of captions, the same at every checkpoint
    std::vector<std::string> captions;
    Targets targets;
    torch::Tensor scene_right, words_right;
    make_batch(rng, params.eval_count, captions, targets);
    probes->eval();
    losses(captions, targets, &scene_right, &words_right);
    probes->train();
    return nlohmann::json{{"count", params.eval_count},
                          {"all_attributes_right", scene_right.item<double>()},
                          {"all_words_right", words_right.item<double>()}};
  };

  world::Rng rng(params.seed * 7919 + uint64_t(run.step()));
  std::vector<std::string> captions;
  Targets targets;
  torch::Tensor scene_right, words_right;
  while (!run.done()) {
    make_batch(rng, params.batch, captions, targets);
    run.schedule_learning_rate();
    const torch::Tensor loss = losses(captions, targets, &scene_right, &words_right);
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(parameters, 1.0);
    optimizer.step();
    run.finish_step({{"loss", loss.item<double>()},
                     {"all_attributes_right", scene_right.item<double>()},
                     {"all_words_right", words_right.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
