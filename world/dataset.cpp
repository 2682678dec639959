#include "world/dataset.h"

#include <torch/torch.h>

#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "world/caption.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl::world {
namespace {

void check_options(const DatasetOptions& o) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("ShapeWorld dataset: " + what);
  };
  require(o.size >= 8, "size must be at least 8 pixels, got " + std::to_string(o.size));
  require(o.batch >= 1, "batch must be at least 1, got " + std::to_string(o.batch));
  require(!o.video || o.frames >= 2, "a video needs at least 2 frames, got " + std::to_string(o.frames));
  require(o.threads >= 1, "threads must be at least 1, got " + std::to_string(o.threads));
  require(o.prefetch >= 1, "prefetch must be at least 1, got " + std::to_string(o.prefetch));
}

// Batch k's own seed: a splitmix64 finalizer over (seed, k), so batches are independent streams and
// their contents do not depend on which worker made them or when.
uint64_t batch_seed(uint64_t seed, uint64_t k) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (k + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// HWC RGB bytes -> the CHW planes at `dst` (3 * N * N bytes).
void copy_planar(const cv::Mat& rgb, uint8_t* dst) {
  const int n = rgb.rows, plane = n * n;
  for (int y = 0; y < n; ++y) {
    const uint8_t* src = rgb.ptr<uint8_t>(y);
    uint8_t* r = dst + y * n;
    for (int x = 0; x < n; ++x) {
      r[x] = src[3 * x];
      r[plane + x] = src[3 * x + 1];
      r[2 * plane + x] = src[3 * x + 2];
    }
  }
}

Batch make_batch(const DatasetOptions& o, uint64_t k, cv::Mat& canvas) {
  Rng rng(batch_seed(o.seed, k));
  const int64_t n = o.size, frames = o.video ? o.frames : 1;
  Batch batch;
  batch.images = o.video ? at::empty({o.batch, frames, 3, n, n}, at::kByte) : at::empty({o.batch, 3, n, n}, at::kByte);
  uint8_t* out = batch.images.data_ptr<uint8_t>();
  const int64_t frame_bytes = 3 * n * n;
  SampleOptions sample;
  sample.video = o.video;
  for (int b = 0; b < o.batch; ++b) {
    SceneSpec spec = sample_spec(rng, sample);
    if (o.video) {
      const VideoScene video = layout_video(spec, o.frames, rng);
      for (int64_t t = 0; t < frames; ++t) {
        render_into(video[size_t(t)], o.size, canvas);
        copy_planar(canvas, out + (b * frames + t) * frame_bytes);
      }
    } else {
      batch.scenes.push_back(layout(spec, rng));
      render_into(batch.scenes.back(), o.size, canvas);
      copy_planar(canvas, out + b * frame_bytes);
    }
    batch.captions.push_back(caption(spec, rng));
    batch.specs.push_back(std::move(spec));
  }
  return batch;
}

}  // namespace

// Workers claim batch indices in order, but never more than `prefetch` ahead of the consumer, and put
// each finished batch (or the exception that stopped it) into `ready` under its index; next() takes
// them strictly in index order. At most `prefetch` batches exist ahead of the consumer (ready or in
// the making), which bounds memory whatever the thread count.
struct ShapeWorldStream::Impl {
  DatasetOptions options;
  std::mutex mutex;
  std::condition_variable work_cv, ready_cv;
  bool stopping = false;
  uint64_t next_claim = 0, next_take = 0;
  struct Result {
    Batch batch;
    std::exception_ptr error;
  };
  std::map<uint64_t, Result> ready;
  std::vector<std::thread> workers;

  void work() {
    cv::Mat canvas;  // reused by every item this worker renders
    for (;;) {
      uint64_t k;
      {
        std::unique_lock<std::mutex> lock(mutex);
        work_cv.wait(lock, [&] { return stopping || next_claim < next_take + uint64_t(options.prefetch); });
        if (stopping) return;
        k = next_claim++;
      }
      Result result;
      try {
        result.batch = make_batch(options, k, canvas);
      } catch (...) {
        result.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        ready.emplace(k, std::move(result));
      }
      ready_cv.notify_all();
    }
  }

  // Workers finish the batch they are making (a few milliseconds) and exit; unclaimed work is dropped.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    work_cv.notify_all();
    for (std::thread& worker : workers) worker.join();
    workers.clear();
  }
};

ShapeWorldStream::ShapeWorldStream(const DatasetOptions& options) : impl_(std::make_unique<Impl>()) {
  check_options(options);
  impl_->options = options;
  impl_->next_claim = impl_->next_take = options.first_batch;
  impl_->workers.reserve(size_t(options.threads));
  try {
    for (int i = 0; i < options.threads; ++i) impl_->workers.emplace_back([this] { impl_->work(); });
  } catch (const std::exception& e) {
    impl_->stop();  // the destructor does not run for a half-built object; joinable threads would abort
    throw Error(std::string("ShapeWorld dataset: could not start a worker thread: ") + e.what());
  }
}

ShapeWorldStream::~ShapeWorldStream() { impl_->stop(); }

Batch ShapeWorldStream::next() {
  Impl::Result result;
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    const uint64_t k = impl_->next_take;
    impl_->ready_cv.wait(lock, [&] { return impl_->ready.count(k) > 0; });
    auto it = impl_->ready.find(k);
    result = std::move(it->second);
    impl_->ready.erase(it);
    ++impl_->next_take;
  }
  impl_->work_cv.notify_all();  // one more batch may be claimed now
  if (result.error) {
    try {
      std::rethrow_exception(result.error);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(std::string("ShapeWorld dataset: making a batch failed: ") + e.what());
    } catch (...) {
      throw Error("ShapeWorld dataset: making a batch failed with a non-standard exception");
    }
  }
  return std::move(result.batch);
}

}  // namespace jl::world
