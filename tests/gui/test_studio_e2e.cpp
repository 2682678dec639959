// The studio end to end, as a user drives it: a virtual X display (Xvfb, Mesa's software OpenGL),
// the real `jielong studio` window, and real X input events from xdotool (clicks, typing, a mouse
// drag for the mask, key chords). The window reports where its widgets are (--ui-report), so the
// test knows where to click; every check is on what the studio wrote (PNG files) or reported.
// Screenshots of each step (ffmpeg's x11grab) are kept in build/test-artifacts/gui/.
#include <catch2/catch.hpp>

#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "media_io/image.h"
#include "test_util.h"
#include "world/caption.h"
#include "world/judge.h"

using namespace jl;
using namespace jl::test;
using nlohmann::json;

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Starts `command` with /bin/sh as a child of this process (so that waitpid sees it end).
pid_t spawn(const std::string& command) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// An Xvfb server on the first free display number from 90, stopped at scope exit.
class VirtualDisplay {
 public:
  VirtualDisplay() {
    for (int n = 90; n < 140; ++n) {
      if (fs::exists("/tmp/.X11-unix/X" + std::to_string(n)) || fs::exists("/tmp/.X" + std::to_string(n) + "-lock")) continue;
      number_ = n;
      break;
    }
    REQUIRE(number_ > 0);
    std::string out;
    REQUIRE(run_shell("for p in Xvfb xdotool ffmpeg; do command -v $p; done | wc -l", &out) == 0);
    INFO("Xvfb, xdotool and ffmpeg come from scripts/install-deps.sh");
    REQUIRE(std::stoi(out) == 3);
    pid_ = spawn("Xvfb :" + std::to_string(number_) + " -screen 0 1280x800x24 -nolisten tcp > /dev/null 2>&1");
    for (int i = 0; i < 100 && !fs::exists(socket()); ++i) sleep_ms(100);
    REQUIRE(fs::exists(socket()));
  }
  ~VirtualDisplay() {
    if (pid_ > 0) ::kill(pid_, SIGTERM), ::waitpid(pid_, nullptr, 0);
  }
  std::string name() const { return ":" + std::to_string(number_); }

 private:
  std::string socket() const { return "/tmp/.X11-unix/X" + std::to_string(number_); }
  int number_ = 0;
  pid_t pid_ = 0;
};

// The studio's window on that display, driven with xdotool.
class Studio {
 public:
  // `environment`: more VAR=value words for the studio's environment.
  Studio(const VirtualDisplay& display, const fs::path& dir, const std::string& environment = "") : display_(display.name()), dir_(dir) {
    report_ = dir / "ui.json";
    fs::remove(report_);
    const std::string command = "env DISPLAY=" + display_ + " LIBGL_ALWAYS_SOFTWARE=1 " + environment + " " + std::string(JL_BINARY) +
                                " studio --config-dir " + quoted((dir / "config").string()) + " --output-dir " +
                                quoted((dir / "out").string()) + " --ui-report " + quoted(report_.string()) + " > " +
                                quoted((dir / "studio.log").string()) + " 2>&1";
    pid_ = spawn(command);
    wait_for("the window", [](const json& r) { return r["widgets"].contains("generate"); });
  }
  ~Studio() {
    if (!exited()) ::kill(pid_, SIGKILL), ::waitpid(pid_, nullptr, 0);
  }

  // What the window reported last; empty lists before its first frame.
  json report() const {
    for (int attempt = 0; attempt < 20; ++attempt) {  // written atomically: a read fails only if it vanished
      std::ifstream in(report_);
      if (!in) break;
      try {
        return json::parse(in);
      } catch (const std::exception&) {
        sleep_ms(20);
      }
    }
    return {{"widgets", json::object()}, {"state", json::object()}};
  }
  json state() const { return report()["state"]; }

