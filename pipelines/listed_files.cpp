#include "pipelines/listed_files.h"

#include <fstream>
#include <map>

#include "core/error.h"

namespace jl {

namespace fs = std::filesystem;

std::vector<ListedFile> pair_list_with_files(const fs::path& list, const fs::path& folder,
                                             const std::function<void(const std::string&)>& check) {
  std::ifstream in(list);
  if (!in) throw Error(list.string() + ": cannot open the list");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(folder.string() + ": is not a folder");

  // Two files answering to the same name would make the result depend on directory order: an error.
  std::map<std::string, fs::path> by_stem;
  auto add = [&](const std::string& key, const fs::path& file) {
    const auto [it, fresh] = by_stem.emplace(key, file);
    if (!fresh && it->second != file)
      throw Error(folder.string() + ": both " + it->second.filename().string() + " and " + file.filename().string() +
                  " answer to '" + key + "'; keep one");
  };
  std::vector<fs::path> files;
  try {
    for (const auto& e : fs::directory_iterator(folder)) files.push_back(e.path());
  } catch (const fs::filesystem_error& e) {
    throw Error(folder.string() + ": cannot list the folder: " + e.code().message());
  }
  for (const auto& file : files) {
    if (!fs::is_regular_file(file, ec) || file.extension() == ".txt" || file.extension() == ".json") continue;
    const std::string stem = file.stem().string();
    add(stem, file);
    if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos) {
      const size_t first = std::min(stem.find_first_not_of('0'), stem.size() - 1);
      if (first > 0) add(stem.substr(first), file);
    }
  }

  std::vector<ListedFile> items;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ListedFile item{line.substr(0, tab), tab == std::string::npos ? std::to_string(items.size()) : line.substr(tab + 1), {}};
    if (check) check(item.text);
    items.push_back(item);
  }
  if (items.empty()) throw Error(list.string() + ": has no lines to evaluate");
  for (ListedFile& item : items) {
    const auto it = by_stem.find(item.stem);
    if (it != by_stem.end()) item.file = it->second;
  }
  return items;
}

}  // namespace jl
