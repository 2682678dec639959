// Diffusion samplers as small value types, apart from the model (which never knows the schedule):
//
//   auto sampler = make_sampler(SamplerKind::Ddim, schedule);
//   sampler->set_timesteps(20);
//   x = noise (or sampler->add_noise(x0, noise, begin) for img2img);
//   for i in begin .. steps-1:  x = sampler->step(model(x, sampler->timestep(i)), i, x, fresh_noise).prev;
//
// Samples are always in the variance-preserving form the model sees; samplers that work in sigma
// space convert inside step(). Noise for the stochastic samplers is passed in, so that the caller
// draws it per image from that image's seed.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "pipelines/samplers/noise_schedule.h"

namespace jl::samplers {

enum class SamplerKind { Ddpm, Ddim, EulerAncestral, DpmPP2M };
// Command-line names (ddpm, ddim, euler_a, dpmpp_2m), shared with the GUI's combo box.
const char* name_of(SamplerKind kind);
// The names AUTOMATIC1111 writes into its "parameters" text (DDPM, DDIM, Euler a, DPM++ 2M Karras).
const char* label_of(SamplerKind kind);
SamplerKind parse_sampler(const std::string& name);  // UsageError listing the names
const std::vector<std::string>& sampler_names();

struct StepResult {
  torch::Tensor prev;     // the sample at the next step's noise level (the clean sample after the last step)
  torch::Tensor pred_x0;  // the model's current estimate of the clean sample (for previews)
};

class Sampler {
 public:
  explicit Sampler(NoiseSchedule schedule) : schedule_(std::move(schedule)) {}
  virtual ~Sampler() = default;
  virtual SamplerKind kind() const = 0;
  // Whether step() uses its noise argument (false: the trajectory is a function of the start alone).
  virtual bool stochastic() const = 0;

  // Chooses the noise levels of `steps` model evaluations and forgets any previous trajectory.
  void set_timesteps(int steps);
  int steps() const;
  double sigma(int i) const;     // noise level of step i; sigma(steps()) is 0
  double timestep(int i) const;  // the model's time input at step i
  // x0 noised to step i's level with `noise` (img2img and inpainting start there).
  torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int i) const;
  // One step from level i to level i + 1. Steps must come in order (the first may be any i).
  StepResult step(const torch::Tensor& model_output, int i, const torch::Tensor& sample, const torch::Tensor& noise);

 protected:
  // steps + 1 decreasing noise levels ending in 0. Default: `steps` evenly spaced training times
  // counted back from T - 1 (999, 949, ..., 49 for 20 of 1000): the first step starts from pure noise.
  virtual std::vector<double> make_sigmas(int steps) const;
  // The next sample from the current one and the model's estimate; sigma(i) > 0.
  virtual torch::Tensor advance(const Estimate& estimate, int i, const torch::Tensor& sample, const torch::Tensor& noise) = 0;
  virtual void forget() {}  // drop multistep history

  const NoiseSchedule schedule_;
  std::vector<double> sigmas_;

 private:
  void check_step(int i) const;
  int next_ = -1;  // the step expected next (-1: any)
};

// eta: DDIM's noise (0 deterministic, 1 the DDPM posterior); the other samplers ignore it.
std::unique_ptr<Sampler> make_sampler(SamplerKind kind, const NoiseSchedule& schedule, double eta = 0);

}  // namespace jl::samplers
