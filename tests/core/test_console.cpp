#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "core/console.h"

TEST_CASE("durations are formatted for people", "[core]") {
  CHECK(jl::format_duration(4.2) == "4s");
  CHECK(jl::format_duration(65) == "1m05s");
  CHECK(jl::format_duration(2 * 3600 + 180) == "2h03m");
  CHECK(jl::format_duration(-1) == "?");
  CHECK(jl::format_duration(1.0 / 0.0) == "?");
}

TEST_CASE("progress on a pipe prints plain lines with counts and a final elapsed time", "[core]") {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink);
  {
    jl::Progress bar("convert", 10, sink, 0.0);
    bar.update(3);
    bar.finish();
  }
  std::rewind(sink);
  char buf[256] = {};
  std::string text;
  while (std::fgets(buf, sizeof buf, sink)) text += buf;
  std::fclose(sink);
  // The first update is drawn at once with an ETA; finish() draws a closing line with the elapsed time.
  const size_t newline = text.find('\n');
  REQUIRE(newline != std::string::npos);
  const std::string first = text.substr(0, newline), last = text.substr(newline + 1);
  CHECK(first.rfind("convert 3/10", 0) == 0);
  CHECK(first.find("ETA") != std::string::npos);
  CHECK(last.rfind("convert 3/10", 0) == 0);
  CHECK(last.find("ETA") == std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
}

TEST_CASE("quick jobs print no progress", "[core]") {
  std::FILE* sink = std::tmpfile();
  {
    jl::Progress bar("quick", 10, sink, 5.0);
    bar.update(10);
  }
  CHECK(std::ftell(sink) == 0);
  std::fclose(sink);
}

TEST_CASE("with --json, progress is a stream of JSON events", "[core]") {
  std::FILE* sink = std::tmpfile();
  const jl::ConsoleOptions saved = jl::console();
  jl::console().json = true;
  jl::console().json_stream = sink;
  {
    jl::Progress bar("render", 8, stderr, 0.0);
    bar.update(2);
  }
  jl::console() = saved;
  std::rewind(sink);
  char buf[512] = {};
  REQUIRE(std::fgets(buf, sizeof buf, sink));
  std::fclose(sink);
  const auto event = nlohmann::json::parse(buf);
  CHECK(event.at("event") == "progress");
  CHECK(event.at("task") == "render");
  CHECK(event.at("done") == 2);
  CHECK(event.at("total") == 8);
  CHECK(event.contains("eta_s"));
}
