// Job files: grids, ranges, defaults, JSON Lines, output templates, input paths, shards, and the
// validation messages that name the job, the field and what is expected.
#include <catch2/catch.hpp>

#include <set>

#include "core/error.h"
#include "studio/batch/job_file.h"

using namespace jl;
using namespace jl::batch;
using Catch::Matchers::Contains;

namespace {

const std::vector<std::string> kTasks = {"txt2img", "inpaint", "convert"};

JobFile parse(const std::string& text) { return parse_job_file(text, "jobs.json", "/data/jobs", kTasks); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a grid expands lists and ranges, the first axis outermost", "[batch]") {
  const JobFile file = parse(R"({"jobs": [{"task": "txt2img", "prompt": ["a red circle", "a blue star"],
      "seed": {"from": 5, "count": 3}, "method": ["maskgit", "diffusion"], "steps": 4,
      "output": "{task}/{prompt_slug}_{method}_{seed}.png"}]})");
  REQUIRE(file.items.size() == 12);
  CHECK(file.items[0].output == "txt2img/a-red-circle_maskgit_5.png");
  CHECK(file.items[1].output == "txt2img/a-red-circle_diffusion_5.png");
  CHECK(file.items[2].output == "txt2img/a-red-circle_maskgit_6.png");
  CHECK(file.items[11].output == "txt2img/a-blue-star_diffusion_7.png");
  CHECK(file.items[11].fields["seed"] == 7);
  CHECK(file.items[11].fields["steps"] == 4);
  CHECK(file.items[11].index == 11);
  CHECK(file.items[11].item == 11);
  CHECK_THAT(file.items[11].where, Contains("jobs[0] item 11"));
  std::set<std::string> hashes;
  for (const BatchItem& item : file.items) hashes.insert(item.params_hash);
  CHECK(hashes.size() == 12);
  // The hash depends only on the item: the same file parsed again gives the same hashes.
  CHECK(parse(R"({"jobs": [{"task": "txt2img", "prompt": ["a red circle", "a blue star"],
      "seed": {"from": 5, "count": 3}, "method": ["maskgit", "diffusion"], "steps": 4,
      "output": "{task}/{prompt_slug}_{method}_{seed}.png"}]})").items[3].params_hash == file.items[3].params_hash);
}

TEST_CASE("defaults apply to every job, per-task defaults to that task's, and a job overrides both", "[batch]") {
  const JobFile file = parse(R"({"defaults": {"seed": 1, "output": "{task}/{job}-{item}.png",
                                               "txt2img": {"method": "diffusion", "steps": 10}},
      "jobs": [{"task": "txt2img", "prompt": "a red circle"},
               {"task": "txt2img", "prompt": "a red circle", "steps": 3, "seed": [8, 9]},
               {"task": "convert", "input": "clip.mp4", "output": "{input_stem}.webm"}]})");
  REQUIRE(file.items.size() == 4);
  CHECK(file.items[0].fields["method"] == "diffusion");
  CHECK(file.items[0].fields["steps"] == 10);
  CHECK(file.items[0].fields["seed"] == 1);
  CHECK(file.items[0].output == "txt2img/0-0.png");
  CHECK(file.items[2].fields["steps"] == 3);
  CHECK(file.items[2].output == "txt2img/1-1.png");
  CHECK(file.items[2].origin.at("steps") == "jobs.json: jobs[1].steps");
  CHECK(file.items[0].origin.at("steps") == "jobs.json: jobs[0] via defaults.txt2img.steps");
  // Input paths are relative to the job file's folder; outputs to the output root.
  CHECK_FALSE(file.items[3].fields.contains("method"));
  CHECK(file.items[3].fields["input"] == "/data/jobs/clip.mp4");
  CHECK(file.items[3].output == "clip.webm");
}

TEST_CASE("JSON Lines: one job per line, a first line of defaults, blank lines skipped", "[batch]") {
  const JobFile file = parse("{\"defaults\": {\"method\": \"ar\"}}\n\n"
                             "{\"task\": \"txt2img\", \"prompt\": \"a red circle\", \"output\": \"a.png\"}\n"
                             "{\"task\": \"inpaint\", \"image\": \"../in.png\", \"mask\": \"/abs/m.png\", \"prompt\": \"a blue star\"}\n");
  REQUIRE(file.items.size() == 2);
  CHECK(file.items[0].fields["method"] == "ar");
  CHECK_THAT(file.items[1].where, Contains("jobs.json:4"));
  CHECK(file.items[1].fields["image"] == "/data/in.png");
  CHECK(file.items[1].fields["mask"] == "/abs/m.png");
  CHECK(file.items[1].output == "inpaint/1-0.png");
  // A bare list of jobs is a job file too; "inputs" is one list, a list of lists is an axis.
  const JobFile list = parse(R"([{"task": "convert", "inputs": [["a.png", "b.png"], ["c.png"]], "output": "{item}.mp4"},
                                 {"task": "convert", "inputs": ["a.png", "b.png"], "output": "x.mp4"}])");
  REQUIRE(list.items.size() == 3);
  CHECK(list.items[1].fields["inputs"] == nlohmann::ordered_json::array({"/data/jobs/c.png"}));
  CHECK(list.items[2].fields["inputs"].size() == 2);
}

