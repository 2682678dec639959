#include "studio/gui/canvas_renderer.h"

#include <string>

#include "core/error.h"
#include "shaders_embedded.h"
#include "studio/gui/gl.h"

namespace jl::gui {

namespace {

// The GL log of a shader or program that failed to build (GL_COMPILE_STATUS / GL_LINK_STATUS 0).
template <class GetStatus, class GetLog>
std::string build_problem(GLuint object, GLenum status, GetStatus get_status, GetLog get_log) {
  GLint ok = 0;
  get_status(object, status, &ok);
  if (ok) return {};
  char log[2048] = {};
  get_log(object, GLsizei(sizeof log), nullptr, log);
  return log[0] ? log : "no log";
}

GLuint compile(GLenum kind, const char* source, const char* name) {
  const GLuint shader = glCreateShader(kind);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  const std::string problem = build_problem(shader, GL_COMPILE_STATUS, glGetShaderiv, glGetShaderInfoLog);
  if (!problem.empty()) {
    glDeleteShader(shader);
    throw Error(std::string("shader ") + name + " does not compile: " + problem);
  }
  return shader;
}

}  // namespace

CanvasRenderer::CanvasRenderer() {
  const GLuint vertex = compile(GL_VERTEX_SHADER, shaders::k_canvas_vert, "canvas.vert");
  const GLuint fragment = compile(GL_FRAGMENT_SHADER, shaders::k_canvas_frag, "canvas.frag");
  program_ = glCreateProgram();
  glAttachShader(program_, vertex);
  glAttachShader(program_, fragment);
  glLinkProgram(program_);
  glDeleteShader(vertex);
  glDeleteShader(fragment);
  const std::string problem = build_problem(program_, GL_LINK_STATUS, glGetProgramiv, glGetProgramInfoLog);
  if (!problem.empty()) throw Error("canvas shaders do not link: " + problem);
  glGenVertexArrays(1, &vertex_array_);  // core profile draws need one, even without attributes
  glGenFramebuffers(1, &framebuffer_);
  glGenTextures(1, &target_);
}

CanvasRenderer::~CanvasRenderer() {
  glDeleteTextures(1, &target_);
  glDeleteFramebuffers(1, &framebuffer_);
  glDeleteVertexArrays(1, &vertex_array_);
  glDeleteProgram(program_);
}

void* CanvasRenderer::render(int width, int height, const CanvasView& view) {
  if (width < 1 || height < 1 || picture_.empty()) return nullptr;
  GLint previous_framebuffer = 0, previous_viewport[4];  // ImGui's, put back at the end
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_framebuffer);
  glGetIntegerv(GL_VIEWPORT, previous_viewport);
  if (width != target_width_ || height != target_height_) {
    glBindTexture(GL_TEXTURE_2D, target_);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, target_, 0);
    target_width_ = width;
    target_height_ = height;
  }
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glViewport(0, 0, width, height);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glUseProgram(program_);

  const Texture& before = before_.empty() ? picture_ : before_;
  const Texture* units[] = {&picture_, &before, mask_.empty() ? &picture_ : &mask_};
  const char* samplers[] = {"u_picture", "u_before", "u_mask"};
  for (int i = 0; i < 3; ++i) {
    glActiveTexture(GL_TEXTURE0 + i);
    glBindTexture(GL_TEXTURE_2D, units[i]->id());
    glUniform1i(glGetUniformLocation(program_, samplers[i]), i);
  }
  glActiveTexture(GL_TEXTURE0);
  glUniform2f(glGetUniformLocation(program_, "u_canvas_size"), float(width), float(height));
  glUniform2f(glGetUniformLocation(program_, "u_picture_size"), float(picture_.width()), float(picture_.height()));
  glUniform2f(glGetUniformLocation(program_, "u_before_size"), float(before.width()), float(before.height()));
  glUniform2f(glGetUniformLocation(program_, "u_offset"), view.offset_x, view.offset_y);
  glUniform1f(glGetUniformLocation(program_, "u_zoom"), view.zoom);
  glUniform1i(glGetUniformLocation(program_, "u_nearest"), view.nearest ? 1 : 0);
  glUniform1f(glGetUniformLocation(program_, "u_split"), before_.empty() ? -1.0f : view.split);
  glUniform1f(glGetUniformLocation(program_, "u_mask_opacity"), mask_.empty() ? 0.0f : view.mask_opacity);
  glUniform3f(glGetUniformLocation(program_, "u_mask_color"), 1.0f, 0.15f, 0.35f);
  glBindVertexArray(vertex_array_);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(0);
  glUseProgram(0);

  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous_framebuffer));
  glViewport(previous_viewport[0], previous_viewport[1], previous_viewport[2], previous_viewport[3]);
  return reinterpret_cast<void*>(static_cast<intptr_t>(target_));
}

}  // namespace jl::gui
