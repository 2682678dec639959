// `jielong batch` end to end on tiny checkpoints: a grid renders the same bytes as the single-shot
// commands, a rerun skips what is done, invalid files exit 2 with the job and field named, failing
// items exit 3 without stopping the others, kill -9 mid-run then a rerun equals an uninterrupted run,
// and shards into one folder equal a single process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "media_io/image.h"
#include "test_util.h"
#include "tiny_models.h"

using namespace jl;
using Catch::Matchers::Contains;
using jl::test::run_jielong;
using jl::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Every file under `root` (relative path -> bytes), manifests and hidden files left out.
std::map<std::string, std::string> outputs_under(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.rfind("jielong-batch", 0) == 0 || name[0] == '.') continue;
    files[fs::relative(entry.path(), root).generic_string()] = test::read_text_file(entry.path());
  }
  return files;
}

size_t hidden_files_under(const fs::path& root) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) n += entry.path().filename().string()[0] == '.';
  return n;
}

size_t lines_in(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

}  // namespace

TEST_CASE("batch renders a grid with the bytes of the single-shot commands and a rerun skips it", "[cli][batch]") {
  TempDir dir;
  fs::create_directories(dir / "models");
  test::write_tiny_models(dir / "models");
  const std::string models = " --models-dir " + quoted(dir / "models");
  media::write_image(dir / "in.png", media::Image{test::test_pattern(64, 64, 1), {}});
  cv::Mat mask(64, 64, CV_8UC1, cv::Scalar(0));
  mask(cv::Rect(8, 8, 24, 24)).setTo(255);
  media::write_image(dir / "mask.png", media::Image{mask, {}});
  test::write_text_file(dir / "jobs.json", R"({
    "defaults": {"txt2img": {"steps": 3}},
    "jobs": [
      {"task": "txt2img", "prompt": ["a red circle", "a blue star on a black background"], "seed": [3, 4],
       "method": ["maskgit", "diffusion"], "output": "{method}/{prompt_slug}_{seed}.png"},
      {"task": "inpaint", "image": "in.png", "mask": "mask.png", "prompt": "a green square", "method": "diffusion",
       "steps": 4, "mask_blur": 1, "seed": 9, "output": "edit.png"},
      {"task": "convert", "input": "in.png", "width": 32, "output": "small.jpg"}
    ]})");
  std::string out;
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "out") + models + " --json", &out) == 0);
  const nlohmann::json result = test::last_json(out);
  CHECK(result["items"] == 10);
  CHECK(result["done"] == 10);
  CHECK(result["failed"] == 0);
  CHECK_THAT(out, Contains("\"event\":\"item\""));
  CHECK(lines_in(dir / "out" / "jielong-batch.jsonl") == 10);

  // The same params through the single-shot commands give the same bytes.
  REQUIRE(run_jielong("txt2img --method diffusion --steps 3 --prompt 'a blue star on a black background' --seed 4 -o " +
                          quoted(dir / "single.png") + models, &out) == 0);
  CHECK(test::read_text_file(dir / "single.png") ==
        test::read_text_file(dir / "out" / "diffusion" / "a-blue-star-on-a-black-background_4.png"));
  REQUIRE(run_jielong("txt2img --method maskgit --steps 3 --prompt 'a red circle' --seed 3 -o " + quoted(dir / "single2.png") +
                          models, &out) == 0);
  CHECK(test::read_text_file(dir / "single2.png") == test::read_text_file(dir / "out" / "maskgit" / "a-red-circle_3.png"));
  REQUIRE(run_jielong("inpaint --image " + quoted(dir / "in.png") + " --mask " + quoted(dir / "mask.png") +
                          " --prompt 'a green square' --method diffusion --steps 4 --mask-blur 1 --seed 9 -o " +
                          quoted(dir / "single3.png") + models, &out) == 0);
  CHECK(test::read_text_file(dir / "single3.png") == test::read_text_file(dir / "out" / "edit.png"));
  CHECK(media::read_image(dir / "out" / "small.jpg").width() == 32);

  // A rerun renders nothing; a changed job renders only its items, and only with --overwrite when
  // its old outputs are in the way.
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "out") + models + " --json", &out) == 0);
  CHECK(test::last_json(out)["skipped"] == 10);
  CHECK(test::last_json(out)["done"] == 0);
  std::string text = test::read_text_file(dir / "jobs.json");
  text.replace(text.find("\"width\": 32"), 11, "\"width\": 16");
  test::write_text_file(dir / "jobs.json", text);
  CHECK(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "out") + models, &out) == 1);
  CHECK_THAT(out, Contains("1 output(s) under") && Contains("small.jpg") && Contains("--overwrite"));
  CHECK(test::count_lines(out) == 1);
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "out") + models + " --overwrite --json", &out) == 0);
  CHECK(test::last_json(out)["done"] == 1);
  CHECK(test::last_json(out)["skipped"] == 9);
  CHECK(media::read_image(dir / "out" / "small.jpg").width() == 16);
  CHECK(hidden_files_under(dir / "out") == 0);
}

