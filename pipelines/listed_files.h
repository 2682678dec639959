// The evaluation commands' input convention (`jielong eval`, `jielong eval-speech`): a text file of
// one item a line (a prompt, a sentence; blank lines and '#' comments skipped), and a folder of
// outputs where line N (from 0) answers to the file whose stem is N, or to the stem named after a
// tab on the line. A numeric stem also answers to its number ("00012" is 12).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace jl {

struct ListedFile {
  std::string text;
  std::string stem;
  std::filesystem::path file;  // empty when the folder has no file with that stem
};

// `check` sees every line's text before anything is paired (e.g. to parse each prompt) and throws
// to reject the list. Files ending in .txt and .json are never outputs. Errors (jl::Error): the list
// unreadable or empty, the folder missing, two files answering to the same stem.
std::vector<ListedFile> pair_list_with_files(const std::filesystem::path& list, const std::filesystem::path& folder,
                                             const std::function<void(const std::string&)>& check = {});

}  // namespace jl
