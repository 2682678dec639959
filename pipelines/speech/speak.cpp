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

// The speech transformer as the token decoders see it (pipelines/tokens/causal_decoder.h): one
// sequence of `frames` units, the text and every frame's alignment fixed before decoding.
class SpeechDecoder : public tokens::CausalDecoder {
 public:
  SpeechDecoder(models::SpeechTransformerImpl& model, torch::Tensor text, models::FrameAlignment alignment)
      : model_(model), text_(std::move(text)), alignment_(std::move(alignment)) {}

  int64_t batch() const override { return 1; }
  int64_t length() const override { return alignment_.token_index.size(1); }
  int64_t bos() const override { return model_.config.bos(); }
  torch::Tensor decode(const torch::Tensor& inputs) override {
    if (!cache_.capacity()) restart();
    const int64_t first = decoded(), n = inputs.size(1);
    return model_.decode(cache_, text_, inputs, {alignment_.token_index.narrow(1, first, n), alignment_.progress.narrow(1, first, n)});
  }
  int64_t decoded() const override { return cache_.capacity() ? model_.decoded(cache_, text_.size(1)) : 0; }
  void rollback(int64_t positions) override {
    if (cache_.capacity() && positions < decoded()) cache_.length = text_.size(1) + std::max<int64_t>(0, positions);
  }
  void restart() override { cache_ = model_.start(text_, torch::zeros_like(text_, torch::kBool), length(), nullptr); }

 private:
  models::SpeechTransformerImpl& model_;
  torch::Tensor text_;
  models::FrameAlignment alignment_;
  models::KVCache cache_;
};

// Plain or (with a draft) speculative decoding of the whole sequence after the given units.
std::vector<int64_t> decode_units(SpeechDecoder& target, SpeechDecoder* draft, const std::vector<int64_t>& given,
                                  const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks,
                                  tokens::DecodeStats* stats) {
  torch::NoGradGuard no_grad;
  tokens::DecodeOptions decode;
  decode.sampling = options.sampling;
  tokens::DecodeStats own;
  const torch::Tensor prompt = given.empty() ? torch::Tensor() : torch::tensor(given, torch::kLong).unsqueeze(0);
  std::vector<at::Generator> generators{generator};
  const torch::Tensor units = draft ? tokens::decode_speculative(target, *draft, options.gamma, decode, generator, callbacks, stats ? *stats : own, prompt)
                                    : tokens::decode_autoregressive(target, decode, generators, callbacks, stats ? *stats : own, prompt);
  const torch::Tensor row = units[0].contiguous();
  return {row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel()};
}

}  // namespace

std::vector<int64_t> text_to_units(models::SpeechTransformerImpl& model, const std::vector<int>& text_tokens, const UnitSampling& options,
                                   at::Generator& generator, const Callbacks& callbacks, models::SpeechTransformerImpl* draft,
                                   tokens::DecodeStats* stats) {
  if (text_tokens.empty()) throw Error("speak: nothing to say");
  if (!(options.speed >= 0.25 && options.speed <= 4)) throw UsageError("--speed must be in 0.25..4");
  torch::NoGradGuard no_grad;
  const torch::Tensor text = torch::tensor(std::vector<int64_t>(text_tokens.begin(), text_tokens.end()), torch::kLong).unsqueeze(0);
  // The durations first (the sequence's length depends on them): a phoneme takes at least a frame.
  torch::Tensor log_durations;
  model.start(text, torch::zeros_like(text, torch::kBool), 0, &log_durations);
  torch::Tensor durations = (torch::expm1(log_durations.clamp_min(0)) / options.speed).round().to(torch::kLong);
  for (size_t i = 0; i < text_tokens.size(); ++i)
    if (text_tokens[i] < Lexicon::kPhonemes) durations[0][int64_t(i)].clamp_min_(1);
  const models::FrameAlignment alignment = models::align_frames(durations, durations.sum().item<int64_t>());
  SpeechDecoder target(model, text, alignment);
  std::unique_ptr<SpeechDecoder> draft_decoder = draft ? std::make_unique<SpeechDecoder>(*draft, text, alignment) : nullptr;
  return decode_units(target, draft_decoder.get(), {}, options, generator, callbacks, stats);
}