TEST_CASE("batch: an invalid job file exits 2 naming the job and field, and failing items exit 3", "[cli][batch]") {
  TempDir dir;
  fs::create_directories(dir / "models");
  test::write_tiny_models(dir / "models");
  const std::string models = " --models-dir " + quoted(dir / "models");
  std::string out;
  auto invalid = [&](const std::string& jobs) {
    test::write_text_file(dir / "bad.json", jobs);
    const int code = run_jielong("batch " + quoted(dir / "bad.json") + " --out " + quoted(dir / "out") + models, &out);
    CHECK(test::count_lines(out) == 1);
    CHECK_FALSE(fs::exists(dir / "out"));
    return code;
  };
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle"}, {"task": "txt2img", "prompt": "a red circle", "cfg_scal": 2}])") == 2);
  CHECK_THAT(out, Contains("jobs[1].cfg_scal: unknown field \"cfg_scal\" for task txt2img; known: ") && Contains("cfg_scale"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle", "steps": "many"}])") == 2);
  CHECK_THAT(out, Contains("jobs[0] item 0: ") && Contains("steps = many"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red dragon"}])") == 2);
  CHECK_THAT(out, Contains("jobs[0] item 0") && Contains("dragon"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle", "count": 4}])") == 2);
  CHECK_THAT(out, Contains("jobs[0].count: a batch item makes one image"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle", "judge": "yes"}])") == 2);
  CHECK_THAT(out, Contains("jobs[0].judge: a switch; write true or false"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle", "model": "nope"}])") == 2);
  CHECK_THAT(out, Contains("jobs[0] item 0") && Contains("nope"));
  CHECK(invalid(R"([{"task": "txt2img", "prompt": "a red circle", "output": "a.mp4"}])") == 2);
  CHECK_THAT(out, Contains("must be an image"));
  CHECK(invalid(R"([{"task": "inpaint", "prompt": "a red circle", "image": "missing.png", "method": "diffusion"}])") == 2);
  CHECK_THAT(out, Contains("jobs[0].image: no such file") && Contains("missing.png"));
  CHECK(invalid("{\"task\": \"txt2img\"\n[") == 2);
  CHECK(run_jielong("batch " + quoted(dir / "none.json") + models, &out) == 2);
  CHECK_THAT(out, Contains("no such job file"));
  CHECK(run_jielong("batch " + quoted(dir / "bad.json") + " --shard 2/2" + models, &out) == 2);
  CHECK_THAT(out, Contains("--shard takes I/N"));

  // An input that is there but broken fails at run time: that item fails, the others are done.
  test::write_text_file(dir / "broken.png", "not a picture");
  media::write_image(dir / "fine.png", media::Image{test::test_pattern(40, 30), {}});
  test::write_text_file(dir / "jobs.jsonl",
                        "{\"task\": \"convert\", \"input\": \"broken.png\", \"output\": \"a.webp\"}\n"
                        "{\"task\": \"convert\", \"input\": \"fine.png\", \"output\": \"b.webp\"}\n");
  CHECK(run_jielong("batch " + quoted(dir / "jobs.jsonl") + " --out " + quoted(dir / "out") + models + " --json", &out) == 3);
  const nlohmann::json result = test::last_json(out);
  CHECK(result["done"] == 1);
  CHECK(result["failed"] == 1);
  CHECK_THAT(result["failures"][0]["where"].get<std::string>(), Contains("jobs.jsonl:1 item 0 -> a.webp"));
  CHECK(fs::exists(dir / "out" / "b.webp"));
  CHECK_FALSE(fs::exists(dir / "out" / "a.webp"));
  CHECK(hidden_files_under(dir / "out") == 0);
}

