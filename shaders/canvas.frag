#version 330 core
// The canvas: picture pixel = (canvas pixel - offset) / zoom.
uniform sampler2D u_picture;   // RGB, the current picture (or the live preview)
uniform sampler2D u_before;    // RGB, the picture before the last change (split view)
uniform sampler2D u_mask;      // R, 1 = regenerate
uniform vec2 u_picture_size;   // of u_picture, in pixels
uniform vec2 u_before_size;
uniform vec2 u_offset;         // canvas pixel of the picture's top-left corner
uniform float u_zoom;          // canvas pixels per picture pixel
uniform int u_nearest;         // 1: nearest (pixel-peeping), 0: bilinear
uniform float u_split;         // canvas x of the before/after line; < 0: no split
uniform float u_mask_opacity;  // 0: mask hidden
uniform vec3 u_mask_color;
in vec2 v_canvas_px;
out vec4 frag_color;

vec3 sample_picture(sampler2D tex, vec2 size, vec2 p) {
  if (u_nearest == 1) return texelFetch(tex, ivec2(clamp(floor(p), vec2(0.0), size - 1.0)), 0).rgb;
  return texture(tex, p / size).rgb;
}

void main() {
  vec2 p = (v_canvas_px - u_offset) / u_zoom;  // picture pixels
  if (p.x < 0.0 || p.y < 0.0 || p.x >= u_picture_size.x || p.y >= u_picture_size.y) {
    // Outside the picture: a dim checkerboard of 8 canvas pixels.
    float check = mod(floor(v_canvas_px.x / 8.0) + floor(v_canvas_px.y / 8.0), 2.0);
    frag_color = vec4(vec3(0.13 + 0.04 * check), 1.0);
    return;
  }
  bool before = u_split >= 0.0 && v_canvas_px.x < u_split;
  vec3 color = before ? sample_picture(u_before, u_before_size, p * u_before_size / u_picture_size)
                      : sample_picture(u_picture, u_picture_size, p);
  if (!before && u_mask_opacity > 0.0) {
    float m = u_nearest == 1 ? texelFetch(u_mask, ivec2(floor(p)), 0).r : texture(u_mask, p / u_picture_size).r;
    color = mix(color, u_mask_color, m * u_mask_opacity);
  }
  if (u_split >= 0.0 && abs(v_canvas_px.x - u_split) < 1.0) color = vec3(1.0, 0.85, 0.2);
  frag_color = vec4(color, 1.0);
}
