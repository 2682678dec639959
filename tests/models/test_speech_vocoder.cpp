// The unit vocoder and its parts: pitch tracking on synthetic voices, the source-filter and
// Griffin-Lim stages (they give back the mel they were asked for, reproducibly), the network's
// shapes and errors, and `train vocoder` + `speech resynth` end to end on a tiny folder of "speech".
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.h"
#include "media_io/audio.h"
#include "models/checkpoint.h"
#include "models/log_mel.h"
#include "models/mel_vocoders.h"
#include "models/pitch.h"
#include "models/unit_vocoder.h"
#include "pipelines/speech/speech_units.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 16000;

// A buzz like a voiced vowel: harmonics of a pitch that moves from `from` to `to` Hz, amplitudes 1/k,
// under an 8 kHz Nyquist.
torch::Tensor voice(double from, double to, double seconds) {
  const int64_t n = int64_t(seconds * kRate);
  const torch::Tensor f0 = torch::linspace(from, to, n, torch::kDouble);
  const torch::Tensor phase = torch::cumsum(f0 * (2 * M_PI / kRate), 0);
  torch::Tensor out = torch::zeros({n}, torch::kDouble);
  for (int k = 1; k * std::max(from, to) < kRate / 2; ++k) out += torch::sin(phase * k) / k;
  return (0.2 * out).to(torch::kFloat);
}

void write_wav(const fs::path& path, const torch::Tensor& samples) {
  media::write_audio(path, {kRate, 1, std::vector<float>(samples.data_ptr<float>(), samples.data_ptr<float>() + samples.numel())});
}

double mean_abs(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().mean().item<double>(); }

}  // namespace

TEST_CASE("pitch: a steady and a gliding voice are tracked, noise and silence are unvoiced", "[speech]") {
  const models::LogMelConfig config;
  const models::PitchTrack steady = models::estimate_pitch(config, voice(180, 180, 1.0));
  REQUIRE(steady.f0.size(0) == 51);
  const torch::Tensor middle = steady.f0.narrow(0, 5, 40);
  CHECK((middle - 180).abs().max().item<double>() < 180 * 0.01);
  // A glide an octave up: each frame within 3% of the pitch at its centre.
  const models::PitchTrack glide = models::estimate_pitch(config, voice(120, 240, 1.0));
  const torch::Tensor truth = 120 + 120 * torch::arange(51, torch::kFloat) * config.hop / kRate;
  CHECK(((glide.f0 - truth).abs() / truth).narrow(0, 5, 40).max().item<double>() < 0.03);
  torch::manual_seed(1);
  CHECK(models::estimate_pitch(config, 0.2 * torch::randn({kRate})).voiced().to(torch::kFloat).mean().item<double>() < 0.1);
  CHECK_FALSE(models::estimate_pitch(config, torch::zeros({kRate})).voiced().any().item<bool>());
  CHECK_THROWS_WITH(models::estimate_pitch(config, torch::zeros({0})), Contains("non-empty"));

  const torch::Tensor filled = models::fill_unvoiced(torch::tensor({0.f, 100.f, 0.f, 0.f, 200.f, 0.f}), 150);
  CHECK(torch::allclose(filled, torch::tensor({100.f, 100.f, 400.f / 3, 500.f / 3, 200.f, 200.f})));
  CHECK(torch::equal(models::fill_unvoiced(torch::zeros({3}), 150), torch::full({3}, 150.f)));
}

