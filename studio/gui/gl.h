// OpenGL 3.3 core entry points. libGL (glvnd) exports them, so the prototypes are enough; no loader.
#pragma once

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
