// Speech units: log-mel features (frame rate, shapes, where a tone lands), k-means on synthetic
// clusters, de-duplication and the units text form, and `train units` + `speech units` end to end on
// a tiny speech data folder of tones.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.h"
#include "media_io/audio.h"
#include "models/checkpoint.h"
#include "models/log_mel.h"
#include "models/speech_units.h"
#include "pipelines/speech/speech_units.h"
#include "test_util.h"
#include "training/kmeans.h"
#include "training/train.h"

using namespace jl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

torch::Tensor sine(double hz, double seconds, int rate = 16000) {
  return 0.5 * torch::sin(torch::arange(int64_t(seconds * rate), torch::kDouble) * (2 * M_PI * hz / rate)).to(torch::kFloat);
}

void write_wav(const fs::path& path, const torch::Tensor& samples) {
  media::Audio audio{16000, 1, std::vector<float>(samples.data_ptr<float>(), samples.data_ptr<float>() + samples.numel())};
  media::write_audio(path, audio);
}

}  // namespace

TEST_CASE("log-mel: 50 frames a second, and a tone in the band of its frequency", "[speech]") {
  const models::LogMelConfig config;
  CHECK(config.frames_per_second() == 50.0);
  const torch::Tensor mel = models::log_mel(config, sine(1000, 1.0));
  CHECK(mel.sizes() == torch::IntArrayRef({51, 80}));
  CHECK(models::log_mel(config, sine(1000, 0.01)).size(0) == 1);  // shorter than a window: one frame
  // The loudest band of every frame is the one whose filter peaks nearest 1 kHz.
  const torch::Tensor bank = models::mel_filterbank(config);
  const int64_t band = bank.select(1, int64_t(std::lround(1000.0 * config.n_fft / config.sample_rate))).argmax().item<int64_t>();
  CHECK((mel.argmax(1) - band).abs().max().item<int64_t>() <= 1);  // the filters overlap: or its neighbour
  // Silence stays finite; nothing is an error.
  CHECK(torch::isfinite(models::log_mel(config, torch::zeros({3200}))).all().item<bool>());
  CHECK_THROWS_WITH(models::log_mel(config, torch::zeros({0})), Contains("non-empty mono"));
  models::LogMelConfig odd = config;
  odd.n_fft = 1000;
  CHECK_THROWS_WITH(models::log_mel(odd, sine(1000, 0.1)), Contains("power of two"));
}

TEST_CASE("k-means recovers well separated clusters, the same for the same seed", "[speech]") {
  torch::manual_seed(3);
  const torch::Tensor centres = torch::tensor({{0.0f, 0.0f}, {10.0f, 0.0f}, {0.0f, 10.0f}, {10.0f, 10.0f}});
  const torch::Tensor labels = torch::arange(400, torch::kLong).remainder(4);
  const torch::Tensor points = centres.index_select(0, labels) + 0.5 * torch::randn({400, 2});
  const training::KMeansResult a = training::kmeans(points, 4, 50, 7), b = training::kmeans(points, 4, 50, 7);
  CHECK(torch::equal(a.centroids, b.centroids));
  // Each true centre has a centroid within 0.3, and points of one true cluster share a centroid.
  CHECK(std::get<0>(training::squared_distances(centres, a.centroids).min(1)).max().item<float>() < 0.09f);
  for (int c = 0; c < 4; ++c) {
    const torch::Tensor members = a.assignment.index({labels.eq(c)});
    CHECK(members.min().item<int64_t>() == members.max().item<int64_t>());
  }
  CHECK(a.inertia < 0.6);
  CHECK_THROWS_WITH(training::kmeans(points.narrow(0, 0, 3), 4, 10, 0), Contains("at least k = 4"));
}

TEST_CASE("units: runs, the text form, and its errors", "[speech]") {
  const std::vector<models::UnitRun> runs = models::deduplicate({5, 5, 7, 7, 7, 5});
  CHECK(speech::format_unit_runs(runs) == "5x2 7x3 5x1");  // runs (5, 2), (7, 3), (5, 1)
  CHECK(models::deduplicate({}).empty());
  CHECK(speech::format_unit_runs(speech::parse_unit_runs("5x2 7x3\n5x1\n")) == "5x2 7x3 5x1");
  CHECK_THROWS_WITH(speech::parse_unit_runs("5x2 7y3"), Contains("'7y3' is not UNITxFRAMES"));
  CHECK_THROWS_WITH(speech::parse_unit_runs("5x0"), Contains("'5x0'"));
}

