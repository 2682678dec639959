// The studio's one background worker: generation, inpainting and upscaling run here, so the window
// keeps drawing while they run (DESIGN.md convention 7). One job at a time; the UI thread polls the
// progress and the newest preview every frame, and a job's result is handed back as a function the
// UI thread runs (so only the UI thread touches the document and the gallery).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::gui {

class Worker {
 public:
  // Runs on the worker thread; returns what the UI thread does with the result. A jl::Error (or any
  // exception) becomes the job's error message; cancelling makes the pipeline throw "cancelled".
  using Job = std::function<std::function<void()>(const Callbacks&)>;

  struct Status {
    bool busy = false;
    std::string label;           // "Generate", "Upscale x4", ...
    int64_t step = 0, total = 0;
    double elapsed = 0;          // seconds since the job started
    double eta = -1;             // seconds left, from the rate so far (-1: unknown yet)
  };
  struct Outcome {               // one per finished job
    std::string label;
    bool ok = false, cancelled = false;
    std::string error;
    double seconds = 0;
  };

  ~Worker();
  // False (and nothing started) while another job runs.
  bool start(const std::string& label, Job job);
  void cancel() { cancel_ = true; }
  Status status() const;
  // The newest preview since the last call (empty when none).
  cv::Mat take_preview();
  // UI thread: runs the finished jobs' result functions and returns their outcomes, oldest first.
  std::vector<Outcome> collect();
  // Blocks until the current job has finished (shutdown, tests).
  void wait();

 private:
  void run(std::string label, Job job);

  mutable std::mutex mutex_;
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> busy_{false};
  Status status_;
  std::chrono::steady_clock::time_point started_;
  cv::Mat preview_;
  std::vector<std::pair<Outcome, std::function<void()>>> finished_;
};

}  // namespace jl::gui
