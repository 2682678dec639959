// Checkpoints: module save/load round trips, self-describing metadata, and strict loading whose errors
// name the tensor and both shapes.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "core/error.h"
#include "models/checkpoint.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace jl;
using jl::models::Checkpoint;
using jl::models::CheckpointInfo;
using jl::test::TempDir;

namespace {

// Parameters and buffers, including an int64 buffer (bn.num_batches_tracked).
struct TinyNetImpl : torch::nn::Module {
  explicit TinyNetImpl(int64_t in = 3, int64_t out = 4)
      : fc(register_module("fc", torch::nn::Linear(in, out))),
        bn(register_module("bn", torch::nn::BatchNorm1d(out))) {}
  torch::nn::Linear fc;
  torch::nn::BatchNorm1d bn;
};
TORCH_MODULE(TinyNet);

CheckpointInfo tiny_info() {
  CheckpointInfo info;
  info.model = "tiny";
  info.config = {{"in", 3}, {"out", 4}, {"layers", {1, 2}}, {"name", "接龙"}};
  info.command = "jielong train tiny --steps 12 --out 'a b.safetensors'";
  info.dataset = "shapeworld seed 3, 1000 scenes";
  info.step = 1234567890123;
  info.extra = {{"note", "hello"}};
  return info;
}

void check_same_state(torch::nn::Module& a, torch::nn::Module& b) {
  const auto ta = models::module_tensors(a);
  const auto tb = models::module_tensors(b);
  REQUIRE(ta.size() == tb.size());
  for (const auto& [key, tensor] : ta) {
    INFO("tensor " << key);
    REQUIRE(tb.count(key));
    CHECK(tensor.scalar_type() == tb.at(key).scalar_type());
    CHECK(torch::equal(tensor, tb.at(key)));
  }
}

bool same_state(torch::nn::Module& a, torch::nn::Module& b) {
  const auto ta = models::module_tensors(a);
  const auto tb = models::module_tensors(b);
  for (const auto& [key, tensor] : ta)
    if (!tb.count(key) || !torch::equal(tensor, tb.at(key))) return false;
  return ta.size() == tb.size();
}

}  // namespace

TEST_CASE("checkpoint round-trips a module's parameters and buffers", "[models]") {
  TempDir dir;
  torch::manual_seed(1);
  TinyNet saved;
  {
    torch::NoGradGuard no_grad;
    saved->train();
    // Moves the running statistics and the step counter off their initial values: without this a load
    // that skipped buffers would still look right.
    saved->bn->forward(saved->fc->forward(torch::randn({5, 3})));
  }
  const auto keys = models::module_tensors(*saved);
  CHECK(keys.size() == 7);
  CHECK(keys.count("fc.weight"));
  CHECK(keys.count("bn.running_mean"));
  CHECK(keys.at("bn.num_batches_tracked").item<int64_t>() == 1);

  const fs::path path = dir / "tiny.safetensors";
  models::save_checkpoint(path, *saved, tiny_info());

  torch::manual_seed(2);
  TinyNet loaded;
  REQUIRE_FALSE(same_state(*saved, *loaded));
  models::load_strict(*loaded, Checkpoint(path), "tiny");
  check_same_state(*saved, *loaded);
  CHECK(loaded->bn->num_batches_tracked.scalar_type() == torch::kLong);
  CHECK(loaded->bn->num_batches_tracked.item<int64_t>() == 1);
}

TEST_CASE("checkpoint metadata round-trips, config included", "[models]") {
  TempDir dir;
  const fs::path path = dir / "tiny.safetensors";
  TinyNet net;
  const CheckpointInfo info = tiny_info();
  models::save_checkpoint(path, *net, info);

  for (const CheckpointInfo& got : {models::read_checkpoint_info(path), Checkpoint(path).info()}) {
    CHECK(got.model == info.model);
    CHECK(got.config == info.config);
    CHECK(got.config["layers"][1] == 2);
    CHECK(got.command == info.command);
    CHECK(got.dataset == info.dataset);
    CHECK(got.step == info.step);
    CHECK(got.extra == info.extra);
  }
  const auto raw = st::read_metadata(path);
  CHECK(raw.at("model") == "tiny");
  CHECK(raw.at("step") == "1234567890123");
  CHECK(nlohmann::json::parse(raw.at("config")) == info.config);

  // Deterministic: the same module and info give the same bytes.
  models::save_checkpoint(dir / "again.safetensors", *net, info);
  CHECK(jl::test::read_text_file(path) == jl::test::read_text_file(dir / "again.safetensors"));
}

