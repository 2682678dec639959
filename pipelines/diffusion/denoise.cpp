#include "pipelines/diffusion/denoise.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "media_io/tensor_image.h"
#include "pipelines/tokens/sampling.h"

namespace jl::diffusion {

torch::Tensor image_noise(const std::vector<int64_t>& shape, std::vector<at::Generator>& generators) {
  if (shape.empty() || shape[0] != int64_t(generators.size()))
    throw Error("diffusion: one generator per image is needed");
  std::vector<int64_t> one = shape;
  one[0] = 1;
  std::vector<torch::Tensor> rows;
  for (at::Generator& generator : generators) rows.push_back(torch::randn(one, generator));
  return torch::cat(rows);
}

torch::Tensor denoise(const DiffusionModels& models, const Condition& cond, const Condition& uncond,
                      const DenoiseOptions& options, const std::vector<int64_t>& shape, const Start& start,
                      std::vector<at::Generator>& generators, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  models::UNetDenoiserImpl& denoiser = *models.denoiser;
  auto sampler = samplers::make_sampler(options.sampler, models.schedule(), options.eta);
  sampler->set_timesteps(options.steps);

  // img2img runs the last `strength` of the steps; from noise, all of them.
  int begin = 0;
  if (start.latents.defined()) {
    if (!(options.strength > 0 && options.strength <= 1)) throw UsageError("--strength must be in (0, 1]");
    begin = std::clamp(options.steps - int(std::lround(options.steps * options.strength)), 0, options.steps - 1);
  }
  const torch::Tensor first_noise = image_noise(shape, generators);
  const torch::Tensor clean = start.latents.defined() ? start.latents.expand(shape) : torch::zeros(shape);
  torch::Tensor x = sampler->add_noise(clean, first_noise, begin);
  // Inpainting: the known region at step i's noise level, always with the same noise.
  auto impose_known = [&](const torch::Tensor& sample, int i) {
    if (!start.keep.defined()) return sample;
    const torch::Tensor known = sampler->add_noise(clean, first_noise, i);
    return known * start.keep + sample * (1 - start.keep);
  };
  x = impose_known(x, begin);
  const bool guided = options.cfg_scale != 1.0;
  // An inpainting model also reads the known latents and the keep mask directly; given twice when guided.
  torch::Tensor known;
  if (denoiser.config.inpainting && start.keep.defined()) {
    const torch::Tensor keep = start.keep.expand({shape[0], 1, shape[2], shape[3]});
    known = torch::cat({clean * keep, keep}, 1);
    if (guided) known = torch::cat({known, known});
  }
  const Condition both = guided ? Condition{torch::cat({cond.features, uncond.features}),
                                            torch::cat({cond.padding, uncond.padding})}
                                : cond;
  const int total = options.steps - begin;
  for (int i = begin; i < options.steps; ++i) {
    callbacks.throw_if_cancelled();
    const torch::Tensor input = guided ? torch::cat({x, x}) : x;
    const torch::Tensor time = torch::full({input.size(0)}, sampler->timestep(i));
    torch::Tensor output = denoiser.forward(input, time, both.features, both.padding, known);
    if (guided) {
      const auto halves = output.chunk(2);
      output = tokens::guide(halves[0], halves[1], options.cfg_scale);
    }
    const torch::Tensor noise = sampler->stochastic() ? image_noise(shape, generators) : torch::Tensor();
    samplers::StepResult result = sampler->step(output, i, x, noise);
    x = impose_known(result.prev, i + 1);
    if (callbacks.wants_preview) {
      const cv::Mat preview =
          media::tensor_to_image(models.decode(result.pred_x0.narrow(0, 0, 1))[0], media::TensorRange::MinusOneOne);
      callbacks.report(i - begin + 1, total, &preview);
    } else {
      callbacks.report(i - begin + 1, total);
    }
  }
  return x;
}

}  // namespace jl::diffusion
