// The speech data of scripts/fetch-speech-data.sh, as the speech trainers read it: a folder with
// train.tsv and holdout.tsv, one clip a line, WAV <TAB> VOICE <TAB> TEXT (the WAV relative to the folder).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "training/train.h"

namespace jl::training {

// The voice the text-to-speech model learns and the held-out clips are spoken in (Festival's HTS voice).
inline constexpr const char* kTeacherVoice = "hts";

struct SpeechClip {
  fs::path wav;
  std::string voice;
  std::string text;
};

// --speech-data, or the cache scripts/fetch-speech-data.sh fills.
fs::path speech_data_folder(const TrainParams& params);

// The clips of `name` (train.tsv or holdout.tsv) in `folder`; a jl::Error naming the file and what to
// run when it is missing, empty or malformed.
std::vector<SpeechClip> read_speech_index(const fs::path& folder, const std::string& name);

}  // namespace jl::training
