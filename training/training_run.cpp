#include "training/training_run.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/atomic_file.h"
#include "core/console.h"
#include "core/error.h"
#include "models/model_store.h"

namespace jl::training {

namespace {

constexpr int64_t kCsvEvery = 25;  // steps averaged into one CSV row

fs::path raw_weights_path(const TrainParams& p) { return p.run_dir / "raw.safetensors"; }
fs::path optimizer_path(const TrainParams& p) { return p.run_dir / "optimizer.pt"; }

std::string format_number(double value) {
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

// One training process per run folder: a second one (say, a --resume started before the first has
// finished saving) would interleave checkpoints. The lock names the owner's pid; a lock whose process
// is gone is stale and taken over.
void take_lock(const fs::path& run_dir, fs::path& held) {
  const fs::path lock = run_dir / "lock";
  std::ifstream existing(lock);
  long pid = 0;
  if (existing >> pid && pid > 0 && pid != long(::getpid()) &&
      (::kill(pid_t(pid), 0) == 0 || errno == EPERM))
    throw Error("another training process (pid " + std::to_string(pid) + ") is using " + run_dir.string() +
                "; wait for it to finish or stop it first");
  write_file_atomic(lock, std::to_string(::getpid()) + "\n", /*overwrite=*/true);
  held = lock;
}

}  // namespace

TrainingRun::TrainingRun(const TrainParams& params, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                         models::CheckpointInfo info, const Callbacks& callbacks, double ema_decay)
    : params_(params), model_(model), optimizer_(optimizer), info_(std::move(info)), callbacks_(callbacks),
      ema_decay_(ema_decay) {
  std::error_code ec;
  fs::create_directories(params_.run_dir, ec);
  if (ec) throw Error("cannot create the run folder " + params_.run_dir.string() + ": " + ec.message());
  take_lock(params_.run_dir, lock_.path);

  if (params_.resume) {
    if (!fs::exists(params_.output))
      throw Error("--resume: " + params_.output.string() + " does not exist; start without --resume");
    const models::Checkpoint checkpoint(params_.output);
    models::check_model_name(checkpoint, info_.model);
    if (checkpoint.info().config != info_.config)
      throw Error("--resume: " + params_.output.string() + " was trained with config " + checkpoint.info().config.dump() +
                  ", not " + info_.config.dump() + "; resume without changing the model config");
    models::load_strict(model_, checkpoint, info_.model);
    step_ = checkpoint.info().step;
    auto seconds = checkpoint.info().extra.find("train_seconds");
    if (seconds != checkpoint.info().extra.end()) elapsed_before_ = std::atof(seconds->second.c_str());
    // A fine-tune stays one: where its first session started is kept through every resume.
    auto start = checkpoint.info().extra.find("initialized_from");
    if (start != checkpoint.info().extra.end() && !info_.extra.count("initialized_from")) info_.extra[start->first] = start->second;
  } else {
    check_can_write(params_.output, params_.overwrite);
    if (!params_.init_from.empty()) {
      const models::Checkpoint start(models::ModelStore(params_.models_dir).find(params_.init_from));
      models::check_model_name(start, info_.model);
      if (start.info().config != info_.config)
        throw Error("--init-from: " + start.path().string() + " has config " + start.info().config.dump() + ", not " +
                    info_.config.dump() + "; fine-tune with the same model config");
      models::load_strict(model_, start, info_.model);
      info_.extra["initialized_from"] = start.path().filename().string() + " (step " + std::to_string(start.info().step) + ")";
    }
  }

  if (ema_decay_ > 0) {
    torch::NoGradGuard no_grad;
    for (const torch::Tensor& p : model_.parameters()) ema_.push_back(p.detach().clone());
  }
  // The checkpoint holds averaged or float16 weights; the raw ones that training continues from are here.
  if (params_.resume && fs::exists(raw_weights_path(params_))) {
    const models::Checkpoint raw(raw_weights_path(params_));
    if (raw.info().step == step_)
      models::load_strict(model_, raw, info_.model);
    else  // written by another run: the checkpoint's weights are the better start
      say("resume: " + raw_weights_path(params_).string() + " is from step " + std::to_string(raw.info().step) +
          ", not " + std::to_string(step_) + "; continuing from the checkpoint's weights");
  }
  if (params_.resume) {
    if (fs::exists(optimizer_path(params_))) {
      try {
        torch::load(optimizer_, optimizer_path(params_).string());
      } catch (const std::exception&) {
        throw Error("cannot read the optimizer state " + optimizer_path(params_).string() +
                    "; delete it to resume with a fresh optimizer");
      }
    } else {
      say("resume: no optimizer state in " + params_.run_dir.string() +
          "; the optimizer starts afresh, with the learning rate warmed up again over " + std::to_string(params_.warmup) +
          " steps");
      rewarm_from_ = step_;
    }
  }

  const fs::path csv_path = params_.run_dir / "loss.csv";
  const bool append = params_.resume && fs::exists(csv_path);
  csv_ = std::make_unique<std::ofstream>(csv_path, append ? std::ios::app : std::ios::trunc);
  if (!*csv_) throw Error("cannot write " + csv_path.string());
  started_ = last_save_ = std::chrono::steady_clock::now();
  first_step_ = step_;
  model_.train();
}

TrainingRun::RunLock::~RunLock() {
  std::error_code ec;
  if (!path.empty()) fs::remove(path, ec);
}

void TrainingRun::schedule_learning_rate() {
  const double peak = params_.lr;
  double lr;
  if (step_ < params_.warmup) {
    lr = peak * double(step_ + 1) / params_.warmup;
  } else {
    const double span = std::max<int64_t>(1, params_.steps - params_.warmup);
    const double progress = std::min(1.0, double(step_ - params_.warmup) / span);
    lr = peak * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * progress)));
  }
  // A fresh optimizer on trained weights: its first moment estimates are noise, so ease in again.
  if (rewarm_from_ >= 0 && step_ - rewarm_from_ < params_.warmup) lr *= double(step_ - rewarm_from_ + 1) / params_.warmup;
  for (auto& group : optimizer_.param_groups()) group.options().set_lr(lr);
}