  json wait_for(const std::string& what, const std::function<bool(const json&)>& done, double seconds = 60) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      if (!alive()) FAIL("the studio ended (exit " << exit_code_ << ") while waiting for " << what << "; log: " << read_text_file(dir_ / "studio.log"));
      const json r = report();
      if (done(r)) return r;
      sleep_ms(100);
    }
    FAIL("timed out waiting for " << what << "; last report: " << report().dump() << "; log: " << read_text_file(dir_ / "studio.log"));
    return {};
  }
  json wait_for_state(const std::string& what, const std::function<bool(const json&)>& done, double seconds = 60) const {
    return wait_for(what, [&](const json& r) { return done(r["state"]); }, seconds)["state"];
  }
  // Waits until `jobs` jobs have finished and returns the state.
  json wait_jobs(int jobs) const {
    return wait_for_state("job " + std::to_string(jobs), [jobs](const json& s) { return s.value("jobs_done", 0) >= jobs && !s["busy"].get<bool>(); });
  }

  // Waits for the widget to be drawn (a popup's items appear a frame after the click that opens it).
  cv::Point centre(const std::string& widget) const {
    const json w = wait_for("widget " + widget, [&](const json& r) { return r["widgets"].contains(widget); }, 10)["widgets"][widget];
    return {(w[0].get<int>() + w[2].get<int>()) / 2, (w[1].get<int>() + w[3].get<int>()) / 2};
  }
  cv::Rect rect(const std::string& widget) const {
    const json w = report()["widgets"][widget];
    return {w[0].get<int>(), w[1].get<int>(), w[2].get<int>() - w[0].get<int>(), w[3].get<int>() - w[1].get<int>()};
  }

  void xdo(const std::string& args) const {
    REQUIRE(run_shell("DISPLAY=" + display_ + " xdotool " + args) == 0);
    sleep_ms(120);  // a few frames: ImGui 1.86 reads key and button state once per frame
  }
  // Waits for a report from a frame drawn after now, so that what an action changed (a panel that
  // grew, a popup that opened) is in the widgets' positions read next.
  void settle() const {
    const int frame = state().value("frame", 0);
    for (int i = 0; i < 100 && alive(); ++i) {  // (the action may have been to quit)
      if (state().value("frame", 0) > frame + 1) return;
      sleep_ms(50);
    }
  }
  void move(cv::Point p) const { xdo("mousemove " + std::to_string(p.x) + " " + std::to_string(p.y)); }
  // Where the widget is once the studio has drawn what came before (typing a prompt shows and hides
  // an unknown-word line below it as the words form, moving the widgets under it), and a frame has
  // seen the pointer over it before the button goes down.
  void click(const std::string& widget) const {
    settle();
    move(centre(widget));
    settle();
    xdo("mousedown 1");
    xdo("mouseup 1");
    settle();
  }
  // A key held for a few frames, as a person presses it.
  void press(const std::string& key) const {
    xdo("keydown " + key);
    xdo("keyup " + key);
  }
  void chord(const std::string& modifiers, const std::string& key) const {
    xdo("keydown " + modifiers + " keydown " + key);
    xdo("keyup " + key + " keyup " + modifiers);
    settle();
  }
  // A chord pressed and released with no time between (`ctrl+Return`): both events reach the studio
  // before its next frame, which must still see the keys down (studio/gui/app.cpp holds the release).
  void tap(const std::string& keys) const {
    xdo("key --delay 0 " + keys);
    settle();
  }
  void replace_text(const std::string& widget, const std::string& text) const {
    click(widget);
    chord("ctrl", "a");
    xdo("type --delay 15 " + quoted(text));
  }
  // Ctrl+click turns an ImGui slider into a text field.
  void set_slider(const std::string& widget, const std::string& value) const {
    settle();
    move(centre(widget));
    xdo("keydown ctrl mousedown 1");
    xdo("mouseup 1 keyup ctrl");
    chord("ctrl", "a");
    xdo("type " + quoted(value));
    press("Return");
  }
  fs::path screenshot(const std::string& name) const {
    const fs::path folder = fs::path(JL_ARTIFACTS_DIR) / "gui";
    fs::create_directories(folder);
    const fs::path file = folder / (name + ".png");
    fs::remove(file);
    REQUIRE(run_shell("ffmpeg -loglevel error -y -f x11grab -video_size 1280x800 -i " + display_ + " -frames:v 1 " + quoted(file.string())) == 0);
    return file;
  }
  bool alive() const { return !exited(); }
  bool exited() const {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_ >= 0;
  }
  int wait_exit(double seconds) const {
    for (int i = 0; i < seconds * 10 && !exited(); ++i) sleep_ms(100);
    return exit_code_;
  }

 private:
  std::string display_;
  fs::path dir_, report_;
  pid_t pid_ = 0;
  mutable int exit_code_ = -1;
};

