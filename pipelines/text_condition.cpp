#include "pipelines/text_condition.h"

#include "core/error.h"

namespace jl {

Condition encode_prompts(models::TextEncoderImpl& encoder, const std::vector<std::string>& prompts) {
  const models::TextBatch batch = encoder.tokenize(prompts);
  return {encoder.forward(batch), batch.padding};
}

void check_reads_text(const std::string& generator_name, int text_dim, int text_len,
                      const models::TextEncoderImpl& text_encoder, const std::string& text_encoder_name) {
  if (text_dim != text_encoder.config.dim || text_len != text_encoder.config.max_words)
    throw Error("generator '" + generator_name + "' reads " + std::to_string(text_len) + " text features of size " +
                std::to_string(text_dim) + ", but text encoder '" + text_encoder_name + "' makes " +
                std::to_string(text_encoder.config.max_words) + " of size " + std::to_string(text_encoder.config.dim) +
                "; use the text encoder it was trained with (--text-encoder)");
}

}  // namespace jl