TEST_CASE("batch: kill -9 mid-run, rerun, and the outputs equal an uninterrupted run's", "[cli][batch][slow]") {
  TempDir dir;
  fs::create_directories(dir / "models");
  test::write_tiny_models(dir / "models");
  // Diffusion with many steps keeps each item long enough to be killed in flight.
  test::write_text_file(dir / "jobs.json", R"([{"task": "txt2img", "prompt": "a red circle", "method": "diffusion",
      "sampler": "euler_a", "steps": 40, "seed": {"from": 0, "count": 12}, "output": "img/{seed}.png"}])");
  const std::string job_file = (dir / "jobs.json").string(), models = (dir / "models").string();
  const fs::path crashed = dir / "crashed", clean = dir / "clean";

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl(JL_BINARY, "jielong", "batch", job_file.c_str(), "--out", crashed.c_str(), "--models-dir", models.c_str(),
            "--threads", "1", "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (lines_in(crashed / "jielong-batch.jsonl") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  // What the kill left: only whole outputs, each recorded (perhaps one record whose rename it cut off),
  // and perhaps the temporary file of the item in flight.
  const auto partial = outputs_under(crashed);
  REQUIRE(partial.size() < 12);
  CHECK(lines_in(crashed / "jielong-batch.jsonl") >= partial.size());
  for (const auto& [name, bytes] : partial) CHECK(media::read_image(crashed / name).width() == 64);

  std::string out;
  REQUIRE(run_jielong("batch '" + job_file + "' --out '" + crashed.string() + "' --models-dir '" + models + "' --json", &out) == 0);
  const nlohmann::json resumed = test::last_json(out);
  CHECK(resumed["skipped"].get<int>() >= 1);
  CHECK(resumed["done"].get<int>() + resumed["skipped"].get<int>() == 12);
  REQUIRE(run_jielong("batch '" + job_file + "' --out '" + clean.string() + "' --models-dir '" + models + "'", &out) == 0);
  CHECK(outputs_under(crashed) == outputs_under(clean));
  CHECK(outputs_under(clean).size() == 12);
  CHECK(hidden_files_under(crashed) == 0);
}

TEST_CASE("batch: shards into one folder equal a single process, byte for byte", "[cli][batch]") {
  TempDir dir;
  fs::create_directories(dir / "models");
  test::write_tiny_models(dir / "models");
  const std::string models = " --models-dir " + quoted(dir / "models");
  test::write_text_file(dir / "jobs.json", R"([{"task": "txt2img", "prompt": ["a red circle", "a blue star"],
      "method": "maskgit", "steps": 2, "seed": {"from": 0, "count": 4}, "output": "{prompt_slug}/{seed}.png"}])");
  std::string out;
  for (int i = 0; i < 3; ++i)
    REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "shared") + " --shard " +
                            std::to_string(i) + "/3" + models, &out) == 0);
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "single") + models, &out) == 0);
  CHECK(outputs_under(dir / "shared").size() == 8);
  CHECK(outputs_under(dir / "shared") == outputs_under(dir / "single"));
  CHECK(lines_in(dir / "shared" / "jielong-batch.shard-0-of-3.jsonl") == 3);
  CHECK(lines_in(dir / "shared" / "jielong-batch.shard-2-of-3.jsonl") == 2);
  // An unsharded rerun over the shards' folder finds everything done.
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "shared") + models + " --json", &out) == 0);
  CHECK(test::last_json(out)["skipped"] == 8);
  // --dry-run lists the plan and renders nothing.
  REQUIRE(run_jielong("batch " + quoted(dir / "jobs.json") + " --out " + quoted(dir / "dry") + " --dry-run" + models, &out) == 0);
  CHECK_THAT(out, Contains("8 to render") && Contains("would render"));
  CHECK_FALSE(fs::exists(dir / "dry"));
}

TEST_CASE("batch: the example job files are valid against the shipped models", "[cli][batch][shipped]") {
  TempDir dir;
  std::string out;
  for (const char* name : {"grid.json", "edit.jsonl"}) {
    INFO(name);
    REQUIRE(run_jielong(std::string("batch '") + JL_SOURCE_DIR + "/examples/" + name + "' --dry-run --json --out " +
                            quoted(dir / "out"), &out) == 0);
    CHECK(test::last_json(out)["items"].get<int>() >= 8);
  }
}