// A screenshot shows the studio: not blank, and every panel has something drawn in it.
void check_screenshot(const fs::path& file, const Studio& studio) {
  const cv::Mat shot = media::to_rgb8(media::read_image(file)).pixels;
  REQUIRE(shot.cols == 1280);
  cv::Scalar mean, deviation;
  cv::meanStdDev(shot, mean, deviation);
  INFO(file.string());
  CHECK(deviation[0] + deviation[1] + deviation[2] > 20);
  for (const char* panel : {"Generate", "Canvas", "Inpaint", "Upscale", "Gallery", "StatusBar"}) {
    INFO("panel " << panel);
    const cv::Rect r = studio.rect(panel) & cv::Rect(0, 0, shot.cols, shot.rows);
    REQUIRE(r.area() > 1000);
    cv::Mat gray;
    cv::cvtColor(shot(r), gray, cv::COLOR_RGB2GRAY);
    double low = 0, high = 0;
    cv::minMaxLoc(gray, &low, &high);
    CHECK(high - low > 60);  // text and widgets on the panel's background
  }
}

cv::Mat read_rgb(const fs::path& file) { return media::to_rgb8(media::read_image(file)).pixels; }

// Pixels that differ between two pictures where `region` (CV_8UC1) is 0.
int changed_outside(const cv::Mat& region, const cv::Mat& a, const cv::Mat& b) {
  cv::Mat differs;
  cv::absdiff(a, b, differs);
  cv::cvtColor(differs, differs, cv::COLOR_RGB2GRAY);
  return cv::countNonZero((differs > 0) & (region == 0));
}

}  // namespace

