// `jielong train tts` and `jielong train unit-lm`: the speech transformer (models/speech_transformer.h)
// on the teacher voice's clips of the speech data. Each clip's units come from the codebook
// (--units), its text's tokens from the lexicon (clips with a word CMUdict lacks are left out), and
// the durations of the tokens from our own aligner (training/speech_alignment.h), trained first on
// the same clips. tts learns the units given the text and the durations (and, one clip in ten, without
// the text, so that it can also continue speech); unit-lm never sees the text.
// The checkpoint's eval, on --eval-count held-out sentences: the units predicted right given the true
// ones before (teacher forcing), the durations' error, and — for tts, with the shipped unit vocoder —
// the word error rate of the sentences spoken from the text alone.
#include <cmath>
#include <random>

#include "core/error.h"
#include "models/model_store.h"
#include "models/speech_transformer.h"
#include "models/speech_units.h"
#include "models/unit_vocoder.h"
#include "pipelines/speech/lexicon.h"
#include "pipelines/speech/recognizer.h"
#include "pipelines/speech/resynth.h"
#include "pipelines/speech/speak.h"
#include "pipelines/speech/speech_eval.h"
#include "pipelines/speech/speech_units.h"
#include "training/speech_alignment.h"
#include "training/speech_data.h"
#include "training/trainers.h"
#include "training/training_run.h"

namespace jl::training {

namespace {

constexpr int64_t kMaxClips = 8000;     // read once: ~8 hours of speech
constexpr int64_t kMaxFrames = 400;     // clips longer than 8 s are left out (attention is quadratic)
constexpr int kAlignerIterations = 6;
constexpr double kTextDropout = 0.1;    // tts: clips learnt without their text

struct Example {
  std::string text;
  std::vector<int> tokens;
  std::vector<int64_t> units;
  std::vector<int> durations;
};

// The clips of the teacher voice with their tokens and units (none longer than kMaxFrames).
std::vector<Example> read_examples(const std::vector<SpeechClip>& clips, int64_t limit, models::SpeechUnitsImpl& units,
                                   const Callbacks& callbacks) {
  const speech::Lexicon& lexicon = speech::Lexicon::shared();
  std::vector<Example> out;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < clips.size() && int64_t(out.size()) < limit; ++i) {
    if (clips[i].voice != kTeacherVoice) continue;
    Example e;
    e.text = clips[i].text;
    try {
      e.tokens = lexicon.tokens(clips[i].text);
    } catch (const Error&) {  // a word the lexicon cannot say: this clip is not for learning
      continue;
    }
    e.units = speech::encode_units(units, speech::read_mono_samples(clips[i].wav, units.config.features.sample_rate));
    if (int64_t(e.units.size()) > kMaxFrames || e.units.size() < e.tokens.size()) continue;
    out.push_back(std::move(e));
    callbacks.report(int64_t(out.size()), limit);
    callbacks.throw_if_cancelled();
  }
  return out;
}

struct Batch {
  torch::Tensor text, padding, previous, targets, durations, token_mask;
};

Batch make_batch(const std::vector<const Example*>& items, const std::vector<bool>& with_text, const models::SpeechTransformerConfig& c) {
  const int64_t b = int64_t(items.size());
  int64_t p = 1, f = 1;
  for (size_t i = 0; i < items.size(); ++i) {
    if (with_text[i]) p = std::max<int64_t>(p, int64_t(items[i]->tokens.size()));
    f = std::max<int64_t>(f, int64_t(items[i]->units.size()));
  }
  Batch batch{torch::zeros({b, p}, torch::kLong),  torch::ones({b, p}, torch::kBool),  torch::full({b, f}, c.bos(), torch::kLong),
              torch::full({b, f}, -100, torch::kLong), torch::zeros({b, p}, torch::kLong), torch::zeros({b, p}, torch::kFloat)};
  for (int64_t i = 0; i < b; ++i) {
    const Example& e = *items[size_t(i)];
    if (with_text[size_t(i)]) {
      for (size_t k = 0; k < e.tokens.size(); ++k) {
        batch.text[i][int64_t(k)] = e.tokens[k];
        batch.padding[i][int64_t(k)] = false;
        batch.durations[i][int64_t(k)] = e.durations[k];
        batch.token_mask[i][int64_t(k)] = 1;
      }
    } else {
      batch.text[i][0] = c.no_text();
      batch.padding[i][0] = false;
    }
    for (size_t k = 0; k < e.units.size(); ++k) {
      batch.targets[i][int64_t(k)] = e.units[k];
      if (k + 1 < e.units.size()) batch.previous[i][int64_t(k + 1)] = e.units[k];
    }
  }
  return batch;
}

// The alignment of a batch: from the durations where there is text, none (-1) where there is not.
models::FrameAlignment batch_alignment(const Batch& batch, const std::vector<bool>& with_text) {
  models::FrameAlignment a = models::align_frames(batch.durations, batch.previous.size(1));
  for (size_t i = 0; i < with_text.size(); ++i)
    if (!with_text[i]) a.token_index[int64_t(i)].fill_(-1);
  return a;
}

}  // namespace

