// The bookkeeping every trainer shares: the learning-rate schedule, resuming, a losses CSV, periodic
// atomic checkpoints (of an exponential moving average of the weights when asked), the optimizer
// state for --resume, and an evaluation at each checkpoint.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/checkpoint.h"
#include "training/train.h"

namespace jl::training {

class TrainingRun {
 public:
  // Checks that the output may be written (or resumed), and on --resume loads the model's raw weights,
  // the optimizer state and the step count. `ema_decay` > 0 keeps a moving average of the weights that
  // the checkpoint stores (the raw weights go to the run folder for resuming).
  TrainingRun(const TrainParams& params, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
              models::CheckpointInfo info, const Callbacks& callbacks, double ema_decay = 0);
  TrainingRun(const TrainingRun&) = delete;
  TrainingRun& operator=(const TrainingRun&) = delete;

  int64_t step() const { return step_; }
  int64_t total_steps() const { return params_.steps; }
  bool done() const { return step_ >= params_.steps; }

  // Sets the optimizer's learning rate for the coming step (linear warm-up, cosine decay to 10%).
  void schedule_learning_rate();
  // After optimizer.step(): averages metrics for the CSV, updates the EMA, reports progress, and
  // checkpoints when due (every checkpoint_minutes and at the last step).
  void finish_step(const std::map<std::string, double>& metrics);

  // Called at each checkpoint with the model holding the weights being saved (EMA ones when used), in
  // eval mode; its numbers are logged and stored in the checkpoint metadata as "eval".
  std::function<nlohmann::json()> evaluate;
  // Store the checkpoint's floating-point tensors as float16 (half the size; loading casts back). The
  // raw weights kept for --resume (run_dir/raw.safetensors) stay float32.
  bool half_checkpoint = false;
  const nlohmann::json& last_eval() const { return last_eval_; }

 private:
  void save();
  void swap_in_ema();
  void write_csv_row();

  TrainParams params_;
  torch::nn::Module& model_;
  torch::optim::Optimizer& optimizer_;
  models::CheckpointInfo info_;
  Callbacks callbacks_;
  double ema_decay_;
  std::vector<torch::Tensor> ema_;  // one per parameter when ema_decay > 0
  int64_t step_ = 0;
  int64_t first_step_ = 0;  // where this process started (progress counts from here)
  // run_dir/lock while this process trains (released however the constructor or the run ends).
  struct RunLock {
    fs::path path;
    RunLock() = default;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();
  } lock_;
  std::chrono::steady_clock::time_point started_, last_save_;
  int64_t rewarm_from_ = -1;   // resumed without optimizer state at this step: warm up again
  double elapsed_before_ = 0;  // seconds trained before a resume
  std::map<std::string, double> sums_;
  int64_t summed_steps_ = 0;
  std::vector<std::string> csv_columns_;
  std::unique_ptr<std::ofstream> csv_;
  nlohmann::json last_eval_;
};

}  // namespace jl::training