TEST_CASE("units features: bands or cepstra, standardised, a fingerprint, older configs read", "[speech]") {
  torch::manual_seed(1);
  const torch::Tensor mel = torch::randn({30, 80});
  models::SpeechUnitsConfig config;
  models::SpeechUnits bands(config);
  bands->mean.fill_(0.5);
  bands->deviation.fill_(2.0);
  CHECK(torch::allclose(bands->features_of_mel(mel), (mel - 0.5) / 2.0));
  // Cepstra: a flat spectrum has only the zeroth coefficient; the DCT keeps a frame's energy (orthonormal).
  config.cepstra = 13;
  models::SpeechUnits envelope(config);
  CHECK(envelope->features_of_mel(mel).sizes() == torch::IntArrayRef({30, 13}));
  const torch::Tensor flat = envelope->frames_of_mel(torch::full({3, 80}, 2.0));
  CHECK(flat[0][0].item<float>() == Approx(2.0 * std::sqrt(80.0)).epsilon(1e-5));
  CHECK(flat.narrow(1, 1, 12).abs().max().item<float>() < 1e-4);
  config.cepstra = 80;
  CHECK(models::SpeechUnits(config)->frames_of_mel(mel).pow(2).sum().item<float>() == Approx(mel.pow(2).sum().item<float>()).epsilon(1e-4));
  CHECK_THROWS_WITH(envelope->assign(torch::zeros({4, 80})), Contains("[T, 13]"));
  // Units back to bands: the centroids themselves for a band codebook; for cepstra, bands whose
  // cepstra are the centroids (the envelope they stand for).
  bands->centroids.copy_(torch::randn({100, 80}));
  envelope->centroids.copy_(torch::randn({100, 13}));
  const torch::Tensor ids = torch::tensor({3, 3, 99, 0}, torch::kLong);
  CHECK(torch::allclose(bands->log_mel_of(ids), bands->centroids.index_select(0, ids) * 2.0 + 0.5));
  const torch::Tensor envelope_mel = envelope->log_mel_of(ids);
  CHECK(envelope_mel.sizes() == torch::IntArrayRef({4, 80}));
  CHECK(torch::allclose(envelope->features_of_mel(envelope_mel), envelope->centroids.index_select(0, ids), 1e-4, 1e-4));
  CHECK_THROWS_WITH(envelope->log_mel_of(torch::tensor({100}, torch::kLong)), Contains("0..99"));
  CHECK_THROWS_WITH(envelope->log_mel_of(torch::zeros({0}, torch::kLong)), Contains("0..99"));
  config.cepstra = 81;
  CHECK_THROWS_WITH(models::SpeechUnits(config), Contains("cepstra"));
  // The fingerprint follows the centroids.
  const std::string before = envelope->fingerprint();
  CHECK(before.size() == 16);
  CHECK(envelope->fingerprint() == before);
  envelope->centroids[3][1] = 0.25;
  CHECK(envelope->fingerprint() != before);
  // A codebook config written before cepstra existed reads as the bands.
  const auto old = nlohmann::json{{"features", models::LogMelConfig{}}, {"units", 64}}.get<models::SpeechUnitsConfig>();
  CHECK(old.units == 64);
  CHECK(old.cepstra == 0);
  CHECK(old.feature_size() == 80);
}

TEST_CASE("train units and speech units on a folder of tones", "[speech][cli]") {
  test::TempDir dir;
  const fs::path data = dir / "speech";
  fs::create_directories(data / "wav");
  fs::create_directories(data / "holdout");
  // Two "voices": clips alternating between a low and a high tone.
  std::string train, holdout;
  for (int i = 0; i < 6; ++i) {
    const std::string name = std::to_string(i) + ".wav";
    write_wav(data / "wav" / name, torch::cat({sine(300 + 20 * i, 0.4), sine(2500, 0.4)}));
    train += "wav/" + name + "\ttone\tclip " + std::to_string(i) + "\n";
  }
  write_wav(data / "holdout" / "0.wav", torch::cat({sine(330, 0.5), sine(2500, 0.5)}));
  holdout = "holdout/0.wav\ttone\tthe held out clip\n";
  test::write_text_file(data / "train.tsv", train);
  test::write_text_file(data / "holdout.tsv", holdout);

  std::string out;
  const std::string model = (dir / "units.safetensors").string();
  REQUIRE(test::run_jielong("--json train units -o " + model + " --speech-data " + data.string() +
                                " --steps 20 --batch 6 --model-config '{\"units\": 4}'", &out) == 0);
  const nlohmann::json eval = test::last_json(out).at("eval");
  CHECK(eval.at("units_used").get<int>() >= 2);
  CHECK(eval.at("units_per_second").get<double>() == Approx(50).margin(1));
  CHECK(eval.at("deduplicated_units_per_second").get<double>() < 10);  // two steady tones: a few runs
  CHECK(models::read_checkpoint_info(model).model == models::kSpeechUnitsModel);

  // The low and the high half of a recording get different units.
  REQUIRE(test::run_jielong("speech units " + (data / "holdout" / "0.wav").string() + " -o " + (dir / "u.txt").string() +
                                " --model " + model, &out) == 0);
  const auto runs = speech::parse_unit_runs(test::read_text_file(dir / "u.txt"));
  CAPTURE(test::read_text_file(dir / "u.txt"), eval.dump());
  REQUIRE(runs.size() >= 2);
  std::vector<int64_t> sequence;
  for (const auto& run : runs) sequence.insert(sequence.end(), size_t(run.frames), run.unit);
  CHECK(sequence.size() == 51);
  CHECK(sequence[12] != sequence[38]);  // the middle of each tone
  // Errors: an existing output, a file that is not audio, a missing data folder.
  CHECK(test::run_jielong("speech units " + (data / "holdout" / "0.wav").string() + " -o " + (dir / "u.txt").string() +
                              " --model " + model, &out) == 1);
  CHECK_THAT(out, Contains("--overwrite"));
  CHECK(test::run_jielong("speech units " + (data / "train.tsv").string() + " -o " + (dir / "v.txt").string() +
                              " --model " + model, &out) == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_FALSE(fs::exists(dir / "v.txt"));
  CHECK(test::run_jielong("train units -o " + (dir / "x.safetensors").string() + " --speech-data " + (dir / "nope").string(), &out) == 1);
  CHECK_THAT(out, Contains("fetch-speech-data.sh"));
}