TEST_CASE("source-filter and Griffin-Lim give back the mel they are given, the same for the same seed", "[speech]") {
  const models::LogMelConfig config;
  const torch::Tensor original = voice(150, 220, 1.0);
  const torch::Tensor mel = models::log_mel(config, original);
  const models::PitchTrack pitch = models::estimate_pitch(config, original);
  const torch::Tensor f0 = models::fill_unvoiced(pitch.f0, 150), voicing = pitch.voiced().to(torch::kFloat);

  // With the default phase refinement and without it.
  for (const int refinement : {models::kPhaseRefinement, 0}) {
    CAPTURE(refinement);
    const torch::Tensor a = models::source_filter(config, mel, f0, voicing, 7, refinement);
    CHECK(a.size(0) == (mel.size(0) - 1) * config.hop);
    CHECK(torch::equal(a, models::source_filter(config, mel, f0, voicing, 7, refinement)));
    // Frames away from the ends (where reflect padding differs): within half a neper of the target on
    // average, and the same pitch.
    const torch::Tensor again = models::log_mel(config, a).narrow(0, 3, 44);
    CHECK(mean_abs(again, mel.narrow(0, 3, 44)) < 0.5);
    const models::PitchTrack heard = models::estimate_pitch(config, a);
    CHECK(((heard.f0 - pitch.f0).abs() / pitch.f0).narrow(0, 5, 40).max().item<double>() < 0.03);
  }
  const torch::Tensor a = models::source_filter(config, mel, f0, voicing, 7);
  CHECK_FALSE(torch::equal(a, models::source_filter(config, mel, f0, voicing, 7, 0)));
  CHECK_THROWS_WITH(models::source_filter(config, mel, f0, voicing, 7, -1), Contains(">= 0"));

  const torch::Tensor g = models::griffin_lim(config, mel, 32, 7);
  CHECK(g.size(0) == a.size(0));
  CHECK(torch::equal(g, models::griffin_lim(config, mel, 32, 7)));
  CHECK(mean_abs(models::log_mel(config, g).narrow(0, 3, 44), mel.narrow(0, 3, 44)) < 0.5);

  // Constant bands make constant bins, and bad frames are named.
  CHECK(torch::allclose(models::bands_to_bins(config, torch::full({2, 80}, 3.f)), torch::full({2, 513}, 3.f)));
  CHECK_THROWS_WITH(models::source_filter(config, mel, torch::zeros_like(f0), voicing, 0), Contains("positive"));
  CHECK_THROWS_WITH(models::griffin_lim(config, mel.narrow(1, 0, 10), 4, 0), Contains("[T, 80]"));
}

TEST_CASE("unit vocoder: shapes, its codebook's range, and a waveform of the sequence's length", "[speech]") {
  models::UnitVocoderConfig config;
  config.units = 12;
  config.channels = 16;
  config.dilations = {1, 2};
  models::UnitVocoder vocoder(config);
  const torch::Tensor out = vocoder->forward(torch::randint(12, {2, 30}, torch::kLong));
  CHECK(out.sizes() == torch::IntArrayRef({2, 30, 82}));
  const models::UnitVocoderFrames frames = vocoder->decode(out);
  CHECK(frames.log_mel.sizes() == torch::IntArrayRef({2, 30, 80}));
  CHECK((frames.f0 > 0).all().item<bool>());
  CHECK(vocoder->synthesize(std::vector<int64_t>(50, 3), 1).size(0) == 49 * 320);
  CHECK_THROWS_WITH(vocoder->forward(torch::full({1, 4}, 12, torch::kLong)), Contains("0..11"));
  CHECK_THROWS_WITH(vocoder->synthesize({}, 1), Contains("no units"));
  config.kernel = 4;
  CHECK_THROWS_WITH(models::UnitVocoder(config), Contains("odd"));
}

TEST_CASE("unit vocoder: a voice vector conditions every frame, its default the teacher's", "[speech]") {
  models::UnitVocoderConfig config;
  config.units = 12;
  config.channels = 16;
  config.dilations = {1, 2};
  config.voice = true;
  torch::manual_seed(2);
  models::UnitVocoder vocoder(config);
  const torch::Tensor ids = torch::randint(12, {1, 20}, torch::kLong);
  torch::NoGradGuard no_grad;
  const torch::Tensor voice = torch::randn({1, 80});
  CHECK_FALSE(torch::allclose(vocoder->forward(ids, voice), vocoder->forward(ids)));
  vocoder->default_voice.copy_(voice[0]);
  CHECK(torch::allclose(vocoder->forward(ids, voice), vocoder->forward(ids)));  // no voice given: the default
  // voice_of: a recording's mean frame, standardised by the vocoder's statistics.
  vocoder->mel_mean.fill_(1);
  vocoder->mel_deviation.fill_(2);
  CHECK(torch::allclose(vocoder->voice_of(torch::full({7, 80}, 5.0)), torch::full({80}, 2.0)));
  CHECK_THROWS_WITH(vocoder->forward(ids, torch::zeros({1, 79})), Contains("voice vector"));
  // Configs from before the voice: none, and their checkpoints hold no voice weights.
  const auto old = nlohmann::json{{"features", models::LogMelConfig{}}, {"units", 100}, {"channels", 192}, {"dilations", {1, 2}}, {"kernel", 5}}
                       .get<models::UnitVocoderConfig>();
  CHECK_FALSE(old.voice);
  config.voice = false;
  CHECK(models::UnitVocoder(config)->named_buffers().find("default_voice") == nullptr);
}

