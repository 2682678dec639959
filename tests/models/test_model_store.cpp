#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/error.h"
#include "models/model_store.h"
#include "models/safetensors.h"
#include "test_util.h"

using namespace jl;
using jl::models::ModelStore;
using jl::models::CheckpointEntry;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {
void write_checkpoint(const fs::path& path, const std::string& model, int step) {
  const float value = 1.0f;
  st::TensorView v;
  v.dtype = st::DType::F32;
  v.shape = {1};
  v.data = &value;
  v.nbytes = sizeof value;
  st::write_safetensors(path, {{"w", v}}, {{"model", model}, {"config", "{}"}, {"step", std::to_string(step)}});
}
}  // namespace

TEST_CASE("ModelStore lists checkpoints in search order and explains unreadable ones", "[models]") {
  test::TempDir first, second;
  write_checkpoint(first / "vq.safetensors", "PatchTokenizer", 1200);
  write_checkpoint(second / "vq.safetensors", "PatchTokenizer", 5);  // shadowed by the first folder
  write_checkpoint(second / "ar.safetensors", "TokenTransformer", 77);
  test::write_text_file(second / "bad.safetensors", "not a checkpoint");
  {  // valid safetensors, but not a checkpoint: no model or config in the metadata
    const float value = 0;
    st::TensorView v;
    v.shape = {1};
    v.data = &value;
    v.nbytes = sizeof value;
    st::write_safetensors(second / "bare.safetensors", {{"w", v}}, {});
  }
  ::setenv("JIELONG_MODELS", second.path().c_str(), 1);
  const ModelStore store(first.path());
  ::unsetenv("JIELONG_MODELS");

  REQUIRE(store.search_path().size() >= 2);
  CHECK(store.search_path()[0] == first.path());
  CHECK(store.search_path()[1] == second.path());

  std::map<std::string, CheckpointEntry> by_name;
  for (const auto& e : store.list()) by_name.emplace(e.name, e);
  CHECK(by_name.at("vq").step == 1200);
  CHECK(by_name.at("vq").model == "PatchTokenizer");
  CHECK(by_name.at("ar").step == 77);
  CHECK_FALSE(by_name.at("bad").problem.empty());
  CHECK_THAT(by_name.at("bare").problem, Contains("model"));

  CHECK(store.find("vq") == first / "vq.safetensors");
  CHECK(store.find("ar") == second / "ar.safetensors");
  REQUIRE_THROWS_WITH(store.find("nope"), Contains("'nope' not found") && Contains(first.path().string()));
}

TEST_CASE("ModelStore loads a model once and shares it", "[models]") {
  test::TempDir dir;
  write_checkpoint(dir / "m.safetensors", "Dummy", 1);
  ModelStore store(dir.path());
  int loads = 0;
  const std::function<std::shared_ptr<int>(const fs::path&)> load = [&](const fs::path&) {
    ++loads;
    return std::make_shared<int>(42);
  };
  const auto a = store.get<int>("m", load);
  const auto b = store.get<int>("m", load);
  CHECK(loads == 1);
  CHECK(a.get() == b.get());
  CHECK(*a == 42);
  CHECK(store.loaded_count() == 1);
  CHECK_THROWS_AS(store.get<int>("absent", load), Error);
}
