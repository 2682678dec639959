// The trainers on tiny configs for a couple of steps: checkpoints that load, resuming where they
// stopped, the losses CSV, and refusals that name the problem.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/video.h"
#include "models/checkpoint.h"
#include "models/interpolation_net.h"
#include "models/patch_tokenizer.h"
#include "models/token_transformer.h"
#include "models/unet_denoiser.h"
#include "test_util.h"
#include "tiny_models.h"
#include "training/generator_training.h"
#include "training/inpainting_masks.h"
#include "training/train.h"
#include "world/dataset.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::TempDir;
namespace fs = std::filesystem;

namespace {

training::TrainParams tiny(const std::string& task, const TempDir& dir, const std::string& name) {
  training::TrainParams p;
  p.task = task;
  p.output = dir / (name + ".safetensors");
  p.run_dir = dir / ("run-" + name);
  p.steps = 2;
  p.batch = 2;
  p.warmup = 1;
  p.eval_count = 2;
  p.models_dir = dir.path();
  p.command = "tests";
  return p;
}

}  // namespace

TEST_CASE("train tokenizer: checkpoints, resumes and logs", "[training]") {
  TempDir dir;
  training::TrainParams p = tiny("tokenizer", dir, "tok");
  p.model_config = {{"channels", {8, 8, 16}}, {"blocks", 0}, {"codebook_size", 32}, {"code_dim", 4}};
  const nlohmann::json eval = training::train(p);
  CHECK(eval.contains("judge_pass"));
  CHECK(eval.contains("psnr"));
  CHECK(models::read_checkpoint_info(p.output).step == 2);
  CHECK(models::load_patch_tokenizer(p.output)->config.codebook_size == 32);
  CHECK(fs::exists(p.run_dir / "loss.csv"));
  CHECK(fs::exists(p.run_dir / "optimizer.pt"));
  // The checkpoint holds float16 weights (half the shipped size); --resume continues from the
  // float32 ones kept in the run folder.
  const std::string weight = "decoder.0.weight";
  CHECK(models::Checkpoint(p.output).tensor(weight).scalar_type() == torch::kHalf);
  CHECK(models::Checkpoint(p.run_dir / "raw.safetensors").tensor(weight).scalar_type() == torch::kFloat);

  SECTION("an existing checkpoint is not replaced without --overwrite") {
    CHECK_THROWS_WITH(training::train(p), Contains("already exists"));
    CHECK_FALSE(fs::exists(p.run_dir / "lock"));  // a refused start leaves no lock behind
  }
  SECTION("--resume continues from the saved step") {
    p.resume = true;
    p.steps = 3;
    training::train(p);
    CHECK(models::read_checkpoint_info(p.output).step == 3);
    CHECK(test::count_lines(test::read_text_file(p.run_dir / "loss.csv")) == 3);  // header + two rows
  }
  SECTION("a run folder another live process trains in is refused") {
    test::write_text_file(p.run_dir / "lock", "1\n");  // pid 1 is always alive
    p.resume = true;
    p.steps = 3;
    CHECK_THROWS_WITH(training::train(p), Contains("another training process (pid 1)"));
    test::write_text_file(p.run_dir / "lock", "999999999\n");  // no such process: a stale lock
    training::train(p);
    CHECK_FALSE(fs::exists(p.run_dir / "lock"));
  }
  SECTION("a corrupt optimizer state is named") {
    test::write_text_file(p.run_dir / "optimizer.pt", "not a torch archive");
    p.resume = true;
    p.steps = 3;
    CHECK_THROWS_WITH(training::train(p), Contains("cannot read the optimizer state") && Contains("delete it"));
  }
  SECTION("--resume with another model config is refused") {
    p.resume = true;
    p.model_config["codebook_size"] = 16;
    CHECK_THROWS_WITH(training::train(p), Contains("resume without changing the model config"));
  }
  SECTION("--decoder-only keeps the encoder and codebook, so every picture keeps its tokens") {
    training::TrainParams tuned = tiny("tokenizer", dir, "decoder");
    tuned.model_config = p.model_config;
    tuned.decoder_only = true;
    CHECK_THROWS_WITH(training::train(tuned), Contains("--init-from"));
    tuned.init_from = p.output.string();
    tuned.lr = 1e-2;
    training::train(tuned);
    const models::Checkpoint start(p.output), result(tuned.output);
    for (const std::string& name : start.names()) {
      const bool same = torch::equal(start.tensor(name), result.tensor(name));
      INFO(name);
      CHECK(same == (name.rfind("decoder.", 0) != 0));
    }
  }
  SECTION("--init-from starts a new run from those weights at step 0") {
    training::TrainParams tuned = tiny("tokenizer", dir, "tuned");
    tuned.model_config = p.model_config;
    tuned.steps = 1;
    tuned.lr = 1e-12;  // a step that changes nothing measurable: the weights stay the start's
    tuned.init_from = p.output.string();
    training::train(tuned);
    const models::Checkpoint start(p.output), result(tuned.output);
    CHECK(result.info().step == 1);
    CHECK(result.info().extra.at("initialized_from") == "tok.safetensors (step 2)");
    // (a fresh start from the same seed would hold the untrained weights: two steps away from these)
    CHECK(torch::allclose(start.tensor("encoder.0.weight"), result.tensor("encoder.0.weight"), 1e-4, 1e-5));
    // Resuming the fine-tune keeps the record of where it started.
    {
      training::TrainParams more = tuned;
      more.init_from.clear();
      more.resume = true;
      more.steps = 2;
      training::train(more);
      CHECK(models::read_checkpoint_info(tuned.output).extra.at("initialized_from") == "tok.safetensors (step 2)");
    }
    tuned.overwrite = true;
    tuned.model_config["codebook_size"] = 16;
    CHECK_THROWS_WITH(training::train(tuned), Contains("--init-from") && Contains("same model config"));
    tuned.overwrite = false;
    tuned.resume = true;
    CHECK_THROWS_WITH(training::train(tuned), Contains("--init-from") && Contains("pick one"));
  }
}