void TrainingRun::finish_step(const std::map<std::string, double>& metrics) {
  ++step_;
  if (ema_decay_ > 0) {
    // Early on the average would be dominated by the random initialisation: ramp its horizon up.
    const double decay = std::min(ema_decay_, (1.0 + step_) / (10.0 + step_));
    torch::NoGradGuard no_grad;
    const auto params = model_.parameters();
    for (size_t i = 0; i < params.size(); ++i) ema_[i].mul_(decay).add_(params[i].detach(), 1 - decay);
  }
  for (const auto& [name, value] : metrics) sums_[name] += value;
  ++summed_steps_;
  if (step_ % kCsvEvery == 0 || done()) write_csv_row();
  callbacks_.report(step_ - first_step_, params_.steps - first_step_);

  const double since_save = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_save_).count();
  const bool cancelled = callbacks_.cancelled();
  if (done() || cancelled || since_save >= params_.checkpoint_minutes * 60) save();
  if (cancelled) throw Error("cancelled at step " + std::to_string(step_) + " (checkpoint saved; continue with --resume)");
}

void TrainingRun::write_csv_row() {
  if (summed_steps_ == 0) return;
  if (csv_columns_.empty()) {
    for (const auto& entry : sums_) csv_columns_.push_back(entry.first);
    if (!params_.resume || csv_->tellp() == 0) {
      *csv_ << "step,seconds,lr";
      for (const std::string& c : csv_columns_) *csv_ << ',' << c;
      *csv_ << '\n';
    }
  }
  const double seconds =
      elapsed_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  *csv_ << step_ << ',' << format_number(seconds) << ',' << format_number(optimizer_.param_groups()[0].options().get_lr());
  for (const std::string& c : csv_columns_) *csv_ << ',' << format_number(sums_[c] / summed_steps_);
  *csv_ << '\n';
  csv_->flush();
  sums_.clear();
  summed_steps_ = 0;
}

void TrainingRun::swap_in_ema() {
  torch::NoGradGuard no_grad;
  const auto params = model_.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor raw = params[i].detach().clone();
    params[i].detach().copy_(ema_[i]);
    ema_[i] = raw;
  }
}

void TrainingRun::save() {
  const double seconds =
      elapsed_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (ema_decay_ > 0 || half_checkpoint) {
    // Raw float32 weights first (while the model holds them), for --resume.
    models::CheckpointInfo raw = info_;
    raw.step = step_;
    models::save_checkpoint(raw_weights_path(params_), model_, raw, /*overwrite=*/true);
  }
  if (ema_decay_ > 0) swap_in_ema();
  model_.eval();
  if (evaluate && params_.eval_count > 0) {
    torch::NoGradGuard no_grad;
    last_eval_ = evaluate();
  }
  models::CheckpointInfo info = info_;
  info.step = step_;
  info.extra["train_seconds"] = format_number(seconds);
  if (!last_eval_.is_null()) info.extra["eval"] = last_eval_.dump();
  std::map<std::string, at::Tensor> tensors = models::module_tensors(model_);
  if (half_checkpoint)
    for (auto& entry : tensors)
      if (entry.second.is_floating_point()) entry.second = entry.second.to(torch::kHalf);
  models::save_tensors(params_.output, tensors, info.to_metadata(), /*overwrite=*/true);
  if (ema_decay_ > 0) swap_in_ema();
  model_.train();

  {
    AtomicFile out(optimizer_path(params_), /*overwrite=*/true);
    torch::save(optimizer_, out.temp_path().string());
    out.commit();
  }
  last_save_ = std::chrono::steady_clock::now();
  say("step " + std::to_string(step_) + "/" + std::to_string(params_.steps) + " (" + format_duration(seconds) +
      "): saved " + params_.output.string() + (last_eval_.is_null() ? "" : " eval " + last_eval_.dump()));
}

}  // namespace jl::training
