// How the command line talks to the person (or program) running it. Human messages and progress bars
// go to stderr; with --json, machine-readable events go to stdout, one JSON object per line, so that
// `jielong ... --json | other-tool` sees only JSON. --quiet silences everything but errors and the
// JSON events.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace jl {

struct ConsoleOptions {
  bool quiet = false;
  bool json = false;
  std::FILE* json_stream = stdout;  // where JSON events go (tests point it at a file)
};

ConsoleOptions& console();

// One line for a person on stderr (suppressed by --quiet).
void say(const std::string& line);

// One JSON object as one line. Strings that are not valid UTF-8 (file names may be anything) are
// written with U+FFFD in place of the bad bytes instead of failing.
std::string json_line(const nlohmann::json& object);

// One JSON object on stdout (only with --json).
void emit_json(const nlohmann::json& object);

// A command's result: `result` with "event": "result" added, on stdout (only with --json).
void emit_result(nlohmann::json result);

// Format seconds as "4s", "1m05s", "2h03m".
std::string format_duration(double seconds);

// A progress bar for anything that may take more than about a second. On a terminal it redraws one
// line with a bar, counts, rate and ETA; on a pipe it prints a plain line at most every few seconds;
// with --json it emits {"event":"progress",...} lines; with --quiet it is silent. It stays hidden
// during the first second so that quick jobs print nothing.
class Progress {
 public:
  // total <= 0: unknown. `out` and `show_after` exist for tests; the CLI keeps the defaults.
  Progress(std::string label, int64_t total, std::FILE* out = stderr, double show_after = 1.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(int64_t done);
  void set_total(int64_t total) { total_ = total; }
  // A short remark drawn after the counts ("2 failed"); also in the JSON events.
  void set_note(std::string note) { note_ = std::move(note); }
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(bool final_line);

  std::string label_;
  std::string note_;
  int64_t total_;
  std::FILE* out_;
  double show_after_;
  int64_t done_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool shown_ = false;
  bool finished_ = false;
};

}  // namespace jl
