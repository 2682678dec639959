#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "world/caption.h"
#include "world/dataset.h"
#include "world/holdout.h"

using namespace jl::world;

namespace {

DatasetOptions small_options(int threads) {
  DatasetOptions o;
  o.size = 32;
  o.batch = 8;
  o.seed = 1234;
  o.threads = threads;
  o.prefetch = 2;
  return o;
}

}  // namespace

TEST_CASE("image batches: shapes, dtypes, captions that parse back to their specs, no holdout", "[world]") {
  ShapeWorldStream stream(small_options(2));
  for (int k = 0; k < 3; ++k) {
    const Batch batch = stream.next();
    REQUIRE(batch.images.sizes() == at::IntArrayRef({8, 3, 32, 32}));
    CHECK(batch.images.scalar_type() == at::kByte);
    CHECK(batch.images.is_contiguous());
    REQUIRE(batch.captions.size() == 8);
    REQUIRE(batch.specs.size() == 8);
    for (size_t i = 0; i < batch.specs.size(); ++i) {
      INFO(batch.captions[i]);
      CHECK(parse_prompt(batch.captions[i]) == batch.specs[i]);
      CHECK_FALSE(is_holdout(batch.specs[i]));
      CHECK_FALSE(batch.specs[i].is_video());
      // A rendered item is not a flat canvas: some object was drawn.
      const at::Tensor item = batch.images[int64_t(i)].to(at::kFloat);
      CHECK((item.max() - item.min()).item<float>() > 20);
    }
  }
}

TEST_CASE("the same seed gives the same batches whatever the thread count", "[world]") {
  ShapeWorldStream one(small_options(1)), two(small_options(2));
  DatasetOptions other_seed = small_options(2);
  other_seed.seed = 99;
  ShapeWorldStream other(other_seed);
  for (int k = 0; k < 3; ++k) {
    const Batch a = one.next(), b = two.next(), c = other.next();
    CHECK(a.images.equal(b.images));
    CHECK(a.captions == b.captions);
    CHECK((a.specs == b.specs));  // parenthesized: glog's vector printer cannot print a SceneSpec
    CHECK_FALSE(a.images.equal(c.images));
  }
}

TEST_CASE("video batches are [B, T, 3, N, N] with a motion in every caption", "[world]") {
  DatasetOptions o = small_options(2);
  o.video = true;
  o.frames = 4;
  o.batch = 3;
  ShapeWorldStream stream(o);
  const Batch batch = stream.next();
  REQUIRE(batch.images.sizes() == at::IntArrayRef({3, 4, 3, 32, 32}));
  CHECK(batch.images.scalar_type() == at::kByte);
  for (size_t i = 0; i < batch.specs.size(); ++i) {
    INFO(batch.captions[i]);
    CHECK(batch.specs[i].is_video());
    CHECK(parse_prompt(batch.captions[i]) == batch.specs[i]);
    CHECK_FALSE(is_holdout(batch.specs[i]));
    // The object moves or changes size: first and last frames differ.
    CHECK_FALSE(batch.images[int64_t(i)][0].equal(batch.images[int64_t(i)][3]));
  }
}

TEST_CASE("the stream shuts down cleanly with batches pending and rejects bad options", "[world]") {
  {
    DatasetOptions o = small_options(2);
    o.prefetch = 8;
    ShapeWorldStream stream(o);
    (void)stream.next();
  }  // workers are mid-batch or waiting for room: the destructor must stop and join them
  { ShapeWorldStream never_read(small_options(2)); }
  DatasetOptions bad = small_options(2);
  bad.threads = 0;
  CHECK_THROWS_AS(ShapeWorldStream(bad), jl::Error);
  bad = small_options(2);
  bad.batch = 0;
  CHECK_THROWS_AS(ShapeWorldStream(bad), jl::Error);
}
