#include "pipelines/inpaint.h"

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/tensor_image.h"
#include "pipelines/tokens/generator_models.h"
#include "pipelines/tokens/maskgit.h"

namespace jl {

namespace {

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

void InpaintParams::validate() const {
  if (image.empty() || mask.empty()) throw UsageError("inpaint: --image and --mask are required");
  if (generation.method != Txt2ImgMethod::MaskGit)
    throw UsageError("inpainting with tokens needs --method maskgit (an autoregressive model cannot see the tokens after the hole)");
  generation.validate();
}

std::string InpaintParams::to_string() const {
  return generation.to_string() + ", Inpaint: " + image.filename().string() + " mask " + mask.filename().string();
}

std::vector<GeneratedImage> inpaint(const InpaintParams& params, models::ModelStore& store, const Callbacks& callbacks) {
  params.validate();
  const Txt2ImgParams& p = params.generation;
  torch::NoGradGuard no_grad;
  const media::Image original = media::to_rgb8(media::read_image(params.image));
  const int width = original.width(), height = original.height();
  const cv::Mat mask = read_mask(params.mask, width, height);

  auto tokenizer = tokens::load_tokenizer(store, p.tokenizer);
  auto text_encoder = tokens::load_text_encoder(store, p.text_encoder);
  auto generator = tokens::load_generator(store, p.model_name(), /*causal=*/false);
  tokens::check_compatible(*generator, p.model_name(), *tokenizer, p.tokenizer, *text_encoder, p.text_encoder);

  // Token grid of the picture, and the tokens whose patch touches the mask: pixel (x, y) lies in
  // token (x * g / width, y * g / height), the same mapping the nearest-neighbour resize of the
  // composite below uses.
  const int64_t g = tokenizer->config.grid(), n = g * g;
  const torch::Tensor known = tokenizer->encode(tokens::tokenizer_input(*tokenizer, original.pixels)).view({1, n});
  cv::Mat token_mask = cv::Mat::zeros(int(g), int(g), CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (mask.at<uint8_t>(y, x)) token_mask.at<uint8_t>(int(int64_t(y) * g / height), int(int64_t(x) * g / width)) = 255;
  if (cv::countNonZero(token_mask) == 0) throw Error("the mask " + params.mask.string() + " selects nothing (paint the region to regenerate white)");

  torch::Tensor unknown = torch::zeros({1, n}, torch::kBool);
  for (int64_t i = 0; i < n; ++i) unknown[0][i] = token_mask.at<uint8_t>(int(i / g), int(i % g)) != 0;

  const int count = p.count;
  const Condition cond = encode_prompts(*text_encoder, std::vector<std::string>(size_t(count), p.prompt));
  const Condition uncond = encode_prompts(*text_encoder, std::vector<std::string>(size_t(count), p.negative_prompt));
  std::vector<at::Generator> generators = tokens::image_generators(p.seed, count);
  tokens::GuidedTransformer model(*generator, cond, uncond, p.cfg_scale);
  tokens::MaskGitOptions options{p.step_count(), {p.temperature, p.top_k, p.top_p}, p.choice_temperature};
  const torch::Tensor grid = tokens::decode_maskgit(model, known.expand({count, n}).contiguous(),
                                                    unknown.expand({count, n}).contiguous(), options, generators, callbacks);
  const torch::Tensor pictures = tokenizer->decode(grid.view({count, g, g}));

  // Composite at the input's size: generated pixels only inside the patch-dilated mask.
  cv::Mat region;
  cv::resize(token_mask, region, cv::Size(width, height), 0, 0, cv::INTER_NEAREST);
  std::vector<GeneratedImage> out;
  for (int i = 0; i < count; ++i) {
    cv::Mat generated = media::tensor_to_image(pictures[i], media::TensorRange::MinusOneOne);
    if (generated.cols != width || generated.rows != height)
      generated = media::resize(media::Image{generated, {}}, width, height).pixels;
    cv::Mat result = original.pixels.clone();
    generated.copyTo(result, region);
    InpaintParams one = params;
    one.generation.seed = p.seed + uint64_t(i);
    one.generation.count = 1;
    out.push_back({result, one.generation.seed, one.to_string()});
  }
  return out;
}

}  // namespace jl