TEST_CASE("train: bad parameters are named", "[training]") {
  TempDir dir;
  training::TrainParams p = tiny("tokenizer", dir, "x");
  p.model_config = {{"codebook", 32}};
  CHECK_THROWS_WITH(training::train(p), Contains("unknown key 'codebook'"));
  p.model_config = {{"channels", "many"}};
  CHECK_THROWS_WITH(training::train(p), Contains("--model-config"));
  p.model_config = nlohmann::json::object();
  p.task = "poetry";
  CHECK_THROWS_WITH(training::train(p), Contains("unknown training task 'poetry'") && Contains("maskgit"));
  p.task = "tokenizer";
  p.resume = true;
  CHECK_THROWS_WITH(training::train(p), Contains("does not exist; start without --resume"));
  p.resume = false;
  p.output = dir / "x.pt";
  CHECK_THROWS_WITH(training::train(p), Contains(".safetensors"));
  p.output = dir / "x.safetensors";
  p.precision = "fp16";
  CHECK_THROWS_WITH(training::train(p), Contains("--precision must be auto, bf16 or fp32"));
  p.precision = "auto";
  p.teacher = "none";
  CHECK_THROWS_WITH(training::train(p), Contains("--teacher is for ar-draft"));
}

TEST_CASE("the draft's distillation loss: zero where it agrees with its target, and the overlap it reports", "[training]") {
  const torch::Tensor target = torch::randn({4, 7, 32}) * 3;
  const auto [same_kl, same_overlap] = training::distillation_loss(target, target, 0.5);
  CHECK(same_kl.item<double>() == Approx(0).margin(1e-5));
  CHECK(same_overlap.item<double>() == Approx(1).margin(1e-5));
  const auto [kl, overlap] = training::distillation_loss(torch::zeros({4, 7, 32}), target, 0.5);
  CHECK(kl.item<double>() > 0.1);
  CHECK(overlap.item<double>() < 0.9);
  CHECK(overlap.item<double>() > 0);
}

