#include "pipelines/speech/speech_eval.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "pipelines/listed_files.h"
#include "pipelines/speech/recognizer.h"
#include "world/caption.h"

namespace jl::speech {

std::vector<std::string> normalize_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char raw : text + " ") {
    const auto c = static_cast<unsigned char>(raw);
    if (std::isalnum(c) || c == '\'') {
      word += char(std::tolower(c));
    } else if (std::isspace(c) || c == '-') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    }
  }
  return words;
}

WordErrors& WordErrors::operator+=(const WordErrors& o) {
  substitutions += o.substitutions;
  deletions += o.deletions;
  insertions += o.insertions;
  reference_words += o.reference_words;
  return *this;
}

WordErrors word_errors(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis) {
  // cost[i][j]: the fewest edits from reference[0, i) to hypothesis[0, j), with the edits that made it.
  const size_t n = reference.size(), m = hypothesis.size();
  std::vector<std::vector<WordErrors>> best(n + 1, std::vector<WordErrors>(m + 1));
  for (size_t i = 1; i <= n; ++i) best[i][0].deletions = int(i);
  for (size_t j = 1; j <= m; ++j) best[0][j].insertions = int(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      WordErrors diagonal = best[i - 1][j - 1];
      if (reference[i - 1] != hypothesis[j - 1]) ++diagonal.substitutions;
      WordErrors deletion = best[i - 1][j], insertion = best[i][j - 1];
      ++deletion.deletions;
      ++insertion.insertions;
      best[i][j] = std::min({diagonal, deletion, insertion},
                            [](const WordErrors& a, const WordErrors& b) { return a.errors() < b.errors(); });
    }
  }
  WordErrors result = best[n][m];
  result.reference_words = int(n);
  return result;
}

void SpeechEvalParams::validate() const {
  if (texts.empty()) throw UsageError("--texts is required: a file of sentences, one a line");
  if (inputs.empty()) throw UsageError("--inputs is required: the folder of audio files");
}

nlohmann::json evaluate_speech(const SpeechEvalParams& p, const Callbacks& cb) {
  p.validate();
  const std::vector<ListedFile> items = pair_list_with_files(p.texts, p.inputs, [&](const std::string& text) {
    if (p.shapeworld_grammar) world::parse_prompt(text);  // the grammar mode needs captions
  });
  Recognizer recognizer(p.shapeworld_grammar ? world::caption_jsgf() : std::string());

  WordErrors total;
  int scenes_right = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    const ListedFile& item = items[i];
    const std::vector<std::string> reference = normalize_words(item.text);
    nlohmann::json row = {{"index", i}, {"text", item.text}};
    std::string heard;
    try {
      if (item.file.empty()) throw Error("no file with stem " + item.stem + " in " + p.inputs.string());
      row["file"] = item.file.string();
      heard = recognizer.transcribe_file(item.file);
      row["heard"] = heard;
    } catch (const Error& e) {  // one unreadable file is that sentence's failure, not the run's
      row["error"] = e.what();
    }
    const WordErrors errors = word_errors(reference, normalize_words(heard));
    total += errors;
    row["wer"] = errors.rate();
    if (p.shapeworld_grammar) {
      bool same = false;
      try {
        same = !heard.empty() &&
               world::canonical_caption(world::parse_prompt(heard)) == world::canonical_caption(world::parse_prompt(item.text));
      } catch (const Error&) {  // heard something that is not a caption: a wrong scene
      }
      row["scene_right"] = same;
      scenes_right += same;
    }
    rows.push_back(row);
    cb.report(int64_t(i) + 1, int64_t(items.size()));
    cb.throw_if_cancelled();
  }
  nlohmann::json result = {{"sentences", items.size()},      {"words", total.reference_words},
                           {"wer", total.rate()},            {"substitutions", total.substitutions},
                           {"deletions", total.deletions},   {"insertions", total.insertions},
                           {"items", rows}};
  if (p.shapeworld_grammar) {
    result["scenes_right"] = scenes_right;
    result["scene_accuracy"] = double(scenes_right) / double(items.size());
  }
  return result;
}

}  // namespace jl::speech
