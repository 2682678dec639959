// `jielong train units`: the speech unit codebook. Log-mel frames of --batch training clips of the
// speech data (scripts/fetch-speech-data.sh; every voice) as bands or their cepstra (the config's
// `cepstra`), standardised by their mean and deviation, clustered by k-means (k = the config's
// `units`, --steps Lloyd iterations at most) on at most kMaxFrames of them. The checkpoint's eval, on the held-out clips (the teacher voice): codebook
// usage and perplexity, and the unit rate before and after de-duplication.
#include <cmath>

#include "core/atomic_file.h"
#include "core/error.h"
#include "models/checkpoint.h"
#include "models/model_store.h"
#include "models/speech_units.h"
#include "pipelines/speech/speech_units.h"
#include "training/kmeans.h"
#include "training/speech_data.h"
#include "training/trainers.h"

namespace jl::training {

namespace {

// ~67 minutes of speech; bounds the time and memory of k-means (the distances to 100 centroids:
// 80 MB).
constexpr int64_t kMaxFrames = 200'000;

}  // namespace

nlohmann::json train_units(const TrainParams& params, const Callbacks& callbacks) {
  if (params.resume) throw UsageError("train units: k-means runs in one go (minutes); --resume does not apply");
  if (!params.init_from.empty()) throw UsageError("train units: --init-from does not apply to k-means");
  check_can_write(params.output, params.overwrite);
  const fs::path folder = speech_data_folder(params);
  const std::vector<SpeechClip> train = read_speech_index(folder, "train.tsv");
  const std::vector<SpeechClip> held_out = read_speech_index(folder, "holdout.tsv");

  // The trainer's recipe: 13 cepstra a frame (the config's default stays the bands, which older
  // codebooks were trained on).
  nlohmann::json overrides = {{"cepstra", 13}};
  overrides.update(params.model_config);
  const models::SpeechUnitsConfig config = config_with_overrides<models::SpeechUnitsConfig>(overrides);
  models::SpeechUnits units(config);

  // A seeded choice of clips, then every frame of them (thinned evenly past kMaxFrames).
  torch::manual_seed(params.seed);
  const torch::Tensor order = torch::randperm(int64_t(train.size()), torch::kLong);
  const int64_t count = std::min<int64_t>(params.batch, int64_t(train.size()));
  std::vector<torch::Tensor> frames;
  for (int64_t i = 0; i < count; ++i) {
    const SpeechClip& clip = train[size_t(order[i].item<int64_t>())];
    frames.push_back(models::log_mel(config.features, speech::read_mono_samples(clip.wav, config.features.sample_rate)));
    callbacks.report(i + 1, count + params.steps);
    callbacks.throw_if_cancelled();
  }
  torch::Tensor all = units->frames_of_mel(torch::cat(frames));
  frames.clear();
  if (all.size(0) > kMaxFrames) all = all.index_select(0, torch::linspace(0, double(all.size(0) - 1), kMaxFrames).to(torch::kLong));
  units->mean.copy_(all.mean(0));
  units->deviation.copy_(all.std(0).clamp_min(1e-3));
  const KMeansResult clusters = kmeans((all - units->mean) / units->deviation, config.units, int(params.steps), params.seed);
  units->centroids.copy_(clusters.centroids);
  callbacks.report(count + params.steps, count + params.steps);

  // The held-out clips through the codebook.
  std::vector<int64_t> usage(size_t(config.units), 0);
  int64_t total_frames = 0, runs = 0;
  double seconds = 0;
  for (const SpeechClip& clip : held_out) {
    const torch::Tensor samples = speech::read_mono_samples(clip.wav, config.features.sample_rate);
    const torch::Tensor ids = units->encode(samples);
    const std::vector<int64_t> sequence(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
    for (const int64_t id : sequence) ++usage[size_t(id)];
    total_frames += int64_t(sequence.size());
    runs += int64_t(models::deduplicate(sequence).size());
    seconds += double(samples.numel()) / config.features.sample_rate;
  }
  double entropy = 0;
  int used = 0;
  for (const int64_t n : usage) {
    if (n == 0) continue;
    ++used;
    const double p = double(n) / double(total_frames);
    entropy -= p * std::log(p);
  }
  const nlohmann::json eval = {{"clips", held_out.size()},
                               {"units_used", used},
                               {"perplexity", std::exp(entropy)},
                               {"units_per_second", double(total_frames) / seconds},
                               {"deduplicated_units_per_second", double(runs) / seconds},
                               {"train_frames", all.size(0)},
                               {"train_clips", count},
                               {"inertia", clusters.inertia},
                               {"iterations", clusters.iterations}};
  models::CheckpointInfo info;
  info.model = models::kSpeechUnitsModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "speech of scripts/fetch-speech-data.sh (" + folder.string() + "): " + std::to_string(count) +
                 " training clips, every voice";
  info.step = clusters.iterations;
  info.extra["eval"] = eval.dump();
  models::save_checkpoint(params.output, *units, info, params.overwrite);
  return eval;
}

}  // namespace jl::training
