#include "training/speech_data.h"

#include <fstream>

#include "core/error.h"
#include "models/model_store.h"

namespace jl::training {

fs::path speech_data_folder(const TrainParams& params) {
  return params.speech_data.empty() ? models::models_cache_dir().parent_path() / "speech" : params.speech_data;
}

std::vector<SpeechClip> read_speech_index(const fs::path& folder, const std::string& name) {
  const fs::path index = folder / name;
  std::ifstream in(index);
  if (!in) throw Error(index.string() + " not found: make the speech data with scripts/fetch-speech-data.sh (or give --speech-data)");
  std::vector<SpeechClip> clips;
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) throw Error(index.string() + ": line " + std::to_string(clips.size() + 1) + " is not WAV<TAB>VOICE<TAB>TEXT");
    clips.push_back({folder / line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  if (clips.empty()) throw Error(index.string() + ": has no clips");
  return clips;
}

}  // namespace jl::training
