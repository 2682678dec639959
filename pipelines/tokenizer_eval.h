// How well a patch tokenizer keeps ShapeWorld pictures: holdout prompts are rendered, encoded to
// tokens, decoded, and the reconstructions are judged by the world judge (the shapes must survive,
// which PSNR alone does not tell) and compared with the originals in PSNR.
#pragma once

#include <nlohmann/json.hpp>

#include "pipelines/callbacks.h"

namespace jl::models {
class PatchTokenizerImpl;
}

namespace jl {

// The first `count` holdout image prompts, each laid out with seed = its index:
// {"count", "judge_pass", "psnr", "codes_used", "perplexity", "token_stability" (the share of tokens
// the 8-bit reconstruction re-tokenizes to), "failures": [first few prompts]}.
nlohmann::json evaluate_tokenizer(models::PatchTokenizerImpl& tokenizer, int count, const Callbacks& callbacks = {});

}  // namespace jl
