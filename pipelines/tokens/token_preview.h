// Live previews of token decoding for the GUI: after a step, the picture the tokens decided so far
// make (the first sequence of the batch), with the patches still open shown gray. The decoders
// report each step through report_step(); the picture is only decoded when the callbacks want
// previews and the preview function finds enough new tokens to be worth a tokenizer pass.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <opencv2/core/mat.hpp>

#include "pipelines/callbacks.h"

namespace jl::models {
class PatchTokenizerImpl;
}

namespace jl::tokens {

// tokens [B, N] (undecided positions hold anything), decided [B, N] bool -> RGB CV_8UC3, or an
// empty Mat when no new picture is due.
using TokenPreview = std::function<cv::Mat(const torch::Tensor& tokens, const torch::Tensor& decided)>;

// Decodes with `tokenizer` once at least a row of new tokens is decided (and at the end): AR shows
// its rows as they complete, MaskGIT its steps.
TokenPreview tokenizer_preview(std::shared_ptr<models::PatchTokenizerImpl> tokenizer);

// callbacks.report(step, total) with a preview picture when one is wanted and due. `decided` is
// only called when previews are wanted (the preview function decides whether one is due).
void report_step(const Callbacks& callbacks, int64_t step, int64_t total, const TokenPreview& preview,
                 const torch::Tensor& tokens, const std::function<torch::Tensor()>& decided);

}  // namespace jl::tokens
