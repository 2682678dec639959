// "Regenerate this region": the masked part of a picture is generated again for a prompt, the rest is
// kept.
// - maskgit: every token whose patch touches the mask is regenerated (the mask dilated to whole
//   patches) while all other tokens stay fixed and condition the new ones; the output's pixels
//   outside the dilated mask are the input's, bit for bit.
// - diffusion: the controls AUTOMATIC1111 users know. The denoiser redraws the latents the mask
//   touches while the known latents are put back at every step; the result is composited with the
//   mask blurred by --mask-blur, so pixels where the blurred mask is 0 are the input's, bit for bit.
//   The masked area starts from the original picture, a fill from its surroundings, or latent noise,
//   redrawn by --strength; the whole picture is processed, or only the masked area (its bounding box
//   plus padding, redrawn at the model's canvas and scaled back). Outpainting (--outpaint L,R,T,B)
//   extends the canvas and inpaints the new border. The inpainting checkpoint (diffusion_inpaint, when
//   shipped) is the default: it sees the known latents and the mask and draws into the hole.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "pipelines/txt2img.h"

namespace jl {

enum class MaskedContent { Original, Fill, LatentNoise };
const char* name_of(MaskedContent content);
MaskedContent parse_masked_content(const std::string& name);  // original | fill | latent_noise
enum class InpaintArea { WholePicture, OnlyMasked };
const char* name_of(InpaintArea area);
InpaintArea parse_inpaint_area(const std::string& name);  // whole | only_masked

struct InpaintParams {
  std::filesystem::path image;  // any size; 8-bit or 16-bit, gray, RGB or RGBA
  std::filesystem::path mask;   // same size; white (> 127 in any channel) = regenerate. Optional when outpainting
  Txt2ImgParams generation;     // prompt, method (maskgit|diffusion), seed, count, guidance, sampling, strength, models
  // diffusion only:
  int mask_blur = 2;                                  // px: Gaussian sigma of the composite's soft edge (0: hard)
  MaskedContent masked_content = MaskedContent::Original;
  InpaintArea area = InpaintArea::WholePicture;
  int only_masked_padding = 8;                        // px of context around the mask's bounding box
  std::array<int, 4> outpaint{0, 0, 0, 0};            // px added left, right, top, bottom
  bool outpainting() const { return outpaint[0] || outpaint[1] || outpaint[2] || outpaint[3]; }

  void validate() const;           // UsageError naming the flag
  void validate_settings() const;  // the same without the files (a picture in memory: the GUI)
  std::string to_string() const;
  // These parameters with generation.model filled in: for diffusion without --model, the inpainting
  // checkpoint `diffusion_inpaint` when it sits beside the `diffusion` the store finds first (it
  // reads the known part of the picture), else that text-to-image `diffusion`.
  InpaintParams with_model(const models::ModelStore& store) const;
};

// The output images have the input's size (plus the outpainted border).
std::vector<GeneratedImage> inpaint(const InpaintParams& params, models::ModelStore& store,
                                    const Callbacks& callbacks = {});

// The same on pictures in memory (params.image and params.mask are not read): picture RGB CV_8UC3,
// mask CV_8UC1 of the same size (nonzero = regenerate; may be empty when outpainting).
std::vector<cv::Mat> inpaint_picture(const cv::Mat& picture, const cv::Mat& mask, const InpaintParams& params,
                                     models::ModelStore& store, const Callbacks& callbacks = {});

}  // namespace jl
