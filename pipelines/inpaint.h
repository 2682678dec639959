// "Regenerate this region": the masked part of a picture is generated again for a prompt, the rest is
// kept. With tokens (MaskGIT), every token whose patch touches the mask is regenerated (the mask
// dilated to whole patches) while all other tokens stay fixed and condition the new ones; the
// output's pixels outside the dilated mask are the input's, bit for bit.
#pragma once

#include <filesystem>
#include <vector>

#include "pipelines/txt2img.h"

namespace jl {

struct InpaintParams {
  std::filesystem::path image;  // any size; 8-bit or 16-bit, gray, RGB or RGBA
  std::filesystem::path mask;   // same size; white (> 127 in any channel) = regenerate
  Txt2ImgParams generation;     // prompt, method (maskgit), seed, count, guidance, sampling, models
  void validate() const;
  std::string to_string() const;
};

// The output images have the input's size.
std::vector<GeneratedImage> inpaint(const InpaintParams& params, models::ModelStore& store,
                                    const Callbacks& callbacks = {});

}  // namespace jl