TEST_CASE("checkpoint info conversion rejects incomplete metadata", "[models]") {
  const fs::path source = "some/file.safetensors";
  std::map<std::string, std::string> meta = tiny_info().to_metadata();
  CHECK(CheckpointInfo::from_metadata(meta, source).model == "tiny");

  SECTION("missing model") {
    meta.erase("model");
    REQUIRE_THROWS_WITH(CheckpointInfo::from_metadata(meta, source),
                        Catch::Contains("some/file.safetensors") && Catch::Contains("no 'model' entry"));
  }
  SECTION("missing config") {
    meta.erase("config");
    REQUIRE_THROWS_WITH(CheckpointInfo::from_metadata(meta, source), Catch::Contains("no 'config' entry"));
  }
  SECTION("config not JSON") {
    meta["config"] = "{dim: 4";
    REQUIRE_THROWS_WITH(CheckpointInfo::from_metadata(meta, source),
                        Catch::Contains("some/file.safetensors") && Catch::Contains("'config' is not valid JSON"));
  }
  SECTION("config with a number out of range") {
    meta["config"] = "{\"dim\": 1e999}";
    REQUIRE_THROWS_WITH(CheckpointInfo::from_metadata(meta, source), Catch::Contains("'config' is not valid JSON"));
  }
  SECTION("step not an integer") {
    meta["step"] = "12k";
    REQUIRE_THROWS_WITH(CheckpointInfo::from_metadata(meta, source), Catch::Contains("'step' is \"12k\", not an integer"));
  }
  SECTION("optional fields may be absent") {
    meta.erase("command");
    meta.erase("dataset");
    meta.erase("step");
    const CheckpointInfo info = CheckpointInfo::from_metadata(meta, source);
    CHECK(info.command.empty());
    CHECK(info.step == 0);
  }
  SECTION("extra entries may not shadow fields") {
    CheckpointInfo info = tiny_info();
    info.extra["step"] = "3";
    REQUIRE_THROWS_WITH(info.to_metadata(), Catch::Contains("extra entry 'step'"));
  }
}

TEST_CASE("a file without checkpoint metadata is not a checkpoint", "[models]") {
  TempDir dir;
  const fs::path path = dir / "plain.safetensors";
  models::save_tensors(path, {{"w", torch::ones({2})}}, {{"config", "{}"}});
  REQUIRE_THROWS_WITH(Checkpoint(path), Catch::Contains(path.string()) && Catch::Contains("no 'model' entry"));
  REQUIRE_THROWS_WITH(models::read_checkpoint_info(path), Catch::Contains("no 'model' entry"));
}

TEST_CASE("load_strict names the tensor and both shapes, and leaves the module unchanged", "[models]") {
  TempDir dir;
  const fs::path path = dir / "tiny.safetensors";
  torch::manual_seed(3);
  TinyNet saved;
  models::save_checkpoint(path, *saved, tiny_info());
  const Checkpoint checkpoint(path);

  SECTION("mismatched shapes") {
    TinyNet wider(5, 4);
    TinyNet before(5, 4);
    {
      torch::NoGradGuard no_grad;
      for (auto& [key, t] : models::module_tensors(*before)) t.copy_(models::module_tensors(*wider).at(key));
    }
    REQUIRE_THROWS_WITH(models::load_strict(*wider, checkpoint),
                        Catch::Contains(path.string()) && Catch::Contains("fc.weight: got [4,3], expected [4,5]") &&
                            Catch::Contains("1 problem)"));
    check_same_state(*wider, *before);  // nothing was copied, not even the tensors that fit
  }
  SECTION("wrong model name") {
    TinyNet net;
    REQUIRE_THROWS_WITH(models::load_strict(*net, checkpoint, "vq"),
                        Catch::Contains("is a checkpoint of model 'tiny', expected 'vq'"));
    models::load_strict(*net, checkpoint);  // no expectation: any model name is accepted
    check_same_state(*net, *saved);
  }
  SECTION("missing and unexpected tensors") {
    auto tensors = models::module_tensors(*saved);
    tensors.erase("fc.bias");
    tensors.emplace("head.weight", torch::zeros({2, 2}));
    models::save_tensors(dir / "other.safetensors", tensors, tiny_info().to_metadata());
    TinyNet net;
    REQUIRE_THROWS_WITH(models::load_strict(*net, Checkpoint(dir / "other.safetensors")),
                        Catch::Contains("missing tensor fc.bias (expected [4])") &&
                            Catch::Contains("unexpected tensor head.weight [2,2]") && Catch::Contains("2 problems"));
  }
  SECTION("integer data into a float parameter") {
    auto tensors = models::module_tensors(*saved);
    tensors["fc.bias"] = torch::arange(4, torch::kLong);
    models::save_tensors(dir / "ints.safetensors", tensors, tiny_info().to_metadata());
    TinyNet net;
    REQUIRE_THROWS_WITH(models::load_strict(*net, Checkpoint(dir / "ints.safetensors")),
                        Catch::Contains("fc.bias: stored as I64"));
  }
}