TEST_CASE("every problem in a job file is one message naming where and what is expected", "[batch]") {
  CHECK_THAT(error_of("  \n"), Contains("jobs.json: the job file is empty"));
  CHECK_THAT(error_of("{\"task\": \"txt2img\"\n{"), Contains("jobs.json:1: not valid JSON"));
  CHECK_THAT(error_of(R"({"jobs": {"task": "txt2img"}})"), Contains("\"jobs\" must be a list"));
  CHECK_THAT(error_of(R"({"jobs": [], "extra": 1})"), Contains("unknown top-level key \"extra\""));
  CHECK_THAT(error_of(R"({"jobs": []})"), Contains("no jobs"));
  CHECK_THAT(error_of(R"([{"prompt": "a red circle"}])"), Contains("jobs[0]: every job needs \"task\""));
  CHECK_THAT(error_of(R"([{"task": "paint"}])"), Contains("jobs[0].task: unknown task \"paint\"; one of txt2img, inpaint, convert"));
  CHECK_THAT(error_of(R"([{"task": "txt2img"}, {"task": "txt2img", "seed": []}])"), Contains("jobs[1].seed: an empty list"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "seed": {"from": -1, "count": 2}}])"), Contains("jobs[0].seed: an object value must be a range"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "seed": [1, [2]]}])"), Contains("jobs[0].seed: every value of a grid list"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "seed": null}])"), Contains("jobs[0].seed: expected a string, number"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "seed": [1, 2], "output": "x.png"}])"),
             Contains("jobs[0] item 1 and jobs.json: jobs[0] item 0 both write x.png"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "output": "{sampler}.png"}])"),
             Contains("jobs[0].output: {sampler} in \"{sampler}.png\" is neither a field this job sets"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "output": "../up.png"}])"), Contains("must be a relative path inside the output root"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "output": "/tmp/x.png"}])"), Contains("must be a relative path"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "output": "{seed"}])"), Contains("an unclosed '{'"));
  CHECK_THAT(error_of(R"({"defaults": {"task": "txt2img"}, "jobs": [{"task": "txt2img"}]})"), Contains("cannot set the task"));
  CHECK_THAT(error_of(R"([{"task": "inpaint", "image": 3}])"), Contains("jobs[0].image: a file name"));
  CHECK_THAT(error_of(R"([{"task": "txt2img", "seed": {"from": 0, "count": 1001}, "steps": {"from": 0, "count": 1000}}])"),
             Contains("more than 1000000 items"));
}

TEST_CASE("shards partition the items: disjoint, covering, balanced", "[batch]") {
  const JobFile file = parse(R"([{"task": "txt2img", "seed": {"from": 0, "count": 10}, "output": "{seed}.png"},
                                 {"task": "txt2img", "seed": {"from": 0, "count": 7}, "output": "b{seed}.png"}])");
  REQUIRE(file.items.size() == 17);
  for (int n : {1, 2, 3, 5, 17, 20}) {
    std::multiset<int> seen;
    for (int i = 0; i < n; ++i) {
      const std::vector<BatchItem> part = shard(file.items, i, n);
      CHECK(int(part.size()) <= (17 + n - 1) / n);
      for (const BatchItem& item : part) seen.insert(item.index);
    }
    CHECK(seen.size() == 17);
    CHECK(std::set<int>(seen.begin(), seen.end()).size() == 17);
  }
}

TEST_CASE("slugs are file-name safe", "[batch]") {
  CHECK(slug("A  red circle, in the TOP left!") == "a-red-circle-in-the-top-left");
  CHECK(slug("../../etc") == "etc");
  CHECK(slug("") == "empty");
  CHECK(slug(std::string(100, 'a')).size() == 60);
  CHECK(slug("a small blue star above a large yellow square on a black background") ==
        "a-small-blue-star-above-a-large-yellow-square-on-a-black");
}
