#version 330 core
// One triangle larger than the viewport covers every canvas pixel; no vertex buffer is needed.
uniform vec2 u_canvas_size;  // canvas size in pixels
out vec2 v_canvas_px;        // this fragment's position in canvas pixels, y down

void main() {
  vec2 corner = vec2(float((gl_VertexID & 1) << 2), float((gl_VertexID & 2) << 1)) - 1.0;  // (-1,-1) (3,-1) (-1,3)
  v_canvas_px = vec2(corner.x + 1.0, 1.0 - corner.y) * 0.5 * u_canvas_size;
  gl_Position = vec4(corner, 0.0, 1.0);
}