TEST_CASE("train text, ar, ar-draft and maskgit on tiny models", "[training]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  fs::copy_file(dir / "tokenizer.safetensors", dir / "tokenizer_8x8.safetensors");
  training::TrainParams text = tiny("text", dir, "text");
  text.model_config = {{"dim", 16}, {"layers", 1}, {"heads", 2}};
  const nlohmann::json text_eval = training::train(text);
  CHECK(text_eval.contains("all_attributes_right"));
  CHECK(text_eval.contains("all_words_right"));

  for (const char* task : {"ar", "ar-draft", "maskgit"}) {
    DYNAMIC_SECTION("task " << task) {
      training::TrainParams p = tiny(task, dir, std::string("gen-") + task);
      p.model_config = {{"dim", 32}, {"layers", 1}, {"heads", 2}};
      p.precision = std::string(task) == "ar" ? "fp32" : "bf16";  // both paths, whatever this CPU has
      const nlohmann::json eval = training::train(p);
      CHECK(eval.contains("accuracy"));
      CHECK(eval.contains("one_object"));
      const auto model = models::load_token_transformer(p.output);
      CHECK(model->config.causal == (std::string(task) != "maskgit"));
      CHECK(model->config.vocab == 32);  // from the tokenizer it was trained over
      // By default token generators learn the coarse 8x8 tokenizer's tokens (here a copy of the tiny one).
      CHECK(models::read_checkpoint_info(p.output).extra.at("tokenizer") == "tokenizer_8x8");
      // Shipped generators are stored in float16; the weights kept for --resume are float32.
      CHECK(models::Checkpoint(p.output).view("head.weight").dtype == jl::st::DType::F16);
      CHECK(models::Checkpoint(p.run_dir / "raw.safetensors").view("head.weight").dtype == jl::st::DType::F32);
      // The draft learns from ar and is measured by what it is for: the share of proposals ar keeps.
      CHECK(eval.contains("acceptance_rate") == (std::string(task) == "ar-draft"));
      if (std::string(task) == "ar-draft") CHECK(models::read_checkpoint_info(p.output).extra.at("teacher") == "ar");
    }
  }
  SECTION("ar-draft learns from the data tokens with --teacher none, and a missing teacher is named") {
    training::TrainParams p = tiny("ar-draft", dir, "draft_alone");
    p.model_config = {{"dim", 16}, {"layers", 1}, {"heads", 2}};
    p.teacher = "none";
    const nlohmann::json eval = training::train(p);
    CHECK_FALSE(eval.contains("acceptance_rate"));
    CHECK(models::read_checkpoint_info(p.output).extra.count("teacher") == 0);
    p = tiny("ar-draft", dir, "draft_of_nothing");
    p.teacher = "no_such_model";
    CHECK_THROWS_WITH(training::train(p), Contains("no_such_model"));
  }
  SECTION("maskgit starts from the ar model of the same shape") {
    training::TrainParams p = tiny("maskgit", dir, "maskgit_from_ar");
    p.model_config = nlohmann::json(test::tiny_transformer_config(false));
    for (const char* fixed : {"vocab", "grid", "text_dim", "text_len"}) p.model_config.erase(fixed);
    p.init_from = "ar";
    p.steps = 1;
    p.lr = 1e-12;  // a step that changes nothing measurable: the weights stay ar's
    training::train(p);
    const models::Checkpoint start(dir / "ar.safetensors"), result(p.output);
    CHECK_FALSE(models::load_token_transformer(p.output)->config.causal);
    CHECK_THAT(result.info().extra.at("initialized_from"), Contains("ar.safetensors"));
    for (const std::string& name : start.names()) {
      INFO(name);
      CHECK(torch::allclose(start.tensor(name).to(torch::kFloat), result.tensor(name).to(torch::kFloat), 1e-3, 1e-3));
    }
    // Another shape is refused by name, as is a model of another kind.
    p.overwrite = true;
    p.model_config["dim"] = 16;
    CHECK_THROWS_WITH(training::train(p), Contains("--init-from") && Contains("meant to extend"));
    p.model_config["dim"] = 32;
    p.init_from = "diffusion";
    CHECK_THROWS_WITH(training::train(p), Contains("diffusion.safetensors"));
  }
}