TEST_CASE("unit vocoder: its float gradients agree with float64", "[speech]") {
  // Guards the layout the network keeps: with transposed views between its convolutions, libtorch
  // 1.13 on the CPU returned gradients several times off (and the vocoder learnt nothing).
  torch::manual_seed(0);
  models::UnitVocoderConfig config;
  config.units = 20;
  config.channels = 32;
  config.dilations = {1, 2, 4};
  models::UnitVocoder vocoder(config);
  const torch::Tensor ids = torch::randint(20, {2, 64}, torch::kLong), weights = torch::randn({2, 64, 82});
  (vocoder->forward(ids) * weights).sum().backward();
  std::vector<torch::Tensor> single;
  for (const torch::Tensor& p : vocoder->parameters()) single.push_back(p.grad().clone());
  vocoder->zero_grad();
  vocoder->to(torch::kDouble);
  (vocoder->forward(ids) * weights.to(torch::kDouble)).sum().backward();
  const auto parameters = vocoder->named_parameters();
  for (size_t i = 0; i < single.size(); ++i) {
    const torch::Tensor exact = parameters[i].value().grad();
    CAPTURE(parameters[i].key());
    CHECK((single[i].to(torch::kDouble) - exact).abs().max().item<double>() <= 1e-3 * exact.abs().max().item<double>() + 1e-6);
  }
}

