#include "pipelines/speech/speak.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "models/speech_transformer.h"
#include "core/atomic_file.h"
#include "models/model_store.h"
#include "models/speech_units.h"
#include "models/unit_vocoder.h"
#include "pipelines/speech/lexicon.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/speech/speech_units.h"

namespace jl::speech {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Samples units until there are `total`, after the given ones, with the KV cache; the text and every
// frame's alignment are fixed before. Frame i reads unit i - 1 ([BOS] for the first) and predicts unit i.
std::vector<int64_t> decode_units(models::SpeechTransformerImpl& model, const torch::Tensor& text, models::KVCache& cache,
                                  const models::FrameAlignment& alignment, std::vector<int64_t> units, int64_t total,
                                  const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  std::vector<at::Generator> generators{generator};
  const auto run = [&](int64_t first, int64_t n) {  // frames [first, first + n): the logits of the last
    std::vector<int64_t> previous;
    for (int64_t i = first; i < first + n; ++i) previous.push_back(i == 0 ? model.config.bos() : units[size_t(i - 1)]);
    const models::FrameAlignment slice{alignment.token_index.narrow(1, first, n), alignment.progress.narrow(1, first, n)};
    const torch::Tensor logits = model.decode(cache, text, torch::tensor(previous, torch::kLong).unsqueeze(0), slice);
    return logits.select(1, n - 1);
  };
  torch::Tensor logits = run(0, int64_t(units.size()) + 1);  // the given units in one pass
  while (true) {
    units.push_back(tokens::draw(tokens::token_probabilities(logits, options.sampling), generators)[0].item<int64_t>());
    callbacks.report(int64_t(units.size()), total);
    callbacks.throw_if_cancelled();
    if (int64_t(units.size()) >= total) break;
    logits = run(int64_t(units.size()), 1);
  }
  return units;
}

}  // namespace

std::vector<int64_t> text_to_units(models::SpeechTransformerImpl& model, const std::vector<int>& tokens, const UnitSampling& options,
                                   at::Generator& generator, const Callbacks& callbacks) {
  if (tokens.empty()) throw Error("speak: nothing to say");
  if (!(options.speed >= 0.25 && options.speed <= 4)) throw UsageError("--speed must be in 0.25..4");
  torch::NoGradGuard no_grad;
  const torch::Tensor text = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.end()), torch::kLong).unsqueeze(0);
  const torch::Tensor padding = torch::zeros_like(text, torch::kBool);
  // The durations first (the cache's room depends on them): a phoneme takes at least a frame.
  torch::Tensor log_durations;
  model.start(text, padding, 0, &log_durations);
  torch::Tensor durations = (torch::expm1(log_durations.clamp_min(0)) / options.speed).round().to(torch::kLong);
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < Lexicon::kPhonemes) durations[0][int64_t(i)].clamp_min_(1);
  const int64_t total = durations.sum().item<int64_t>();
  models::KVCache cache = model.start(text, padding, total, nullptr);
  return decode_units(model, text, cache, models::align_frames(durations, total), {}, total, options, generator, callbacks);
}

std::vector<int64_t> continue_units(models::SpeechTransformerImpl& model, const std::vector<int64_t>& prompt, int64_t frames,
                                    const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks) {
  if (frames < 1) throw UsageError("speech continue: --seconds must give at least one frame");
  for (const int64_t u : prompt)
    if (u < 0 || u >= model.config.units) throw Error("speech continue: the prompt's units are not of this model's codebook");
  torch::NoGradGuard no_grad;
  const torch::Tensor text = torch::full({1, 1}, model.config.no_text(), torch::kLong);
  const int64_t total = int64_t(prompt.size()) + frames;
  models::KVCache cache = model.start(text, torch::zeros({1, 1}, torch::kBool), total, nullptr);
  const models::FrameAlignment none{torch::full({1, total}, -1, torch::kLong), torch::zeros({1, total}, torch::kLong)};
  return decode_units(model, text, cache, none, prompt, total, options, generator, callbacks);
}

