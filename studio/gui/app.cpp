// Init, loop, shutdown (DESIGN.md convention 7): everything drawn lives in Studio and its panels.
#include "studio/gui/app.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <vector>

#include "core/error.h"
#include "studio/gui/gl.h"

namespace jl::gui {

namespace {

std::string glfw_error;
std::atomic<bool> interrupted{false};

void on_glfw_error(int, const char* description) { glfw_error = description ? description : "unknown error"; }
void on_signal(int) { interrupted = true; }

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* studio = static_cast<Studio*>(glfwGetWindowUserPointer(window));
  std::vector<std::string> files(paths, paths + count);
  if (studio) studio->drop(files);
}

// ImGui 1.86 reads the keys' state once a frame, so a key pressed and released between two frames
// (a quick tap while a frame is slow, a chord typed by a script) is never seen and its shortcut is
// lost; nor is Ctrl+Enter if Ctrl goes up before the next frame. So once a key has gone down since
// the last frame, every release that follows is held back until a frame has seen the keys as they
// were. (ImGui 1.87's input queue does this itself; Debian ships 1.86.) The mouse needs nothing: the
// backend already keeps a click.
struct HeldKeyReleases {
  GLFWkeyfun imgui_callback = nullptr;
  bool pressed = false;                  // a key went down since the last frame
  std::vector<std::array<int, 3>> held;  // key, scancode, mods of each release held back
};
HeldKeyReleases key_releases;

void on_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
  if (action == GLFW_PRESS) key_releases.pressed = true;
  if (action == GLFW_RELEASE && key_releases.pressed) return key_releases.held.push_back({key, scancode, mods});
  if (key_releases.imgui_callback) key_releases.imgui_callback(window, key, scancode, action, mods);
}

// After a frame: the keys it saw go up.
void release_held_keys(GLFWwindow* window) {
  for (const auto& [key, scancode, mods] : key_releases.held)
    if (key_releases.imgui_callback) key_releases.imgui_callback(window, key, scancode, GLFW_RELEASE, mods);
  key_releases.held.clear();
  key_releases.pressed = false;
}

// Closes what was opened, in reverse, however run_studio leaves.
struct WindowSession {
  GLFWwindow* window = nullptr;
  bool imgui = false, backends = false;
  ~WindowSession() {
    if (backends) {
      ImGui_ImplOpenGL3_Shutdown();
      ImGui_ImplGlfw_Shutdown();
    }
    if (imgui) ImGui::DestroyContext();  // (the layout was saved by run_studio, which then unset the path)
    if (window) glfwDestroyWindow(window);
    glfwTerminate();
  }
};

}  // namespace

void run_studio(models::ModelStore& store, const StudioOptions& options) {
  const fs::path config_dir = options.config_dir.empty() ? default_config_dir() : options.config_dir;
  std::string settings_problem;
  StudioSettings settings = load_settings(config_dir / "studio.json", &settings_problem);

  fs::create_directories(config_dir);
  const std::string ini = (config_dir / "imgui.ini").string();  // ImGui keeps the pointer: declared before the session
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit())
    throw Error("cannot open the studio's window: " + glfw_error +
                " (run it in a desktop session, or under a virtual display: `xvfb-run jielong studio`)");
  WindowSession session;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  const int width = std::clamp(settings.window_width, 640, 8192), height = std::clamp(settings.window_height, 480, 8192);
  session.window = glfwCreateWindow(width, height, "Jielong Studio", nullptr, nullptr);
  if (!session.window) throw Error("cannot open the studio's window: " + glfw_error + " (the studio needs OpenGL 3.3)");
  if (settings.window_x >= 0 && settings.window_y >= 0) glfwSetWindowPos(session.window, settings.window_x, settings.window_y);
  glfwMakeContextCurrent(session.window);
  glfwSwapInterval(0);  // frames are paced below; a blocking swap would hide the UI's own frame time

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  session.imgui = true;
  ImGui::GetIO().IniFilename = ini.c_str();
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
  ImGui_ImplGlfw_InitForOpenGL(session.window, true);
  key_releases = {glfwSetKeyCallback(session.window, on_key), false, {}};  // keys reach ImGui through on_key
  ImGui_ImplOpenGL3_Init("#version 330 core");
  session.backends = true;

  Studio studio(store, options, std::move(settings), settings_problem);
  glfwSetWindowUserPointer(session.window, &studio);
  glfwSetDropCallback(session.window, on_drop);
  auto previous_int = std::signal(SIGINT, on_signal);
  auto previous_term = std::signal(SIGTERM, on_signal);

  FrameStats frames;
  bool was_busy = false;
  using clock = std::chrono::steady_clock;
  while (!glfwWindowShouldClose(session.window) && !studio.quit_requested() && !interrupted) {
    // Idle: wake for input or 10 times a second; while a job runs: 30 frames a second for the
    // progress and the preview (each frame costs the job a few ms of the cores).
    glfwWaitEventsTimeout(studio.busy() ? 1.0 / 30 : 0.1);
    const auto started = clock::now();
    const bool busy = studio.busy();
    if (busy && !was_busy) frames.max_busy_ms = 0, frames.busy_frames = 0;  // the figures are per job
    was_busy = busy;
    if (UiReport* report = studio.report()) {
      int x = 0, y = 0;
      glfwGetWindowPos(session.window, &x, &y);
      report->set_origin(x, y);
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    studio.frame(frames);
    ImGui::Render();
    int fb_width = 0, fb_height = 0;
    glfwGetFramebufferSize(session.window, &fb_width, &fb_height);
    glViewport(0, 0, fb_width, fb_height);
    glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(session.window);
    release_held_keys(session.window);
    frames.last_ms = std::chrono::duration<double, std::milli>(clock::now() - started).count();
    if (busy) {
      frames.max_busy_ms = std::max(frames.max_busy_ms, frames.last_ms);
      ++frames.busy_frames;
    }
  }

  studio.shutdown();
  ImGui::SaveIniSettingsToDisk(ini.c_str());  // the panels' layout, saved here once
  ImGui::GetIO().IniFilename = nullptr;        // so that DestroyContext does not save it again
  StudioSettings& remembered = studio.settings();
  glfwGetWindowPos(session.window, &remembered.window_x, &remembered.window_y);
  glfwGetWindowSize(session.window, &remembered.window_width, &remembered.window_height);
  save_settings(config_dir / "studio.json", remembered);
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
}

}  // namespace jl::gui
