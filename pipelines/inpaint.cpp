#include "pipelines/inpaint.h"

#include <opencv2/core.hpp>
#include <sstream>

#include "core/enum_names.h"
#include "core/error.h"
#include "media_io/image.h"
#include "models/model_store.h"
#include "pipelines/diffusion/inpaint_latents.h"
#include "pipelines/tokens/inpaint_tokens.h"

namespace jl {

namespace {

const char* const kInpaintingModel = "diffusion_inpaint";

const EnumNames<MaskedContent> kContents = {
    {MaskedContent::Original, "original"}, {MaskedContent::Fill, "fill"}, {MaskedContent::LatentNoise, "latent_noise"}};
const EnumNames<InpaintArea> kAreas = {{InpaintArea::WholePicture, "whole"}, {InpaintArea::OnlyMasked, "only_masked"}};

// The mask as CV_8UC1 0/255 at the image's size.
cv::Mat read_mask(const std::filesystem::path& path, int width, int height) {
  const media::Image mask = media::to_rgb8(media::read_image(path));
  if (mask.width() != width || mask.height() != height)
    throw Error("mask " + path.string() + " is " + std::to_string(mask.width()) + "x" + std::to_string(mask.height()) +
                " but the image is " + std::to_string(width) + "x" + std::to_string(height) + "; give a mask of the same size");
  std::vector<cv::Mat> channels;
  cv::split(mask.pixels, channels);
  cv::Mat any = cv::max(cv::max(channels[0], channels[1]), channels[2]);
  return any > 127;
}

}  // namespace

const char* name_of(MaskedContent content) { return name_in(kContents, content); }
MaskedContent parse_masked_content(const std::string& name) { return parse_in(kContents, name, "--masked-content"); }
const char* name_of(InpaintArea area) { return name_in(kAreas, area); }
InpaintArea parse_inpaint_area(const std::string& name) { return parse_in(kAreas, name, "--inpaint-area"); }

void InpaintParams::validate() const {
  if (image.empty()) throw UsageError("inpaint: --image is required");
  if (mask.empty() && !outpainting()) throw UsageError("inpaint: give --mask (white = regenerate) or --outpaint L,R,T,B");
  validate_settings();
}

void InpaintParams::validate_settings() const {
  if (generation.upscale != 1) throw UsageError("--upscale works with txt2img; upscale an inpainted picture with `jielong upscale`");
  const bool diffusion = generation.method == Txt2ImgMethod::Diffusion;
  if (!diffusion && generation.method != Txt2ImgMethod::MaskGit)
    throw UsageError("inpainting needs --method maskgit or diffusion (an autoregressive model cannot see the tokens after the hole)");
  const InpaintParams defaults;
  if (!diffusion && (mask_blur != defaults.mask_blur || masked_content != defaults.masked_content || area != defaults.area ||
                     only_masked_padding != defaults.only_masked_padding || outpainting()))
    throw UsageError("--mask-blur, --masked-content, --inpaint-area, --only-masked-padding and --outpaint work with --method diffusion");
  if (mask_blur < 0 || mask_blur > 64) throw UsageError("--mask-blur must be in 0..64 px");
  if (only_masked_padding < 0 || only_masked_padding > 4096) throw UsageError("--only-masked-padding must be in 0..4096 px");
  for (int side : outpaint)
    if (side < 0 || side > 4096) throw UsageError("--outpaint sides must be in 0..4096 px");
  if (!generation.init_image.empty()) throw UsageError("inpaint: --image is the picture to start from; --init-image is for txt2img");
  generation.validate();
}

std::string InpaintParams::to_string() const {
  std::ostringstream out;
  out << generation.to_string() << ", Inpaint: " << image.filename().string();
  if (!mask.empty()) out << " mask " << mask.filename().string();
  if (generation.method == Txt2ImgMethod::Diffusion) {
    out << ", Denoising strength: " << generation.strength << ", Mask blur: " << mask_blur
        << ", Masked content: " << name_of(masked_content) << ", Inpaint area: " << name_of(area);
    if (area == InpaintArea::OnlyMasked) out << ", Only masked padding: " << only_masked_padding;
    if (outpainting()) out << ", Outpaint: " << outpaint[0] << "," << outpaint[1] << "," << outpaint[2] << "," << outpaint[3];
  }
  return out.str();
}

InpaintParams InpaintParams::with_model(const models::ModelStore& store) const {
  InpaintParams out = *this;
  if (!out.generation.model.empty() || out.generation.method != Txt2ImgMethod::Diffusion) return out;
  out.generation.model = "diffusion";
  // Only the inpainting companion of the text-to-image model found first (the same folder): a
  // --models-dir of other diffusion models must not get the shipped one, made for other latents.
  if (store.contains(kInpaintingModel) && store.contains("diffusion") &&
      store.find(kInpaintingModel).parent_path() == store.find("diffusion").parent_path())
    out.generation.model = kInpaintingModel;
  return out;
}

std::vector<cv::Mat> inpaint_picture(const cv::Mat& original, const cv::Mat& original_mask, const InpaintParams& chosen,
                                     models::ModelStore& store, const Callbacks& callbacks) {
  const InpaintParams params = chosen.with_model(store);
  cv::Mat picture = original;
  cv::Mat mask = original_mask.empty() ? cv::Mat::zeros(picture.size(), CV_8UC1) : (original_mask > 0);
  if (params.outpainting()) {
    // The new border starts as the picture's edge pixels stretched outwards, and is all masked.
    const auto [left, right, top, bottom] = params.outpaint;
    if ((int64_t(picture.cols) + left + right) * (int64_t(picture.rows) + top + bottom) > 64LL * 1024 * 1024)
      throw Error("--outpaint would make a picture over 64 megapixels; add fewer pixels");
    cv::copyMakeBorder(picture, picture, top, bottom, left, right, cv::BORDER_REPLICATE);
    cv::copyMakeBorder(mask, mask, top, bottom, left, right, cv::BORDER_CONSTANT, 255);
  }
  if (cv::countNonZero(mask) == 0)
    throw Error("the mask " + params.mask.string() + " selects nothing (paint the region to regenerate white)");
  return params.generation.method == Txt2ImgMethod::Diffusion
             ? diffusion::inpaint_latents(picture, mask, params, store, callbacks)
             : tokens::inpaint_tokens(picture, mask, params.generation, store, callbacks);
}

std::vector<GeneratedImage> inpaint(const InpaintParams& chosen, models::ModelStore& store, const Callbacks& callbacks) {
  chosen.validate();
  const InpaintParams params = chosen.with_model(store);
  const media::Image original = media::to_rgb8(media::read_image(params.image));
  const cv::Mat mask =
      params.mask.empty() ? cv::Mat() : read_mask(params.mask, original.width(), original.height());
  const std::vector<cv::Mat> pictures = inpaint_picture(original.pixels, mask, params, store, callbacks);
  std::vector<GeneratedImage> out;
  for (size_t i = 0; i < pictures.size(); ++i) {
    InpaintParams one = params;
    one.generation.seed = params.generation.seed + i;
    one.generation.count = 1;
    out.push_back({pictures[i], one.generation.seed, one.to_string()});
  }
  return out;
}

}  // namespace jl
