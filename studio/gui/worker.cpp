#include "studio/gui/worker.h"



namespace jl::gui {

Worker::~Worker() {
  cancel();
  wait();
}

bool Worker::start(const std::string& label, Job job) {
  if (busy_.exchange(true)) return false;
  if (thread_.joinable()) thread_.join();  // the previous job has finished: busy_ was false
  cancel_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = Status{true, label, 0, 0, 0, -1};
    started_ = std::chrono::steady_clock::now();
    preview_ = cv::Mat();
  }
  thread_ = std::thread(&Worker::run, this, label, std::move(job));
  return true;
}

void Worker::run(std::string label, Job job) {
  // The window comes first, a little: the job's thread, and the pool threads it starts (they inherit
  // it), run at nice 5. The GUI test's longest frame while rendering: 30-46 ms at nice 0, 24-27 at
  // nice 5, 17-18 at nice 10. Not lower: when another process keeps a core busy, the pool threads
  // wait for the slowest of them at every step, so the render goes at that thread's share of its core
  // (nice 5: a quarter, 19: under 2%, which starved renders).
  // The job runs at the window's own priority: torch's pool threads wait for each other at every
  // step, so a lower one (even nice 1) made renders 2-11x slower whenever another process kept a core
  // busy. `jielong studio` makes those threads wait passively instead (cmd_studio.cpp).
  Callbacks callbacks;
  callbacks.cancel = &cancel_;
  callbacks.wants_preview = true;
  callbacks.progress = [this](int64_t step, int64_t total, const cv::Mat* preview) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.step = step;
    status_.total = total;
    if (preview && !preview->empty()) preview_ = preview->clone();
  };
  Outcome outcome;
  outcome.label = label;
  std::function<void()> apply;
  try {
    apply = job(callbacks);
    outcome.ok = true;
  } catch (const std::exception& e) {
    outcome.cancelled = cancel_.load();
    outcome.error = outcome.cancelled ? "cancelled" : e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  finished_.emplace_back(outcome, std::move(apply));
  status_.busy = false;
  busy_ = false;
}

Worker::Status Worker::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Status s = status_;
  if (s.busy) {
    s.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (s.total > 0 && s.step > 0) s.eta = s.elapsed * double(s.total - s.step) / double(s.step);
  }
  return s;
}

cv::Mat Worker::take_preview() {
  std::lock_guard<std::mutex> lock(mutex_);
  cv::Mat out = preview_;
  preview_ = cv::Mat();
  return out;
}

std::vector<Worker::Outcome> Worker::collect() {
  std::vector<std::pair<Outcome, std::function<void()>>> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done.swap(finished_);
  }
  std::vector<Outcome> out;
  for (auto& [outcome, apply] : done) {
    if (apply) {
      try {
        apply();
      } catch (const std::exception& e) {  // the result could not be taken in (a bad picture): say so
        outcome.ok = false;
        outcome.error = e.what();
      }
    }
    out.push_back(outcome);
  }
  return out;
}

void Worker::wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace jl::gui
