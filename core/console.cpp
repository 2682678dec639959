#include "core/console.h"

#include <unistd.h>

#include <cmath>
#include <exception>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace jl {

ConsoleOptions& console() {
  static ConsoleOptions options;
  return options;
}

void say(const std::string& line) {
  if (console().quiet) return;
  std::fprintf(stderr, "%s\n", line.c_str());
}

std::string json_line(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void emit_json(const nlohmann::json& object) {
  if (!console().json) return;
  std::fprintf(console().json_stream, "%s\n", json_line(object).c_str());
  std::fflush(console().json_stream);
}

void emit_result(nlohmann::json result) {
  result["event"] = "result";
  emit_json(result);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%lds", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::FILE* out, double show_after)
    : label_(std::move(label)), total_(total), out_(out), show_after_(show_after), start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (std::uncaught_exceptions() > 0) {
    // Unwinding on an error: no closing line that looks like success; just end the bar's line so the
    // error message starts on its own.
    finished_ = true;
    if (shown_ && !console().json && !console().quiet && ::isatty(::fileno(out_))) std::fprintf(out_, "\n");
    return;
  }
  finish();
}

void Progress::update(int64_t done) {
  done_ = done;
  const auto now = Clock::now();
  const double since_start = std::chrono::duration<double>(now - start_).count();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (since_start < show_after_) return;  // quick jobs print nothing
  const bool tty = ::isatty(::fileno(out_));
  const double interval = console().json ? 1.0 : tty ? 0.1 : 5.0;
  if (shown_ && since_draw < interval) return;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (shown_) draw(true);
}

void Progress::draw(bool final_line) {
  last_draw_ = Clock::now();
  shown_ = true;
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double eta = (total_ > 0 && rate > 0) ? (total_ - done_) / rate : NAN;

  if (console().json) {
    nlohmann::json event = {{"event", "progress"}, {"task", label_}, {"done", done_},
                            {"elapsed_s", std::round(elapsed * 10) / 10}};
    if (total_ > 0) event["total"] = total_;
    if (std::isfinite(eta)) event["eta_s"] = std::round(eta * 10) / 10;
    if (!note_.empty()) event["note"] = note_;
    emit_json(event);
    return;
  }
  if (console().quiet) return;

  const bool tty = ::isatty(::fileno(out_));
  std::string counts = std::to_string(done_) + (total_ > 0 ? "/" + std::to_string(total_) : "") +
                       (note_.empty() ? "" : " (" + note_ + ")");
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.1f/s", rate);
  std::string tail = counts + "  " + rate_text + "  " +
                     (final_line ? format_duration(elapsed) : "ETA " + format_duration(eta));
  if (tty) {
    std::string bar;
    if (total_ > 0) {
      const int width = 30;
      const int filled = static_cast<int>(width * std::min<double>(1.0, double(done_) / total_));
      bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    std::fprintf(out_, "\r\033[K%s %s%s%s", label_.c_str(), bar.c_str(), tail.c_str(),
                 final_line ? "\n" : "");
  } else {
    std::fprintf(out_, "%s %s\n", label_.c_str(), tail.c_str());
  }
  std::fflush(out_);
}

}  // namespace jl
