// The token generators on the shipped checkpoints, each figure a ratio against a baseline measured in
// the same run (issue 4's speed goals), plus the holdout accuracy that any speed-up must keep:
//   1. AR with the KV cache vs recomputing the prefix for every token (same tokens, batch 1);
//   2. speculative decoding (ar_draft proposes, ar verifies) vs plain AR at the same temperature;
//   3. MaskGIT-8 vs AR, one image at a time (what `-n 1` waits for) and in batches of 25;
//   4. images per second of each method, and judge accuracy on the holdout prompts.
// Usage: bench_tokens [--count N] (holdout prompts for the accuracy rows; default 500).
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/holdout_eval.h"

using namespace jl;

namespace {

nlohmann::json run(models::ModelStore& store, Txt2ImgParams p, int count, int batch) {
  HoldoutParams h;
  h.generation = p;
  h.count = count;
  h.batch = batch;
  return evaluate_txt2img_holdout(h, store);
}

Txt2ImgParams method(Txt2ImgMethod m) {
  Txt2ImgParams p;
  p.method = m;
  return p;
}

void row(const char* name, const nlohmann::json& r) {
  std::printf("| %-34s | %4d | %6.1f%% | %6.1f%% | %6.1f%% | %8.3f |\n", name, r["count"].get<int>(),
              100 * r["accuracy"].get<double>(), 100 * r["one_object"]["accuracy"].get<double>(),
              100 * r["two_object"]["accuracy"].get<double>(), r["images_per_second"].get<double>());
  std::fflush(stdout);
}

double ips(const nlohmann::json& r) { return r["images_per_second"].get<double>(); }

}  // namespace

int main(int argc, char** argv) {
  int count = 500;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--count")) count = std::atoi(argv[i + 1]);
  set_threads(0);
  torch::NoGradGuard no_grad;
  models::ModelStore store;
  std::printf("threads: %d\n\n", threads());

  // 1. KV cache (5 images: the baseline is slow by design).
  const Txt2ImgParams ar = method(Txt2ImgMethod::Ar);
  Txt2ImgParams no_cache = ar;
  no_cache.kv_cache = false;
  const nlohmann::json cached1 = run(store, ar, 5, 1), recomputed1 = run(store, no_cache, 5, 1);
  std::printf("AR, batch 1: KV cache %.3f img/s, recompute %.3f img/s: %.1fx\n", ips(cached1), ips(recomputed1),
              ips(cached1) / ips(recomputed1));

  // 2. Speculative vs plain AR, batch 1, both at the default temperature.
  Txt2ImgParams speculative = ar;
  speculative.draft = "ar_draft";
  const nlohmann::json plain20 = run(store, ar, 20, 1), spec20 = run(store, speculative, 20, 1);
  std::printf("AR, batch 1: speculative %.3f img/s (acceptance %.1f%%), plain %.3f img/s: %.2fx\n", ips(spec20),
              100 * spec20["acceptance_rate"].get<double>(), ips(plain20), ips(spec20) / ips(plain20));

  // 3. MaskGIT-8 vs AR, batch 1.
  const nlohmann::json maskgit20 = run(store, method(Txt2ImgMethod::MaskGit), 20, 1);
  std::printf("batch 1: MaskGIT-8 %.3f img/s, AR %.3f img/s: %.2fx\n\n", ips(maskgit20), ips(plain20),
              ips(maskgit20) / ips(plain20));

  // 4. Holdout accuracy and throughput in batches of 25.
  std::printf("| method | prompts | overall | one object | two objects | img/s |\n|---|---|---|---|---|---|\n");
  const nlohmann::json maskgit = run(store, method(Txt2ImgMethod::MaskGit), count, 25);
  row("maskgit, 8 steps, batch 25", maskgit);
  const nlohmann::json plain = run(store, ar, count, 25);
  row("ar (KV cache), batch 25", plain);
  Txt2ImgParams greedy = ar;
  greedy.temperature = 0;
  row("ar greedy, batch 25", run(store, greedy, count, 25));
  row("ar + speculative (ar_draft), batch 1", run(store, speculative, std::min(count, 100), 1));
  std::printf("\nMaskGIT-8 vs AR in batches of 25: %.2fx, accuracy %+.1f points\n", ips(maskgit) / ips(plain),
              100 * (maskgit["accuracy"].get<double>() - plain["accuracy"].get<double>()));
  std::printf("\nper clause (maskgit | ar):\n");
  for (const auto& [kind, tally] : maskgit["clauses"].items())
    std::printf("  %-10s %6.1f%% | %6.1f%%\n", kind.c_str(), 100 * tally["accuracy"].get<double>(),
                100 * plain["clauses"][kind]["accuracy"].get<double>());
  return 0;
}
