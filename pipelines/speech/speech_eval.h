// How well speech says what it should: the recognizer's transcript against the text, as a word
// error rate, over a list of sentences and a folder of audio (`jielong eval-speech`, the figures of
// docs/benchmarks.md). With the ShapeWorld grammar the recognizer hears only captions, and each
// spoken caption must parse back to the scene of its text.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::speech {

// The words WER compares: lower case, split at spaces and hyphens, punctuation but apostrophes dropped.
std::vector<std::string> normalize_words(const std::string& text);

struct WordErrors {
  int substitutions = 0, deletions = 0, insertions = 0;
  int reference_words = 0;
  int errors() const { return substitutions + deletions + insertions; }
  double rate() const { return reference_words ? double(errors()) / reference_words : 0.0; }
  WordErrors& operator+=(const WordErrors& o);
};

// The fewest substitutions, deletions and insertions that turn `reference` into `hypothesis`
// (Levenshtein over words).
WordErrors word_errors(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis);

struct SpeechEvalParams {
  std::filesystem::path texts;   // one sentence a line; line N answers to the audio whose stem is N (pipelines/listed_files.h)
  std::filesystem::path inputs;  // folder of audio files (any format FFmpeg reads)
  bool shapeworld_grammar = false;  // closed vocabulary: the caption grammar; every text must be a caption
  void validate() const;
};

// {"sentences", "words", "wer", "substitutions", "deletions", "insertions", "items": [{"index", "text",
// "heard", "wer"} or {"index", "text", "error"}]} (a missing or unreadable file counts every word of its
// sentence as deleted); with the grammar also "scenes_right" and "scene_accuracy".
nlohmann::json evaluate_speech(const SpeechEvalParams& params, const Callbacks& callbacks = {});

}  // namespace jl::speech