TEST_CASE("half-precision checkpoints load into float parameters", "[models]") {
  TempDir dir;
  torch::manual_seed(4);
  TinyNet source;
  auto tensors = models::module_tensors(*source);
  // Values exactly representable in both F16 and BF16, so the comparison can be exact.
  const auto weight = torch::arange(12, torch::kFloat).reshape({4, 3}) * 0.25f - 1.0f;
  const auto bias = torch::tensor({0.5f, -2.0f, 8.0f, 0.0f});

  for (const auto half : {torch::kHalf, torch::kBFloat16}) {
    DYNAMIC_SECTION("dtype " << c10::toString(half)) {
      tensors["fc.weight"] = weight.to(half);
      tensors["fc.bias"] = bias.to(half);
      const fs::path path = dir / "half.safetensors";
      models::save_tensors(path, tensors, tiny_info().to_metadata());
      const Checkpoint checkpoint(path);
      CHECK(checkpoint.tensor("fc.weight").scalar_type() == half);  // stored dtype preserved

      TinyNet net;
      models::load_strict(*net, checkpoint);
      CHECK(net->fc->weight.scalar_type() == torch::kFloat);
      CHECK(torch::equal(net->fc->weight, weight));
      CHECK(torch::equal(net->fc->bias, bias));
      CHECK(torch::equal(net->bn->running_var, source->bn->running_var));
    }
  }
}

TEST_CASE("Checkpoint::tensor returns an owning copy in the stored dtype", "[models]") {
  TempDir dir;
  const fs::path path = dir / "t.safetensors";
  const auto ints = torch::tensor({-3, 7, 1 << 30}, torch::kInt);
  const auto bytes = torch::arange(6, torch::kByte).reshape({2, 3});
  const auto scalar = torch::tensor(1.5f).reshape({});
  const auto empty = torch::zeros({0, 5}, torch::kLong);
  const auto strided = torch::arange(12, torch::kFloat).reshape({3, 4}).t();  // not contiguous
  models::save_tensors(path, {{"ints", ints}, {"bytes", bytes}, {"scalar", scalar}, {"empty", empty}, {"strided", strided}},
                       {{"model", "t"}, {"config", "{}"}});

  std::map<std::string, at::Tensor> got;
  {
    const Checkpoint checkpoint(path);
    CHECK(checkpoint.names() == std::vector<std::string>{"bytes", "empty", "ints", "scalar", "strided"});
    for (const std::string& name : checkpoint.names()) got[name] = checkpoint.tensor(name);
  }  // unmapped here: the tensors must own their memory
  CHECK(got["ints"].scalar_type() == torch::kInt);
  CHECK(torch::equal(got["ints"], ints));
  CHECK(torch::equal(got["bytes"], bytes));
  CHECK(got["scalar"].dim() == 0);
  CHECK(got["scalar"].item<float>() == 1.5f);
  CHECK(got["empty"].sizes() == at::IntArrayRef({0, 5}));
  CHECK(torch::equal(got["strided"], strided));
  REQUIRE_THROWS_WITH(Checkpoint(path).tensor("nope"), Catch::Contains("no tensor 'nope'"));
}

TEST_CASE("checkpoint saving refuses to overwrite and leaves nothing behind on failure", "[models]") {
  TempDir dir;
  const fs::path path = dir / "tiny.safetensors";
  TinyNet first;
  models::save_checkpoint(path, *first, tiny_info());
  const std::string before = jl::test::read_text_file(path);

  torch::manual_seed(5);
  TinyNet second;
  REQUIRE_THROWS_WITH(models::save_checkpoint(path, *second, tiny_info()), Catch::Contains("already exists"));
  CHECK(jl::test::read_text_file(path) == before);

  models::save_checkpoint(path, *second, tiny_info(), /*overwrite=*/true);
  TinyNet loaded;
  models::load_strict(*loaded, Checkpoint(path));
  check_same_state(*loaded, *second);

  // A dtype checkpoints do not store: refused before anything is written, the old file intact.
  const std::string current = jl::test::read_text_file(path);
  REQUIRE_THROWS_WITH(models::save_tensors(path, {{"w", torch::ones({2}, torch::kDouble)}}, {}, true),
                      Catch::Contains("tensor 'w' has dtype Double"));
  REQUIRE_THROWS_WITH(models::save_tensors(dir / "new.safetensors", {{"w", torch::ones({2}, torch::kBool)}}, {}),
                      Catch::Contains("tensor 'w' has dtype Bool"));
  CHECK(jl::test::read_text_file(path) == current);
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    INFO("left behind: " << entry.path());
    ++entries;
  }
  CHECK(entries == 1);
}