TEST_CASE("train interpolator on a tiny model, a folder of pictures and a folder of videos", "[training]") {
  TempDir dir;
  fs::create_directories(dir / "photos");
  for (int i = 0; i < 8; ++i)
    media::write_image(dir / "photos" / ("p" + std::to_string(i) + ".png"), {test::test_pattern(200, 200, i), {}});
  // A pan across a pattern, 20 frames (the trainer keeps the last 3 for its evaluation), and a clip
  // too short to learn from, which is passed over.
  fs::create_directories(dir / "videos");
  const cv::Mat pattern = test::test_pattern(240, 96, 3);
  {
    media::VideoWriter pan(dir / "videos" / "pan.mp4", 96, 96, {});
    for (int i = 0; i < 20; ++i) pan.write(pattern(cv::Rect(4 * i, 0, 96, 96)).clone());
    pan.close();
    media::VideoWriter short_clip(dir / "videos" / "short.mp4", 96, 96, {});
    for (int i = 0; i < 4; ++i) short_clip.write(pattern(cv::Rect(i, 0, 96, 96)).clone());
    short_clip.close();
  }
  training::TrainParams p = tiny("interpolator", dir, "interp");
  p.photos = dir / "photos";
  p.videos = dir / "videos";
  p.model_config = {{"channels", {4, 8}}};
  const nlohmann::json eval = training::train(p);
  CHECK(eval.contains("video_gain_over_classic"));
  CHECK(eval.contains("photo_gain_over_classic"));
  CHECK(eval.contains("world_judge_pass"));
  const auto net = models::load_interpolation_net(p.output);
  CHECK(net->config.channels == std::vector<int>{4, 8});
  CHECK(net->config.scale == 1);
  CHECK_THAT(models::read_checkpoint_info(p.output).dataset, Contains("1 videos"));
  p.overwrite = true;
  p.photos = dir / "nowhere";
  CHECK_THROWS_WITH(training::train(p), Contains("nowhere"));
  p.photos = dir / "photos";
  fs::remove(dir / "videos" / "pan.mp4");
  CHECK_THROWS_WITH(training::train(p), Contains("videos") && Contains("fetch-videos.sh"));
}

TEST_CASE("train diffusion on a tiny model", "[training]") {
  TempDir dir;
  test::write_tiny_models(dir.path());
  training::TrainParams p = tiny("diffusion", dir, "denoiser");
  p.model_config = {{"channels", {8, 8}}, {"blocks", 1}, {"heads", 2}, {"self_attention", {1}}};
  const nlohmann::json eval = training::train(p);
  CHECK(eval.contains("accuracy"));
  const auto model = models::load_unet_denoiser(p.output);
  CHECK(model->config.latent_channels == test::tiny_tokenizer_config().code_dim);  // from the tokenizer
  CHECK(model->config.text_dim == test::tiny_text_encoder_config().dim);           // from the text encoder
  CHECK(models::read_checkpoint_info(p.output).extra.at("tokenizer") == "tokenizer");
  CHECK(models::Checkpoint(p.output).view("output.weight").dtype == jl::st::DType::F16);
  // Resuming continues the same run.
  p.resume = true;
  p.steps += 2;
  training::train(p);
  CHECK(models::read_checkpoint_info(p.output).step == p.steps);
  // A Min-SNR floor trains too; one above the clamp's top is refused.
  p.snr_floor = 1;
  p.steps += 1;
  training::train(p);
  CHECK(models::read_checkpoint_info(p.output).step == p.steps);
  p.snr_floor = 6;
  CHECK_THROWS_WITH(training::train(p), Contains("--snr-floor must be in 0..5"));
  p.snr_floor = 0;
  p.model_config = {{"channels", {8, 8}}, {"blocks", 1}, {"heads", 2}, {"self_attention", {4}}};
  p.resume = false;
  p.overwrite = true;
  CHECK_THROWS_WITH(training::train(p), Contains("self_attention lists levels 0..1"));
}