namespace {

std::shared_ptr<models::SpeechTransformerImpl> speech_model(models::ModelStore& store, const std::string& name) {
  return store.get<models::SpeechTransformerImpl>(name, [](const fs::path& path) { return models::load_speech_transformer(path).ptr(); });
}

// The generated units through the vocoder into the output, with what made them.
nlohmann::json write_generated(const std::vector<int64_t>& units, models::UnitVocoderImpl& vocoder, const fs::path& output,
                               nlohmann::json comment, uint64_t seed, bool overwrite, Clock::time_point start) {
  const torch::Tensor samples = vocode(vocoder, units, Waveform::SourceFilter, seed);
  comment["seed"] = seed;
  comment["units"] = format_unit_runs(models::deduplicate(units));
  write_speech(output, samples, vocoder.config.features.sample_rate, comment, overwrite);
  const double seconds = double(samples.numel()) / vocoder.config.features.sample_rate;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return {{"output", output.string()}, {"seconds", seconds}, {"frames", units.size()}, {"real_time_factor", elapsed / seconds}};
}

void check_same_codebook(const models::SpeechTransformerImpl& model, const models::UnitVocoderImpl& vocoder, const std::string& name) {
  if (model.config.units != vocoder.config.units)
    throw Error("the speech model " + name + " and the vocoder use codebooks of different sizes (" + std::to_string(model.config.units) +
                " and " + std::to_string(vocoder.config.units) + " units): train them on the same one");
}

}  // namespace

void SpeakParams::validate() const {
  if (text.empty()) throw UsageError("speak: --text is required");
  if (output.empty()) throw UsageError("speak: -o is required (the audio to write)");
  check_speech_output(output);
}

nlohmann::json speak(const SpeakParams& p, models::ModelStore& store, const Callbacks& callbacks) {
  p.validate();
  const auto start = Clock::now();
  const std::vector<int> tokens = Lexicon::shared().tokens(p.text);  // bad text fails before anything loads
  check_can_write(p.output, p.overwrite);
  const auto model = speech_model(store, p.model);
  const auto vocoder = unit_vocoder(store, p.vocoder);
  check_same_codebook(*model, *vocoder, p.model);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(p.seed);
  const std::vector<int64_t> units = text_to_units(*model, tokens, p.options, generator, callbacks);
  return write_generated(units, *vocoder, p.output,
                         {{"generator", "jielong speak"}, {"text", p.text}, {"model", p.model}, {"vocoder", p.vocoder}}, p.seed,
                         p.overwrite, start);
}

void ContinueParams::validate() const {
  if (input.empty()) throw UsageError("speech continue: give the recording to continue");
  if (output.empty()) throw UsageError("speech continue: -o is required (the audio to write)");
  if (!(seconds > 0 && seconds <= 60)) throw UsageError("speech continue: --seconds must be in (0, 60]");
  check_speech_output(output);
}

nlohmann::json continue_speech(const ContinueParams& p, models::ModelStore& store, const Callbacks& callbacks) {
  p.validate();
  const auto start = Clock::now();
  check_can_write(p.output, p.overwrite);
  const auto codebook = speech_codebook(store, p.units);
  const auto model = speech_model(store, p.model);
  const auto vocoder = unit_vocoder(store, p.vocoder);
  check_same_codebook(*model, *vocoder, p.model);
  if (codebook->config.units != model->config.units) throw Error("speech continue: " + p.units + " is not the codebook " + p.model + " was trained on");
  const std::vector<int64_t> prompt = encode_units(*codebook, read_mono_samples(p.input, codebook->config.features.sample_rate));
  const int64_t frames = std::max<int64_t>(1, std::llround(p.seconds * codebook->config.features.frames_per_second()));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(p.seed);
  const std::vector<int64_t> units = continue_units(*model, prompt, frames, p.options, generator, callbacks);
  nlohmann::json result = write_generated(
      units, *vocoder, p.output, {{"generator", "jielong speech continue"}, {"prompt", p.input.filename().string()}, {"model", p.model}},
      p.seed, p.overwrite, start);
  result["prompt_seconds"] = double(prompt.size()) / codebook->config.features.frames_per_second();
  return result;
}

}  // namespace jl::speech