std::vector<int64_t> continue_units(models::SpeechTransformerImpl& model, const std::vector<int64_t>& prompt, int64_t frames,
                                    const UnitSampling& options, at::Generator& generator, const Callbacks& callbacks) {
  if (frames < 1) throw UsageError("speech continue: --seconds must give at least one frame");
  for (const int64_t u : prompt)
    if (u < 0 || u >= model.config.units) throw Error("speech continue: the prompt's units are not of this model's codebook");
  const int64_t total = int64_t(prompt.size()) + frames;
  SpeechDecoder target(model, torch::full({1, 1}, model.config.no_text(), torch::kLong),
                       {torch::full({1, total}, -1, torch::kLong), torch::zeros({1, total}, torch::kLong)});
  return decode_units(target, nullptr, prompt, options, generator, callbacks, nullptr);
}

namespace {

std::shared_ptr<models::SpeechTransformerImpl> speech_model(models::ModelStore& store, const std::string& name) {
  return store.get<models::SpeechTransformerImpl>(name, [](const fs::path& path) { return models::load_speech_transformer(path).ptr(); });
}

// The generated units through the vocoder into the output, with what made them.
nlohmann::json write_generated(const std::vector<int64_t>& units, models::UnitVocoderImpl& vocoder, const torch::Tensor& voice, Waveform waveform,
                               const fs::path& output, nlohmann::json comment, uint64_t seed, bool overwrite, Clock::time_point start) {
  const torch::Tensor samples = vocode(vocoder, units, waveform, seed, voice);
  comment["seed"] = seed;
  comment["units"] = format_unit_runs(models::deduplicate(units));
  write_speech(output, samples, vocoder.config.features.sample_rate, comment, overwrite);
  const double seconds = double(samples.numel()) / vocoder.config.features.sample_rate;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return {{"output", output.string()}, {"seconds", seconds}, {"frames", units.size()}, {"real_time_factor", elapsed / seconds}};
}

CodebookUse codebook_use(const models::SpeechTransformerImpl& model, const std::string& name) {
  return {"the speech model " + name, model.config.units, model.config.codebook};
}

CodebookUse codebook_use(const models::UnitVocoderImpl& vocoder, const std::string& name) {
  return {"the vocoder " + name, vocoder.config.units, vocoder.config.codebook};
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
  check_same_codebook(codebook_use(*model, p.model), codebook_use(*vocoder, p.vocoder));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(p.seed);
  std::shared_ptr<models::SpeechTransformerImpl> draft;
  if (!p.draft.empty()) {
    draft = speech_model(store, p.draft);
    if (draft->config.units != model->config.units || draft->config.tokens != model->config.tokens)
      throw Error("speak: the draft " + p.draft + " speaks another codebook or lexicon than " + p.model);
  }
  tokens::DecodeStats stats;
  const std::vector<int64_t> units = text_to_units(*model, tokens, p.options, generator, callbacks, draft.get(), &stats);
  nlohmann::json result = write_generated(
      units, *vocoder, {}, p.waveform, p.output,
      {{"generator", "jielong speak"}, {"text", p.text}, {"model", p.model}, {"vocoder", p.vocoder}, {"waveform", waveform_name(p.waveform)}},
      p.seed, p.overwrite, start);
  if (draft) {
    result["acceptance_rate"] = stats.acceptance_rate();
    result["target_passes"] = stats.target_passes;
  }
  return result;
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
  check_same_codebook(codebook_use(*model, p.model), codebook_use(*vocoder, p.vocoder));
  check_same_codebook({"the codebook " + p.units, codebook->config.units, codebook->fingerprint()}, codebook_use(*model, p.model));
  const torch::Tensor recording = read_mono_samples(p.input, codebook->config.features.sample_rate);
  const std::vector<int64_t> prompt = encode_units(*codebook, recording);
  const int64_t frames = std::max<int64_t>(1, std::llround(p.seconds * codebook->config.features.frames_per_second()));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(p.seed);
  const std::vector<int64_t> units = continue_units(*model, prompt, frames, p.options, generator, callbacks);
  // The continuation keeps the prompt's voice (where the vocoder takes one).
  const torch::Tensor voice = vocoder->voice_of(models::log_mel(vocoder->config.features, recording));
  nlohmann::json result = write_generated(
      units, *vocoder, voice, p.waveform, p.output,
      {{"generator", "jielong speech continue"}, {"prompt", p.input.filename().string()}, {"model", p.model}, {"waveform", waveform_name(p.waveform)}},
      p.seed, p.overwrite, start);
  result["prompt_seconds"] = double(prompt.size()) / codebook->config.features.frames_per_second();
  return result;
}

}  // namespace jl::speech
