#include "pipelines/tokens/inpaint_tokens.h"

#include <opencv2/imgproc.hpp>

#include "media_io/image.h"
#include "media_io/tensor_image.h"
#include "pipelines/text_condition.h"
#include "pipelines/tokens/generator_models.h"
#include "pipelines/tokens/guided_transformer.h"
#include "pipelines/tokens/maskgit.h"
#include "pipelines/tokens/sampling.h"

namespace jl::tokens {

std::vector<cv::Mat> inpaint_tokens(const cv::Mat& picture, const cv::Mat& mask, const Txt2ImgParams& p,
                                    models::ModelStore& store, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  const int width = picture.cols, height = picture.rows;
  const std::string tokenizer_name = models::tokenizer_for(store, p.model_name(), p.tokenizer);
  auto tokenizer = load_tokenizer(store, tokenizer_name);
  const std::string text_encoder_name = models::text_encoder_for(store, p.model_name(), p.text_encoder);
  auto text_encoder = load_text_encoder(store, text_encoder_name);
  auto generator = load_generator(store, p.model_name(), /*causal=*/false);
  check_compatible(*generator, p.model_name(), *tokenizer, tokenizer_name, *text_encoder, text_encoder_name);

  // Token grid of the picture, and the tokens whose patch touches the mask: pixel (x, y) lies in
  // token (x * g / width, y * g / height), the same mapping the nearest-neighbour resize of the
  // composite below uses.
  const int64_t g = tokenizer->config.grid(), n = g * g;
  const torch::Tensor known = tokenizer->encode(tokenizer_input(*tokenizer, picture)).view({1, n});
  cv::Mat token_mask = cv::Mat::zeros(int(g), int(g), CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (mask.at<uint8_t>(y, x)) token_mask.at<uint8_t>(int(int64_t(y) * g / height), int(int64_t(x) * g / width)) = 255;
  torch::Tensor unknown = torch::zeros({1, n}, torch::kBool);
  for (int64_t i = 0; i < n; ++i) unknown[0][i] = token_mask.at<uint8_t>(int(i / g), int(i % g)) != 0;

  const int count = p.count;
  const Condition cond = encode_prompts(*text_encoder, std::vector<std::string>(size_t(count), p.prompt));
  const Condition uncond = encode_prompts(*text_encoder, std::vector<std::string>(size_t(count), p.negative_prompt));
  std::vector<at::Generator> generators = image_generators(p.seed, count);
  GuidedTransformer model(*generator, cond, uncond, p.guidance(), /*bfloat16=*/true);
  MaskGitOptions options = maskgit_options(p);
  options.preview = tokenizer_preview(tokenizer);
  const torch::Tensor grid = decode_maskgit(model, known.expand({count, n}).contiguous(),
                                            unknown.expand({count, n}).contiguous(), options, generators, callbacks);
  const torch::Tensor pictures = tokenizer->decode(grid.view({count, g, g}));

  // Composite at the input's size: generated pixels only inside the patch-dilated mask.
  cv::Mat region;
  cv::resize(token_mask, region, cv::Size(width, height), 0, 0, cv::INTER_NEAREST);
  std::vector<cv::Mat> out;
  for (int i = 0; i < count; ++i) {
    cv::Mat generated = media::tensor_to_image(pictures[i], media::TensorRange::MinusOneOne);
    if (generated.cols != width || generated.rows != height)
      generated = media::resize(media::Image{generated, {}}, width, height).pixels;
    cv::Mat result = picture.clone();
    generated.copyTo(result, region);
    out.push_back(result);
  }
  return out;
}

}  // namespace jl::tokens