TEST_CASE("train diffusion-inpaint from a text-to-image denoiser", "[training]") {
  TempDir dir;
  test::write_tiny_models(dir.path());  // holds the tiny text-to-image "diffusion"
  training::TrainParams p = tiny("diffusion-inpaint", dir, "diffusion_inpaint");
  p.model_config = nlohmann::json(test::tiny_denoiser_config());
  for (const char* fixed : {"latent_channels", "latent_size", "text_dim", "text_len"}) p.model_config.erase(fixed);
  p.init_from = "diffusion";
  p.steps = 1;
  const nlohmann::json eval = training::train(p);
  CHECK(eval.contains("psnr_outside_mask"));  // measured by the inpainting benchmark
  const auto model = models::load_unet_denoiser(p.output);
  CHECK(model->config.inpainting);
  CHECK_THAT(models::read_checkpoint_info(p.output).extra.at("initialized_from"), Contains("diffusion.safetensors"));
  // Every weight but the new input came from the text-to-image model (one step of fine-tuning moves
  // them by about the learning rate).
  const auto start = models::load_unet_denoiser(dir / "diffusion.safetensors");
  CHECK(torch::allclose(model->named_parameters()["time_mlp.0.weight"], start->named_parameters()["time_mlp.0.weight"], 0, 0.01));
  // Another architecture is refused by name.
  p.model_config["channels"] = {8, 16, 32};
  p.overwrite = true;
  CHECK_THROWS_WITH(training::train(p), Contains("--init-from") && Contains("meant to extend"));
}

TEST_CASE("inpainting masks: latent cells, mostly one object with a margin, sometimes everything", "[training]") {
  world::DatasetOptions options;
  options.batch = 400;
  options.threads = 1;
  world::ShapeWorldStream stream(options);
  const world::Batch batch = stream.next();
  REQUIRE(batch.scenes.size() == 400);
  torch::manual_seed(3);
  const torch::Tensor keep = training::inpainting_keep_masks(batch.scenes, 64, 4);
  REQUIRE(keep.sizes() == torch::IntArrayRef({400, 1, 16, 16}));
  CHECK(torch::equal(keep, keep.round()));  // 0 or 1
  const torch::Tensor redrawn = (1 - keep).sum({1, 2, 3});
  const double all = (redrawn == 256).to(torch::kFloat).mean().item<double>();
  CHECK(all > 0.1);  // text-to-image 15% of the time (and a few rectangles)
  CHECK(all < 0.3);
  CHECK((redrawn > 0).all().item<bool>());  // there is always something to draw
  // Object masks cover their object: count scenes where some object's centre cell is redrawn
  // while most of the picture is kept.
  int local = 0, covering = 0;
  for (int64_t b = 0; b < 400; ++b) {
    if (redrawn[b].item<double>() > 128) continue;
    ++local;
    for (const world::PlacedObject& o : batch.scenes[size_t(b)].objects)
      if (keep[b][0][int64_t(o.cy * 16)][int64_t(o.cx * 16)].item<float>() == 0) {
        ++covering;
        break;
      }
  }
  CHECK(local > 200);
  CHECK(covering > 0.75 * local);  // the others are rectangles and borders
}

