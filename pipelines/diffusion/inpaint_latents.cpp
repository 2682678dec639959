#include "pipelines/diffusion/inpaint_latents.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "core/error.h"
#include "media_io/tensor_image.h"
#include "pipelines/diffusion/generate.h"
#include "pipelines/tokens/sampling.h"

namespace jl::diffusion {

namespace {

// The largest picture (as area) the denoiser runs over whole: 4x the model's canvas per side.
constexpr int kMaxWholeSide = 256;

// Below this weight a pixel keeps the input's value exactly (the Gaussian's far tail).
constexpr float kMinWeight = 1.0f / 512;

// The composite's weights: the mask blurred with a Gaussian of sigma `blur` px, CV_32F in [0, 1],
// exactly 0 where the input is kept.
cv::Mat soft_mask(const cv::Mat& mask, int blur) {
  cv::Mat soft;
  mask.convertTo(soft, CV_32F, 1.0 / 255);
  if (blur > 0) cv::GaussianBlur(soft, soft, cv::Size(0, 0), blur, blur, cv::BORDER_REPLICATE);
  soft.setTo(0, soft < kMinWeight);
  return soft;
}

// The part of the picture the denoiser redraws: all of it, or the bounding box of the redrawn pixels
// plus `padding`, grown to a square around its centre (the model's canvas is square) when the
// picture has room for one.
cv::Rect work_region(const cv::Mat& redrawn, InpaintArea area, int padding) {
  const cv::Rect all(0, 0, redrawn.cols, redrawn.rows);
  if (area == InpaintArea::WholePicture) return all;
  cv::Rect box = cv::boundingRect(redrawn);
  box = cv::Rect(box.x - padding, box.y - padding, box.width + 2 * padding, box.height + 2 * padding) & all;
  const int side = std::max(box.width, box.height);
  if (side > all.width || side > all.height) return box;
  const int x = std::clamp(box.x - (side - box.width) / 2, 0, all.width - side);
  const int y = std::clamp(box.y - (side - box.height) / 2, 0, all.height - side);
  return {x, y, side, side};
}

}  // namespace

std::vector<cv::Mat> inpaint_latents(const cv::Mat& picture, const cv::Mat& mask, const InpaintParams& params,
                                     models::ModelStore& store, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  const Txt2ImgParams& p = params.generation;
  const DiffusionModels models = load_diffusion_models(store, p.model_name(), p.tokenizer, p.text_encoder);

  const cv::Mat soft = soft_mask(mask, params.mask_blur);
  const cv::Mat redrawn = soft > 0;
  const cv::Rect region = work_region(redrawn, params.area, params.only_masked_padding);

  // What the denoiser starts from, at the size it works at: the picture (or its fill) in the region,
  // padded to a multiple of the latent grid (whole picture) or scaled to the model's canvas (only masked).
  cv::Mat start_pixels = picture(region).clone();
  if (params.masked_content == MaskedContent::Fill)
    cv::inpaint(start_pixels, redrawn(region), start_pixels, 5, cv::INPAINT_TELEA);
  // The latent cells redrawn are those the painted mask touches (as AUTOMATIC1111 takes its latent
  // mask from the mask, not from the blur's faint tail): the hole the denoiser may draw into stays
  // close to what was painted, and the blurred band around it is composited from the kept latents.
  cv::Mat start_redrawn = (mask(region) > 0);
  const int multiple = models.picture_multiple();
  cv::Size work;
  if (params.area == InpaintArea::OnlyMasked) {
    const int side = models.tokenizer->config.image_size;
    work = cv::Size(side, side);
    cv::resize(start_pixels, start_pixels, work, 0, 0, region.width > side ? cv::INTER_AREA : cv::INTER_CUBIC);
    cv::resize(start_redrawn, start_redrawn, work, 0, 0, cv::INTER_AREA);
  } else {
    work = cv::Size((region.width + multiple - 1) / multiple * multiple, (region.height + multiple - 1) / multiple * multiple);
    if (int64_t(work.width) * work.height > int64_t(kMaxWholeSide) * kMaxWholeSide)
      throw Error("whole-picture inpainting runs the denoiser over all " + std::to_string(region.width) + "x" +
                  std::to_string(region.height) + " pixels (its attention grows with the square of the area; at most " +
                  std::to_string(kMaxWholeSide) + "x" + std::to_string(kMaxWholeSide) +
                  "): use --inpaint-area only_masked, which redraws the mask's box at the model's size");
    cv::copyMakeBorder(start_pixels, start_pixels, 0, work.height - region.height, 0, work.width - region.width,
                       cv::BORDER_REPLICATE);
    cv::copyMakeBorder(start_redrawn, start_redrawn, 0, work.height - region.height, 0, work.width - region.width,
                       cv::BORDER_CONSTANT, 0);
  }

  // Latent cells whose patch holds any redrawn pixel are generated; the others are kept.
  const int d = models.downsample();
  const torch::Tensor redrawn_pixels =
      media::image_to_tensor(start_redrawn, media::TensorRange::ZeroOne).unsqueeze(0).gt(0).to(torch::kFloat);
  const torch::Tensor keep = 1 - torch::max_pool2d(redrawn_pixels, {d, d});  // [1, 1, h, w]
  torch::Tensor latents = models.encode(media::image_to_tensor(start_pixels, media::TensorRange::MinusOneOne).unsqueeze(0));

  const int64_t count = p.count;
  const std::vector<int64_t> shape{count, latents.size(1), latents.size(2), latents.size(3)};
  std::vector<at::Generator> generators = tokens::image_generators(p.seed, count);
  if (params.masked_content == MaskedContent::LatentNoise)
    latents = latents * keep + image_noise(shape, generators) * (1 - keep);
  const Condition cond = encode_prompts(*models.text_encoder, std::vector<std::string>(size_t(count), p.prompt));
  const Condition uncond = encode_prompts(*models.text_encoder, std::vector<std::string>(size_t(count), p.negative_prompt));
  const torch::Tensor result = denoise(models, cond, uncond, denoise_options(p), shape, Start{latents, keep}, generators, callbacks);

  std::vector<cv::Mat> out;
  for (cv::Mat generated : to_pictures(models, result)) {
    if (params.area == InpaintArea::OnlyMasked)
      cv::resize(generated, generated, region.size(), 0, 0, region.width < generated.cols ? cv::INTER_AREA : cv::INTER_CUBIC);
    else
      generated = generated(cv::Rect(0, 0, region.width, region.height));
    // Composite: input * (1 - w) + generated * w; where w is 0 the input's bytes stay as they are.
    cv::Mat composite = picture.clone();
    cv::Mat target = composite(region);
    const cv::Mat weights = soft(region);
    for (int y = 0; y < region.height; ++y)
      for (int x = 0; x < region.width; ++x) {
        const float w = weights.at<float>(y, x);
        if (w <= 0) continue;
        cv::Vec3b& px = target.at<cv::Vec3b>(y, x);
        const cv::Vec3b gen = generated.at<cv::Vec3b>(y, x);
        for (int c = 0; c < 3; ++c) px[c] = cv::saturate_cast<uint8_t>(px[c] * (1 - w) + gen[c] * w);
      }
    out.push_back(composite);
  }
  return out;
}

}  // namespace jl::diffusion
