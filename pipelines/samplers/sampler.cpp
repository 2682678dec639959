#include "pipelines/samplers/sampler.h"

#include <cmath>

#include "core/enum_names.h"
#include "core/error.h"
#include "pipelines/samplers/ddim.h"
#include "pipelines/samplers/ddpm.h"
#include "pipelines/samplers/dpmpp_2m.h"
#include "pipelines/samplers/euler_ancestral.h"

namespace jl::samplers {

namespace {

const EnumNames<SamplerKind> kNames = {{SamplerKind::Ddpm, "ddpm"},
                                       {SamplerKind::Ddim, "ddim"},
                                       {SamplerKind::EulerAncestral, "euler_a"},
                                       {SamplerKind::DpmPP2M, "dpmpp_2m"}};
const EnumNames<SamplerKind> kLabels = {{SamplerKind::Ddpm, "DDPM"},
                                        {SamplerKind::Ddim, "DDIM"},
                                        {SamplerKind::EulerAncestral, "Euler a"},
                                        {SamplerKind::DpmPP2M, "DPM++ 2M Karras"}};

}  // namespace

const char* name_of(SamplerKind kind) { return name_in(kNames, kind); }
const char* label_of(SamplerKind kind) { return name_in(kLabels, kind); }

const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names = names_in(kNames);
  return names;
}

SamplerKind parse_sampler(const std::string& name) { return parse_in(kNames, name, "sampler"); }

void Sampler::set_timesteps(int steps) {
  if (steps < 1 || steps > schedule_.train_steps())
    throw Error("sampler: steps must be in 1.." + std::to_string(schedule_.train_steps()) + ", got " + std::to_string(steps));
  sigmas_ = make_sigmas(steps);
  next_ = -1;
  forget();
}

int Sampler::steps() const {
  if (sigmas_.empty()) throw Error("sampler: call set_timesteps(n) before using it");
  return int(sigmas_.size()) - 1;
}

double Sampler::sigma(int i) const {
  if (i < 0 || i > steps()) throw Error("sampler: step " + std::to_string(i) + " outside 0.." + std::to_string(steps()));
  return sigmas_[size_t(i)];
}

double Sampler::timestep(int i) const { return schedule_.time_of(sigma(i)); }

torch::Tensor Sampler::add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int i) const {
  return NoiseSchedule::noised(x0, noise, sigma(i));
}

void Sampler::check_step(int i) const {
  if (i < 0 || i >= steps())
    throw Error("sampler: step " + std::to_string(i) + " outside 0.." + std::to_string(steps() - 1));
  if (next_ >= 0 && i != next_)
    throw Error("sampler: step " + std::to_string(i) + " after step " + std::to_string(next_ - 1) +
                "; steps go in order (call set_timesteps(n) to start a new trajectory)");
}

StepResult Sampler::step(const torch::Tensor& model_output, int i, const torch::Tensor& sample, const torch::Tensor& noise) {
  check_step(i);
  if (stochastic() && !noise.defined()) throw Error(std::string("sampler: ") + name_of(kind()) + " needs noise for every step");
  const Estimate estimate = schedule_.estimate(model_output, sample, sigmas_[size_t(i)]);
  torch::Tensor prev = advance(estimate, i, sample, noise);
  next_ = i + 1;
  return {std::move(prev), estimate.x0};
}

std::vector<double> Sampler::make_sigmas(int steps) const {
  const int T = schedule_.train_steps();
  std::vector<double> sigmas;
  for (int i = 0; i < steps; ++i) sigmas.push_back(schedule_.sigma_at(T - 1 - int(int64_t(i) * T / steps)));
  sigmas.push_back(0);
  return sigmas;
}

std::unique_ptr<Sampler> make_sampler(SamplerKind kind, const NoiseSchedule& schedule, double eta) {
  switch (kind) {
    case SamplerKind::Ddpm: return std::make_unique<DdpmSampler>(schedule);
    case SamplerKind::Ddim: return std::make_unique<DdimSampler>(schedule, eta);
    case SamplerKind::EulerAncestral: return std::make_unique<EulerAncestralSampler>(schedule);
    case SamplerKind::DpmPP2M: return std::make_unique<DpmPP2MSampler>(schedule);
  }
  throw Error("sampler: unknown kind");
}

}  // namespace jl::samplers