TEST_CASE("studio: generate, inpaint, upscale, save and undo with real X input", "[gui][slow]") {
  TempDir dir;
  VirtualDisplay display;
  const std::string prompt = "a large blue square on a white background";
  {
    Studio studio(display, dir.path());
    // The generators and the upscaler load at start (job 1).
    REQUIRE(studio.wait_jobs(1)["message_is_error"] == false);
    check_screenshot(studio.screenshot("01-start"), studio);

    // Generate with MaskGIT, a fixed seed, from the keyboard.
    studio.replace_text("prompt", prompt);
    studio.click("random_seed");  // off: the seed field takes the seed (it is disabled until then)
    studio.wait_for_state("the random seed off", [](const json& s) { return s["random_seed"] == false; }, 10);
    studio.replace_text("seed", "2");
    studio.wait_for_state("seed 2", [](const json& s) { return s["seed"] == 2; }, 10);
    studio.tap("ctrl+Return");
    json state = studio.wait_jobs(2);
    REQUIRE(state["message_is_error"] == false);
    CHECK(state["picture_width"] == 64);
    studio.move(studio.centre("canvas"));
    studio.chord("ctrl", "s");
    state = studio.wait_for_state("the save", [](const json& s) { return !s["last_saved"].get<std::string>().empty(); });
    const fs::path generated = state["last_saved"].get<std::string>();
    check_screenshot(studio.screenshot("02-generated"), studio);
    const media::Image saved = media::read_image(generated);
    REQUIRE(saved.text.count("parameters"));
    CHECK_THAT(saved.text.at("parameters"), Catch::Contains("Seed: 2") && Catch::Contains(prompt));
    const world::Judgement verdict = world::judge_image(media::to_rgb8(saved).pixels, world::parse_prompt(prompt));
    INFO(world::to_json(verdict).dump());
    CHECK(verdict.pass);

    // Paint a stroke across the picture's upper left, save the mask, regenerate the masked region.
    const cv::Rect picture = studio.rect("canvas_picture");
    auto at = [&](double x, double y) { return cv::Point(picture.x + int(x / 64 * picture.width), picture.y + int(y / 64 * picture.height)); };
    studio.move(at(10, 12));
    studio.xdo("mousedown 1");
    for (int x = 12; x <= 30; x += 3) studio.move(at(x, 12 + (x - 10) / 4));
    studio.xdo("mouseup 1");
    state = studio.wait_for_state("the mask", [](const json& s) { return s["has_mask"].get<bool>(); }, 10);
    studio.click("save_mask");
    state = studio.wait_for_state("the mask file", [](const json& s) { return s.contains("last_mask"); }, 10);
    const cv::Mat mask = read_rgb(state["last_mask"].get<std::string>());
    check_screenshot(studio.screenshot("03-mask"), studio);
    studio.click("regenerate");
    state = studio.wait_jobs(3);
    REQUIRE(state["message_is_error"] == false);
    studio.chord("ctrl", "s");
    state = studio.wait_for_state("the second save", [&](const json& s) { return s["last_saved"] != generated.string(); });
    check_screenshot(studio.screenshot("04-regenerated"), studio);
    const cv::Mat before = read_rgb(generated), after = read_rgb(state["last_saved"].get<std::string>());
    // MaskGIT redraws whole 8x8 patches: the mask grown to the patches it touches.
    cv::Mat touched = cv::Mat::zeros(64, 64, CV_8UC1);
    int masked_pixels = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x)
        if (mask.at<cv::Vec3b>(y, x)[0] > 127) {
          touched(cv::Rect(x / 8 * 8, y / 8 * 8, 8, 8)).setTo(255);
          ++masked_pixels;
        }
    CHECK(masked_pixels > 20);
    CHECK(changed_outside(touched, before, after) == 0);

    // The same region again with diffusion: pixels beyond the blurred mask's reach stay as they were.
    studio.click("inpaint_method");
    studio.click("inpaint_method_1");
    studio.click("regenerate");
    state = studio.wait_jobs(4);
    REQUIRE(state["message_is_error"] == false);
    studio.chord("ctrl", "s");
    const fs::path inpainted = state["last_saved"].get<std::string>();
    state = studio.wait_for_state("the diffusion save", [&](const json& s) { return s["last_saved"] != inpainted.string(); });
    const cv::Mat diffused = read_rgb(state["last_saved"].get<std::string>());
    cv::Mat reach;  // the mask grown by 4 sigma of the default 2 px blur
    cv::Mat painted;
    cv::extractChannel(mask, painted, 0);
    cv::dilate(painted > 127, reach, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(17, 17)));
    CHECK(changed_outside(reach, after, diffused) == 0);

    // Upscale x2 with the default upscaler; undo and redo it from the keyboard.
    studio.click("upscale");
    state = studio.wait_jobs(5);
    REQUIRE(state["message_is_error"] == false);
    CHECK(state["picture_width"] == 128);
    check_screenshot(studio.screenshot("05-upscaled"), studio);

    // The canvas: the wheel zooms about the cursor, a right drag pans, the split shows before/after.
    const double zoom = state["canvas_zoom"].get<double>();
    studio.move(studio.centre("canvas"));
    studio.xdo("click 4");
    studio.xdo("click 4");
    state = studio.wait_for_state("the zoom", [&](const json& s) { return s["canvas_zoom"].get<double>() > zoom * 1.3; }, 10);
    const cv::Rect zoomed = studio.rect("canvas_picture");
    const cv::Point from = studio.centre("canvas");
    studio.xdo("mousedown 3");
    for (int step = 1; step <= 4; ++step) studio.move(from + cv::Point(-20 * step, -10 * step));
    studio.xdo("mouseup 3");
    studio.wait_for("the pan", [&](const json& r) { return r["widgets"]["canvas_picture"][0].get<int>() < zoomed.x - 40; }, 10);
    const cv::Rect moved = studio.rect("canvas_picture");
    CHECK(moved.x - zoomed.x == Approx(-80).margin(8));
    CHECK(moved.y - zoomed.y == Approx(-40).margin(8));
    studio.click("canvas_fit");
    studio.click("canvas_split");
    check_screenshot(studio.screenshot("05b-before-after"), studio);
    studio.click("canvas_split");
    studio.move(studio.centre("canvas"));
    studio.chord("ctrl", "z");
    CHECK(studio.wait_for_state("undo", [](const json& s) { return s["picture_width"] == 64; }, 10)["picture_width"] == 64);
    studio.chord("ctrl+shift", "z");
    CHECK(studio.wait_for_state("redo", [](const json& s) { return s["picture_width"] == 128; }, 10)["picture_width"] == 128);
    studio.chord("ctrl", "s");
    state = studio.wait_for_state("the fourth save", [](const json& s) { return s["folder_pictures"].get<int>() >= 4; });
    CHECK(read_rgb(state["last_saved"].get<std::string>()).cols == 128);
    CHECK(state["session_pictures"] == 4);

    // A longer render (diffusion, 16 pictures) while the test only watches the report: the frame time.
    studio.click("method");
    studio.click("method_3");
    studio.set_slider("batch_count", "16");
    studio.click("generate");
    state = studio.wait_jobs(6);
    REQUIRE(state["message_is_error"] == false);
    CHECK(state["session_pictures"] == 4 + 16);
    // The window keeps drawing while the worker renders. How long its frames take is a speed goal,
    // measured in docs/benchmarks.md from this line's figures, not checked here: under `ctest -j`
    // another test shares the two cores and the same frames take longer (56-72 ms beside two busy
    // loops against 31-48 alone).
    WARN("frames while rendering: " << state["busy_frames"] << ", the longest " << state["frame_ms_max_busy"] << " ms");
    CHECK(state["busy_frames"].get<int>() >= 10);

    // The gallery: the batch's second picture (seed 3) opens, and its parameters come back.
    studio.click("session_1");
    studio.click("reuse_parameters");
    state = studio.wait_for_state("the reused parameters", [](const json& s) { return s["seed"] == 3; }, 10);
    CHECK(state["method"] == "diffusion");
    CHECK(state["random_seed"] == false);

    // Again, with a look at the live preview; then Esc cancels it and the studio says so. (A batch
    // of 16 again: the reused parameters are one picture's, whose render can end before the Esc.)
    studio.set_slider("batch_count", "16");
    studio.click("generate");
    studio.wait_for_state("a preview", [](const json& s) { return s.value("showing_preview", false); }, 30);
    check_screenshot(studio.screenshot("06-live-preview"), studio);
    studio.press("Escape");
    state = studio.wait_jobs(7);
    CHECK(state["message"] == "Generate: cancelled");
    CHECK(state["session_pictures"] == 4 + 16);

    // Failures show in the window: an unknown word, an unreadable file.
    studio.replace_text("prompt", "a large blue squircle");
    studio.chord("ctrl", "Return");
    state = studio.wait_for_state("the prompt error", [](const json& s) { return s["message_is_error"].get<bool>(); }, 10);
    CHECK_THAT(state["message"].get<std::string>(), Catch::Contains("squircle"));
    write_text_file(dir / "broken.png", "not a picture");
    studio.chord("ctrl", "o");
    studio.replace_text("open_path", (dir / "broken.png").string());
    studio.press("Return");
    state = studio.wait_for_state("the open error", [](const json& s) { return s["message"].get<std::string>().find("cannot open") != std::string::npos; }, 10);
    CHECK(state["message_is_error"] == true);
    studio.press("Escape");
    studio.replace_text("prompt", prompt);
    check_screenshot(studio.screenshot("07-errors"), studio);

    // Ctrl+Q closes the window and saves the settings.
    studio.chord("ctrl", "q");
    CHECK(studio.wait_exit(15) == 0);
  }
  const std::string settings = read_text_file(dir / "config" / "studio.json");
  CHECK_THAT(settings, Catch::Contains(prompt));
  CHECK(fs::exists(dir / "config" / "imgui.ini"));

  // The next start remembers the prompt and lists the saved pictures.
  Studio again(display, dir.path());
  const json state = again.wait_for_state("the folder", [](const json& s) { return s["folder_pictures"].get<int>() >= 3; }, 20);
  CHECK(state["prompt"] == prompt);
  CHECK(state["message_is_error"] == false);
}

TEST_CASE("studio: a model that is not there is named in the window with how to get it", "[gui][slow]") {
  TempDir dir;
  VirtualDisplay display;
  fs::create_directories(dir / "empty-cache");
  // No UpscalerJS models in this cache: the default upscaler (slim) cannot load.
  Studio studio(display, dir.path(), "JIELONG_CACHE=" + quoted((dir / "empty-cache").string()));
  json state = studio.wait_jobs(1);
  CHECK(state["message_is_error"] == true);
  CHECK_THAT(state["message"].get<std::string>(), Catch::Contains("slim") && Catch::Contains("fetch-upscalerjs.sh"));
  check_screenshot(studio.screenshot("08-missing-model"), studio);
  // Generating still works with the models that are there.
  studio.click("generate");
  state = studio.wait_jobs(2);
  CHECK(state["message_is_error"] == false);
  CHECK(state["picture_width"] == 64);
  studio.click("upscale");
  state = studio.wait_jobs(3);
  CHECK(state["message_is_error"] == true);
  CHECK_THAT(state["message"].get<std::string>(), Catch::Contains("fetch-upscalerjs.sh"));
  CHECK(state["picture_width"] == 64);
}
