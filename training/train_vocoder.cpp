// `jielong train vocoder`: the unit vocoder (models/unit_vocoder.h) on the speech data of
// scripts/fetch-speech-data.sh. Each training clip (up to kClips, a seeded choice, every voice) is read
// once: its units through the shipped codebook (--units), its log-mel frames and its pitch
// (models/pitch.h) are the targets. A step takes --batch random windows of kWindow frames. The loss:
// L1 on the standardised mel, L1 on log pitch in voiced frames, and the voicing's cross-entropy.
// The checkpoint's eval, on --eval-count held-out clips (the teacher voice): the mel error, the
// voicing accuracy, the pitch error in cents, and the word error rate of the resynthesised speech as
// the recognizer hears it.
#include <cmath>
#include <random>

#include "core/error.h"
#include "models/model_store.h"
#include "models/pitch.h"
#include "models/speech_units.h"
#include "models/unit_vocoder.h"
#include "pipelines/speech/recognizer.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/speech/speech_eval.h"
#include "pipelines/speech/speech_units.h"
#include "training/speech_data.h"
#include "training/trainers.h"
#include "training/training_run.h"

namespace jl::training {

namespace {

// Every training clip of the speech data (17,677: ~15 hours, ~1.2 GB of frames), read once. With the
// first 4,000 the held-out mel error stalled (0.74 -> 0.70 nepers over the last 2,300 of 4,000 steps) while
// the training error kept falling.
constexpr int64_t kClips = 20000;
constexpr int64_t kWindow = 128;   // frames a training window spans (2.56 s)
constexpr double kPitchWeight = 1.0, kVoicingWeight = 0.2;

struct ClipFrames {
  torch::Tensor units;    // [T] int64
  torch::Tensor voice;    // [n_mels]: UnitVocoderImpl::voice_of its mel (set once the mel statistics are known)
  bool teacher = false;   // the teacher voice's (whose mean voice is the vocoder's default)
  torch::Tensor log_mel;  // [T, n_mels]
  torch::Tensor log_f0;   // [T] log(f0 / reference), 0 where unvoiced
  torch::Tensor voiced;   // [T] float 0/1
};

ClipFrames analyse(models::SpeechUnitsImpl& units, const torch::Tensor& samples) {
  const models::LogMelConfig& c = units.config.features;
  ClipFrames f;
  f.log_mel = models::log_mel(c, samples);
  f.units = units.assign(units.features_of_mel(f.log_mel));
  const models::PitchTrack pitch = models::estimate_pitch(c, samples);
  f.voiced = pitch.voiced().to(torch::kFloat);
  f.log_f0 = torch::where(pitch.voiced(), torch::log(pitch.f0.clamp_min(1) / models::UnitVocoderImpl::kReferenceHz),
                          torch::zeros_like(pitch.f0));
  return f;
}

struct Losses {
  torch::Tensor total, mel, pitch, voicing;
};

// outputs: [B, T, n_mels + 2]; targets stacked the same way.
Losses losses(models::UnitVocoderImpl& vocoder, const torch::Tensor& outputs, const torch::Tensor& log_mel,
              const torch::Tensor& log_f0, const torch::Tensor& voiced) {
  const int64_t m = vocoder.config.features.n_mels;
  Losses l;
  l.mel = (outputs.narrow(-1, 0, m) - (log_mel - vocoder.mel_mean) / vocoder.mel_deviation).abs().mean();
  l.pitch = ((outputs.select(-1, m) - log_f0).abs() * voiced).sum() / voiced.sum().clamp_min(1);
  l.voicing = torch::binary_cross_entropy_with_logits(outputs.select(-1, m + 1), voiced);
  l.total = l.mel + kPitchWeight * l.pitch + kVoicingWeight * l.voicing;
  return l;
}

}  // namespace

nlohmann::json train_vocoder(const TrainParams& params, const Callbacks& callbacks) {
  models::ModelStore store(params.models_dir);
  const auto units = speech::speech_codebook(store, params.speech_units);
  // The trainer's recipe conditions on the voice (the config's default stays off, as older checkpoints have none).
  nlohmann::json overrides = {{"voice", true}};
  overrides.update(params.model_config);
  overrides["features"] = units->config.features;
  overrides["units"] = units->config.units;
  overrides["codebook"] = units->fingerprint();
  const auto config = config_with_overrides<models::UnitVocoderConfig>(overrides);
  const fs::path folder = speech_data_folder(params);
  const std::vector<SpeechClip> train = read_speech_index(folder, "train.tsv");
  const std::vector<SpeechClip> held_out = read_speech_index(folder, "holdout.tsv");
  const int rate = config.features.sample_rate;

  // The training clips, analysed once (a seeded choice; those shorter than a window are skipped).
  torch::manual_seed(params.seed);
  const torch::Tensor order = torch::randperm(int64_t(train.size()), torch::kLong);
  const int64_t wanted = std::min<int64_t>(kClips, int64_t(train.size()));
  std::vector<ClipFrames> clips;
  {
    torch::NoGradGuard no_grad;
    for (int64_t i = 0; i < wanted; ++i) {
      const SpeechClip& clip = train[size_t(order[i].item<int64_t>())];
      ClipFrames f = analyse(*units, speech::read_mono_samples(clip.wav, rate));
      f.teacher = clip.voice == kTeacherVoice;
      if (f.units.size(0) >= kWindow) clips.push_back(std::move(f));
      callbacks.report(i + 1, wanted);
      callbacks.throw_if_cancelled();
    }
  }
  if (clips.empty()) throw Error("train vocoder: no training clip is " + std::to_string(kWindow) + " frames long");

  auto vocoder = std::make_shared<models::UnitVocoderImpl>(config);
  {
    std::vector<torch::Tensor> mels;
    for (const ClipFrames& f : clips) mels.push_back(f.log_mel);
    const torch::Tensor all = torch::cat(mels);
    vocoder->mel_mean.copy_(all.mean(0));
    vocoder->mel_deviation.copy_(all.std(0).clamp_min(1e-3));
    std::vector<torch::Tensor> teacher_voices;
    for (ClipFrames& f : clips) {
      f.voice = vocoder->voice_of(f.log_mel);
      if (f.teacher) teacher_voices.push_back(f.voice);
    }
    if (config.voice && !teacher_voices.empty()) vocoder->default_voice.copy_(torch::stack(teacher_voices).mean(0));
  }
  torch::optim::AdamW optimizer(vocoder->parameters(), torch::optim::AdamWOptions(params.lr).betas({0.9, 0.98}).weight_decay(0.01));
  models::CheckpointInfo info;
  info.model = models::kUnitVocoderModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "speech of scripts/fetch-speech-data.sh (" + folder.string() + "): " + std::to_string(clips.size()) +
                 " training clips, every voice; units of " + store.find(params.speech_units).filename().string();
  TrainingRun run(params, *vocoder, optimizer, info, callbacks, 0.999);

  run.evaluate = [&]() -> nlohmann::json {
    if (params.eval_count == 0) return nlohmann::json::object();
    torch::NoGradGuard no_grad;
    speech::Recognizer recognizer;
    speech::WordErrors words;
    double mel = 0, cents = 0, voicing_right = 0;
    int64_t frames = 0, both_voiced = 0;
    const size_t count = std::min(held_out.size(), size_t(params.eval_count));
    for (size_t i = 0; i < count; ++i) {
      const torch::Tensor samples = speech::read_mono_samples(held_out[i].wav, rate);
      const ClipFrames truth = analyse(*units, samples);
      const torch::Tensor voice = vocoder->voice_of(truth.log_mel);
      const torch::Tensor outputs = vocoder->forward(truth.units.unsqueeze(0), voice.unsqueeze(0))[0];
      const models::UnitVocoderFrames predicted = vocoder->decode(outputs);
      mel += (predicted.log_mel - truth.log_mel).abs().mean(1).sum().item<double>();
      voicing_right += ((predicted.voicing > 0.5).to(torch::kFloat) == truth.voiced).sum().item<double>();
      const torch::Tensor both = (predicted.voicing > 0.5) & (truth.voiced > 0);
      const torch::Tensor predicted_log = torch::log(predicted.f0 / models::UnitVocoderImpl::kReferenceHz);
      cents += ((predicted_log - truth.log_f0).abs() * both).sum().item<double>() * 1200 / std::log(2.0);
      both_voiced += both.sum().item<int64_t>();
      frames += truth.units.size(0);

      const std::vector<int64_t> sequence(truth.units.data_ptr<int64_t>(), truth.units.data_ptr<int64_t>() + truth.units.numel());
      const media::Audio audio = speech::mono_audio(speech::vocode(*vocoder, sequence, speech::Waveform::SourceFilter, i, voice), rate);
      words += speech::word_errors(speech::normalize_words(held_out[i].text), speech::normalize_words(recognizer.transcribe(audio)));
    }
    return {{"wer", words.rate()},
            {"mel_l1", mel / double(frames)},
            {"voicing_accuracy", voicing_right / double(frames)},
            {"pitch_error_cents", both_voiced ? cents / double(both_voiced) : 0.0},
            {"clips", count}};
  };

  while (!run.done()) {
    // The windows of each step follow from the seed and the step alone, so a resumed run sees the same.
    std::mt19937_64 rng(params.seed * 1000003 + uint64_t(run.step()));
    std::vector<torch::Tensor> ids, voices, mels, pitches, voiced;
    for (int i = 0; i < params.batch; ++i) {
      const ClipFrames& f = clips[rng() % clips.size()];
      const int64_t first = int64_t(rng() % uint64_t(f.units.size(0) - kWindow + 1));
      ids.push_back(f.units.narrow(0, first, kWindow));
      voices.push_back(f.voice);
      mels.push_back(f.log_mel.narrow(0, first, kWindow));
      pitches.push_back(f.log_f0.narrow(0, first, kWindow));
      voiced.push_back(f.voiced.narrow(0, first, kWindow));
    }
    run.schedule_learning_rate();
    const torch::Tensor outputs = vocoder->forward(torch::stack(ids), torch::stack(voices));
    const Losses l = losses(*vocoder, outputs, torch::stack(mels), torch::stack(pitches), torch::stack(voiced));
    optimizer.zero_grad();
    l.total.backward();
    torch::nn::utils::clip_grad_norm_(vocoder->parameters(), 1.0);
    optimizer.step();
    run.finish_step({{"loss", l.total.item<double>()}, {"mel", l.mel.item<double>()}, {"pitch", l.pitch.item<double>()},
                     {"voicing", l.voicing.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