nlohmann::json train_speech(const TrainParams& params, const Callbacks& callbacks) {
  const bool tts = params.task == "tts";
  models::ModelStore store(params.models_dir);
  const auto units = speech::speech_codebook(store, params.speech_units);
  nlohmann::json overrides = params.model_config;
  overrides["units"] = units->config.units;
  overrides["codebook"] = units->fingerprint();
  overrides["tokens"] = speech::Lexicon::kTokens;
  const auto config = config_with_overrides<models::SpeechTransformerConfig>(overrides);
  const fs::path folder = speech_data_folder(params);

  std::vector<Example> train = read_examples(read_speech_index(folder, "train.tsv"), kMaxClips, *units, callbacks);
  std::vector<Example> held_out = read_examples(read_speech_index(folder, "holdout.tsv"), params.eval_count, *units, {});
  if (train.empty()) throw Error("train " + params.task + ": no clip of the teacher voice (" + std::string(kTeacherVoice) + ") to learn from");
  // Durations: our aligner, trained on the training clips, for every clip.
  UnitAligner aligner(speech::Lexicon::kTokens, config.units);
  {
    std::vector<AlignmentExample> examples;
    for (const Example& e : train) examples.push_back({e.tokens, e.units});
    aligner.train(examples, kAlignerIterations);
    for (std::vector<Example>* set : {&train, &held_out})
      for (Example& e : *set) e.durations = aligner.align(e.tokens, e.units);
  }

  torch::manual_seed(params.seed);
  auto model = std::make_shared<models::SpeechTransformerImpl>(config);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(params.lr).betas({0.9, 0.98}).weight_decay(0.01));
  models::CheckpointInfo info;
  info.model = models::kSpeechTransformerModel;
  info.config = config;
  info.command = params.command;
  info.dataset = "speech of scripts/fetch-speech-data.sh (" + folder.string() + "): " + std::to_string(train.size()) +
                 " clips of the teacher voice (" + kTeacherVoice + "); units of " + store.find(params.speech_units).filename().string() +
                 (tts ? "; durations by our unit aligner" : "");
  TrainingRun run(params, *model, optimizer, info, callbacks, 0.999);

  run.evaluate = [&]() -> nlohmann::json {
    if (held_out.empty()) return nlohmann::json::object();
    torch::NoGradGuard no_grad;
    double right = 0, frames = 0, duration_error = 0, tokens = 0;
    for (const Example& e : held_out) {
      const std::vector<bool> with_text{tts};
      const Batch batch = make_batch({&e}, with_text, config);
      const auto out = model->forward(batch.text, batch.padding, batch.previous, batch_alignment(batch, with_text));
      right += (out.logits.argmax(-1) == batch.targets).sum().item<double>();
      frames += double(e.units.size());
      if (tts) {
        duration_error += ((torch::expm1(out.log_durations) - batch.durations.to(torch::kFloat)).abs() * batch.token_mask).sum().item<double>();
        tokens += double(e.tokens.size());
      }
    }
    nlohmann::json result = {{"unit_accuracy", right / frames}, {"clips", held_out.size()}};
    if (!tts) return result;
    result["duration_error_frames"] = duration_error / tokens;
    // Spoken from the text alone, when there is a vocoder to hear it through.
    std::shared_ptr<models::UnitVocoderImpl> vocoder;
    try {
      vocoder = speech::unit_vocoder(store, params.vocoder);
      speech::check_same_codebook({"the model", config.units, config.codebook}, {"the vocoder", vocoder->config.units, vocoder->config.codebook});
    } catch (const Error&) {
      return result;  // no vocoder, or one of another codebook: these units cannot be heard
    }
    speech::Recognizer recognizer;
    speech::WordErrors words;
    for (size_t i = 0; i < held_out.size(); ++i) {
      at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(uint64_t(i));
      const std::vector<int64_t> said = speech::text_to_units(*model, held_out[i].tokens, {}, generator);
      const media::Audio audio = speech::mono_audio(speech::vocode(*vocoder, said, speech::Waveform::SourceFilter, i),
                                                    vocoder->config.features.sample_rate);
      words += speech::word_errors(speech::normalize_words(held_out[i].text), speech::normalize_words(recognizer.transcribe(audio)));
    }
    result["wer"] = words.rate();
    result["sentences_spoken"] = held_out.size();
    return result;
  };

  while (!run.done()) {
    // The clips of each step follow from the seed and the step alone, so a resumed run sees the same.
    std::mt19937_64 rng(params.seed * 1000003 + uint64_t(run.step()));
    std::vector<const Example*> items;
    std::vector<bool> with_text;
    for (int i = 0; i < params.batch; ++i) {
      items.push_back(&train[rng() % train.size()]);
      with_text.push_back(tts && double(rng() % 1000) / 1000 >= kTextDropout);
    }
    const Batch batch = make_batch(items, with_text, config);
    run.schedule_learning_rate();
    const auto out = model->forward(batch.text, batch.padding, batch.previous, batch_alignment(batch, with_text));
    const torch::Tensor unit_loss = torch::nn::functional::cross_entropy(
        out.logits.reshape({-1, config.units}), batch.targets.reshape(-1), torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
    torch::Tensor loss = unit_loss, duration_loss = torch::zeros({});
    if (tts) {
      const torch::Tensor target = torch::log1p(batch.durations.to(torch::kFloat));
      duration_loss = ((out.log_durations - target).square() * batch.token_mask).sum() / batch.token_mask.sum().clamp_min(1);
      loss = loss + duration_loss;
    }
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    run.finish_step({{"loss", loss.item<double>()}, {"units", unit_loss.item<double>()}, {"durations", duration_loss.item<double>()}});
  }
  return run.last_eval();
}

}  // namespace jl::training