TEST_CASE("speech end to end on a folder of buzzes: train vocoder and tts then resynth and speak and continue", "[speech][cli]") {
  test::TempDir dir;
  const fs::path data = dir / "speech";
  fs::create_directories(data / "wav");
  fs::create_directories(data / "holdout");
  std::string train;
  for (int i = 0; i < 4; ++i) {
    const std::string name = std::to_string(i) + ".wav";
    write_wav(data / "wav" / name, torch::cat({voice(120 + 10 * i, 200, 1.5), 0.01 * torch::randn({kRate}), voice(220, 150, 1.0)}));
    const char* texts[] = {"a red circle", "the blue square", "a small green triangle", "one big star"};
    train += "wav/" + name + "\thts\t" + texts[i] + "\n";
  }
  write_wav(data / "holdout" / "0.wav", voice(130, 190, 2.0));
  test::write_text_file(data / "train.tsv", train);
  test::write_text_file(data / "holdout.tsv", "holdout/0.wav\thts\tthe held out clip\n");

  std::string out;
  const std::string units = (dir / "units.safetensors").string(), vocoder = (dir / "vocoder.safetensors").string();
  REQUIRE(test::run_jielong("train units -o " + units + " --speech-data " + data.string() +
                                " --steps 10 --batch 4 --model-config '{\"units\": 6}'", &out) == 0);
  const int trained = test::run_jielong("--json train vocoder -o " + vocoder + " --run-dir " + (dir / "run").string() +
                                            " --units " + units + " --speech-data " + data.string() +
                                            " --steps 30 --batch 2 --eval-count 1 --model-config '{\"channels\": 16, \"dilations\": [1, 2]}'",
                                        &out);
  INFO(out);
  REQUIRE(trained == 0);
  const nlohmann::json eval = test::last_json(out).at("eval");
  CAPTURE(eval.dump());
  CHECK(eval.at("clips").get<int>() == 1);
  CHECK(eval.at("voicing_accuracy").get<double>() >= 0);
  CHECK(models::read_checkpoint_info(vocoder).model == models::kUnitVocoderModel);

  // Resynthesis keeps the duration within 5%, carries its units, and repeats itself exactly.
  const std::string input = (data / "holdout" / "0.wav").string(), flags = " --units " + units + " --vocoder " + vocoder;
  REQUIRE(test::run_jielong("speech resynth " + input + " -o " + (dir / "a.wav").string() + flags, &out) == 0);
  REQUIRE(test::run_jielong("speech resynth " + input + " -o " + (dir / "b.wav").string() + flags, &out) == 0);
  const media::Audio a = media::read_audio(dir / "a.wav");
  CHECK(a.seconds() == Approx(2.0).epsilon(0.05));
  CHECK(test::read_text_file(dir / "a.wav") == test::read_text_file(dir / "b.wav"));
  const std::string comment = media::probe_audio(dir / "a.wav").metadata.at("comment");
  const auto runs = speech::parse_unit_runs(nlohmann::json::parse(comment).at("units").get<std::string>());
  int64_t frames = 0;
  for (const auto& run : runs) frames += run.frames;
  CHECK(frames == 101);
  REQUIRE(test::run_jielong("speech resynth " + input + " -o " + (dir / "g.flac").string() + flags + " --waveform griffin-lim", &out) == 0);
  CHECK(media::read_audio(dir / "g.flac").seconds() == Approx(2.0).epsilon(0.05));
  // The stages alone: the recording's own mel, and the codebook's mel through Griffin-Lim.
  for (const std::string from : {"mel", "codebook"}) {
    REQUIRE(test::run_jielong("speech resynth " + input + " -o " + (dir / (from + ".wav")).string() + flags + " --from-" + from, &out) == 0);
    CHECK(media::read_audio(dir / (from + ".wav")).seconds() == Approx(2.0).epsilon(0.05));
    CHECK(nlohmann::json::parse(media::probe_audio(dir / (from + ".wav")).metadata.at("comment")).at("from") == from);
  }
  CHECK(test::run_jielong("speech resynth " + input + " -o " + (dir / "both.wav").string() + flags + " --from-mel --from-codebook", &out) == 2);
  CHECK_THAT(out, Contains("not both"));
  // A folder in, a folder out.
  REQUIRE(test::run_jielong("speech resynth " + (data / "holdout").string() + " -o " + (dir / "folder").string() + flags, &out) == 0);
  CHECK(fs::exists(dir / "folder" / "0.wav"));

  // A one-sample recording becomes one frame of speech (documented), a file that is not audio, an
  // existing output, and a vocoder of another codebook are one-line errors that write nothing.
  write_wav(dir / "one.wav", torch::full({1}, 0.1f));
  const int one_rc = test::run_jielong("speech resynth " + (dir / "one.wav").string() + " -o " + (dir / "one_out.wav").string() + flags, &out);
  INFO(out);
  REQUIRE(one_rc == 0);
  CHECK(media::read_audio(dir / "one_out.wav").frames() == 320);
  CHECK(test::run_jielong("speech resynth " + (data / "train.tsv").string() + " -o " + (dir / "c.wav").string() + flags, &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_FALSE(fs::exists(dir / "c.wav"));
  CHECK(test::run_jielong("speech resynth " + input + " -o " + (dir / "a.wav").string() + flags, &out) == 1);
  CHECK_THAT(out, Contains("--overwrite"));
  CHECK(test::run_jielong("speech resynth " + input + " -o " + (dir / "d.wav").string() + " --vocoder " + vocoder, &out) == 1);
  CHECK_THAT(out, Contains("different unit codebooks"));  // the shipped codebook: 100 units
  // A codebook of the same size but other centroids (another seed) is refused too: its units mean other sounds.
  const std::string other = (dir / "other_units.safetensors").string();
  REQUIRE(test::run_jielong("train units -o " + other + " --speech-data " + data.string() + " --seed 5 --steps 10 --batch 4" +
                                " --model-config '{\"units\": 6}'", &out) == 0);
  CHECK(test::run_jielong("speech resynth " + input + " -o " + (dir / "d.wav").string() + " --units " + other + " --vocoder " + vocoder, &out) == 1);
  CHECK_THAT(out, Contains("different unit codebooks"));
  CHECK(test::count_lines(out) == 1);
  CHECK_FALSE(fs::exists(dir / "d.wav"));
  CHECK(test::run_jielong("speech resynth " + input + " -o " + (dir / "e.txt").string() + flags, &out) != 0);
  CHECK_FALSE(fs::exists(dir / "e.txt"));

  // Text to speech and continuation with a tiny speech transformer: the sizes asked for, the same
  // bytes for the same seed, the units in the comment tag, and clear errors.
  const std::string tts = (dir / "tts.safetensors").string();
  const int tts_trained = test::run_jielong("--json train tts -o " + tts + " --run-dir " + (dir / "tts_run").string() + " --units " + units +
                                                " --speech-data " + data.string() + " --steps 20 --batch 2 --eval-count 1" +
                                                " --model-config '{\"dim\": 32, \"layers\": 1, \"heads\": 2}'",
                                            &out);
  INFO(out);
  REQUIRE(tts_trained == 0);
  CHECK(test::last_json(out).at("eval").at("clips").get<int>() == 1);
  const std::string models = " --model " + tts + " --vocoder " + vocoder;
  REQUIRE(test::run_jielong("speak --text \"A red circle.\" -o " + (dir / "s1.wav").string() + models + " --seed 4", &out) == 0);
  REQUIRE(test::run_jielong("speak --text \"A red circle.\" -o " + (dir / "s2.wav").string() + models + " --seed 4", &out) == 0);
  CHECK(test::read_text_file(dir / "s1.wav") == test::read_text_file(dir / "s2.wav"));
  const nlohmann::json said = nlohmann::json::parse(media::probe_audio(dir / "s1.wav").metadata.at("comment"));
  CHECK(said.at("text") == "A red circle.");
  CHECK_FALSE(speech::parse_unit_runs(said.at("units").get<std::string>()).empty());
  CHECK(said.at("waveform") == "source-filter");
  // The same units through Griffin-Lim alone: the stage is named, the sound differs, the length not.
  REQUIRE(test::run_jielong("speak --text \"A red circle.\" -o " + (dir / "g1.wav").string() + models + " --seed 4 --waveform griffin-lim", &out) == 0);
  const nlohmann::json said_gl = nlohmann::json::parse(media::probe_audio(dir / "g1.wav").metadata.at("comment"));
  CHECK(said_gl.at("waveform") == "griffin-lim");
  CHECK(said_gl.at("units") == said.at("units"));
  CHECK(media::read_audio(dir / "g1.wav").frames() == media::read_audio(dir / "s1.wav").frames());
  CHECK(test::read_text_file(dir / "g1.wav") != test::read_text_file(dir / "s1.wav"));
  CHECK(test::run_jielong("speak --text \"I have 3 cats\" -o " + (dir / "s3.wav").string() + models, &out) == 1);
  CHECK_THAT(out, Contains("'3'"));
  CHECK_FALSE(fs::exists(dir / "s3.wav"));
  CHECK(test::run_jielong("speak --text \"a red circle\" -o " + (dir / "s3.wav").string() + " --model " + tts, &out) == 1);
  CHECK_THAT(out, Contains("different unit codebooks"));  // the shipped vocoder speaks another codebook

  REQUIRE(test::run_jielong("speech continue " + input + " --seconds 1 -o " + (dir / "c.wav").string() + models + " --units " + units, &out) == 0);
  CHECK(media::read_audio(dir / "c.wav").seconds() == Approx(3.0).margin(0.05));  // the 2 s prompt, then 1 s
  CHECK(test::run_jielong("speech continue " + input + " --seconds 0 -o " + (dir / "c2.wav").string() + models + " --units " + units, &out) != 0);
  CHECK_FALSE(fs::exists(dir / "c2.wav"));
}
