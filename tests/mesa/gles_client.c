/* A small GBM + EGL + GLES2 client: renders N frames into a 64x64 FBO on a render node
 * and reads one pixel back. Used to check that unmodified mesa (freedreno) runs on a
 * given render node: drm-shim, the forwarded msmvirt node, or real hardware.
 *
 *   gles_client [-n FRAMES] [-c] [RENDER_NODE]      (defaults: 60, /dev/dri/renderD128)
 *
 * Prints GL_RENDERER=, GL_VERSION=, frames=, pixel=r,g,b,a (and a few more lines) and
 * exits 0 only if every EGL/GL call succeeded.  The corner pixel (0,0) is touched by
 * the clear only, so it must read back as that frame's clear colour; it is read after
 * a third, two thirds and all of the frames ("check frame=F pixel=... expected=...").
 * With -c a wrong pixel fails the run (exit 4): on a node whose GPU executes the
 * clears and copies.  drm-shim executes nothing, so it is run without -c. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <gbm.h>

#define FB_SIZE 64

static const char *egl_err_str(EGLint e)
{
	switch (e) {
	case EGL_SUCCESS: return "EGL_SUCCESS";
	case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
	case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
	case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
	case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
	case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
	case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
	case EGL_BAD_CURRENT_SURFACE: return "EGL_BAD_CURRENT_SURFACE";
	case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
	case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
	case EGL_BAD_NATIVE_PIXMAP: return "EGL_BAD_NATIVE_PIXMAP";
	case EGL_BAD_NATIVE_WINDOW: return "EGL_BAD_NATIVE_WINDOW";
	case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
	case EGL_BAD_SURFACE: return "EGL_BAD_SURFACE";
	case EGL_CONTEXT_LOST: return "EGL_CONTEXT_LOST";
	default: return "EGL_?";
	}
}

#define EGL_FAIL(what) \
	do { \
		EGLint e_ = eglGetError(); \
		fprintf(stderr, "gles_client: %s failed: %s (0x%x)\n", what, egl_err_str(e_), e_); \
		return 1; \
	} while (0)

static int gl_check(const char *what)
{
	GLenum e = glGetError();
	if (e == GL_NO_ERROR)
		return 0;
	fprintf(stderr, "gles_client: GL error 0x%x after %s\n", e, what);
	while (glGetError() != GL_NO_ERROR)
		;
	return 1;
}

static int has_ext(const char *list, const char *ext)
{
	size_t n = strlen(ext);
	const char *p = list;
	while (p && (p = strstr(p, ext))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static GLuint compile(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;
	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[1024] = "";
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fprintf(stderr, "gles_client: shader compile failed: %s\n", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

static const char vs_src[] =
	"attribute vec2 pos;\n"
	"void main() { gl_Position = vec4(pos, 0.0, 1.0); }\n";
static const char fs_src[] =
	"precision mediump float;\n"
	"uniform vec4 color;\n"
	"void main() { gl_FragColor = color; }\n";

static void frame_color(int frame, float c[4])
{
	c[0] = (float)(frame % 256) / 255.0f;
	c[1] = (float)((frame * 7) % 256) / 255.0f;
	c[2] = (float)((frame * 13) % 256) / 255.0f;
	c[3] = 1.0f;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: gles_client [-n FRAMES] [-c] [RENDER_NODE]\n");
}

int main(int argc, char **argv)
{
	const char *node = "/dev/dri/renderD128";
	int frames = 60;
	int check_pixels = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 1000000) {
				usage();
				return 2;
			}
			frames = (int)v;
		} else if (!strcmp(argv[i], "-c")) {
			check_pixels = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (argv[i][0] == '-') {
			usage();
			return 2;
		} else {
			node = argv[i];
		}
	}

	int fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "gles_client: open %s: %s\n", node, strerror(errno));
		return 1;
	}

	struct gbm_device *gbm = gbm_create_device(fd);
	if (!gbm) {
		fprintf(stderr, "gles_client: gbm_create_device failed\n");
		return 1;
	}
	printf("gbm_backend=%s\n", gbm_device_get_backend_name(gbm));

	/* EGL 1.5 eglGetPlatformDisplay, else the EXT entry point. */
	EGLDisplay dpy = EGL_NO_DISPLAY;
	const char *cexts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	PFNEGLGETPLATFORMDISPLAYPROC get_platform_display =
		(PFNEGLGETPLATFORMDISPLAYPROC)eglGetProcAddress("eglGetPlatformDisplay");
	if (get_platform_display) {
		dpy = get_platform_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	} else if (cexts && has_ext(cexts, "EGL_EXT_platform_base")) {
		PFNEGLGETPLATFORMDISPLAYEXTPROC get_ext =
			(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
		if (get_ext)
			dpy = get_ext(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	}
	if (dpy == EGL_NO_DISPLAY)
		EGL_FAIL("eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR)");

	EGLint major = 0, minor = 0;
	if (!eglInitialize(dpy, &major, &minor))
		EGL_FAIL("eglInitialize");
	printf("EGL_VERSION=%d.%d\n", major, minor);
	printf("EGL_VENDOR=%s\n", eglQueryString(dpy, EGL_VENDOR));
	const char *dexts = eglQueryString(dpy, EGL_EXTENSIONS);
	int surfaceless = dexts && has_ext(dexts, "EGL_KHR_surfaceless_context");

	if (!eglBindAPI(EGL_OPENGL_ES_API))
		EGL_FAIL("eglBindAPI(EGL_OPENGL_ES_API)");

	/* First config that renders GLES2 (and, for the gbm-surface fallback, is a window
	 * config with an XRGB8888/ARGB8888 visual). */
	EGLint nconf = 0;
	if (!eglGetConfigs(dpy, NULL, 0, &nconf) || nconf < 1)
		EGL_FAIL("eglGetConfigs");
	EGLConfig *confs = calloc((size_t)nconf, sizeof(*confs));
	if (!confs || !eglGetConfigs(dpy, confs, nconf, &nconf))
		EGL_FAIL("eglGetConfigs");
	EGLConfig conf = NULL;
	for (EGLint i = 0; i < nconf && !conf; i++) {
		EGLint rt = 0, st = 0, vid = 0, r = 0, a = 0;
		eglGetConfigAttrib(dpy, confs[i], EGL_RENDERABLE_TYPE, &rt);
		eglGetConfigAttrib(dpy, confs[i], EGL_SURFACE_TYPE, &st);
		eglGetConfigAttrib(dpy, confs[i], EGL_NATIVE_VISUAL_ID, &vid);
		eglGetConfigAttrib(dpy, confs[i], EGL_RED_SIZE, &r);
		eglGetConfigAttrib(dpy, confs[i], EGL_ALPHA_SIZE, &a);
		if (!(rt & EGL_OPENGL_ES2_BIT) || r != 8)
			continue;
		if (!surfaceless && (!(st & EGL_WINDOW_BIT) ||
				     (vid != GBM_FORMAT_XRGB8888 && vid != GBM_FORMAT_ARGB8888)))
			continue;
		conf = confs[i];
	}
	free(confs);
	if (!conf) {
		fprintf(stderr, "gles_client: no GLES2-capable EGL config\n");
		return 1;
	}

	/* GLES 3 if the driver gives it, else GLES 2: the client only needs GLES 2 calls. */
	static const EGLint ctx3[] = { EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE };
	static const EGLint ctx2[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, conf, EGL_NO_CONTEXT, ctx3);
	if (ctx == EGL_NO_CONTEXT)
		ctx = eglCreateContext(dpy, conf, EGL_NO_CONTEXT, ctx2);
	if (ctx == EGL_NO_CONTEXT)
		EGL_FAIL("eglCreateContext");

	EGLSurface surf = EGL_NO_SURFACE;
	struct gbm_surface *gsurf = NULL;
	if (!surfaceless) {
		EGLint vid = 0;
		eglGetConfigAttrib(dpy, conf, EGL_NATIVE_VISUAL_ID, &vid);
		gsurf = gbm_surface_create(gbm, FB_SIZE, FB_SIZE, (uint32_t)vid,
					   GBM_BO_USE_RENDERING);
		if (!gsurf) {
			fprintf(stderr, "gles_client: gbm_surface_create failed\n");
			return 1;
		}
		surf = eglCreateWindowSurface(dpy, conf, (EGLNativeWindowType)gsurf, NULL);
		if (surf == EGL_NO_SURFACE)
			EGL_FAIL("eglCreateWindowSurface(gbm_surface)");
	}
	if (!eglMakeCurrent(dpy, surf, surf, ctx))
		EGL_FAIL("eglMakeCurrent");
	printf("surface=%s\n", surfaceless ? "surfaceless" : "gbm");

	printf("GL_VENDOR=%s\n", (const char *)glGetString(GL_VENDOR));
	printf("GL_RENDERER=%s\n", (const char *)glGetString(GL_RENDERER));
	printf("GL_VERSION=%s\n", (const char *)glGetString(GL_VERSION));
	fflush(stdout);

	/* 64x64 RGBA texture as the colour attachment of an FBO. */
	GLuint tex = 0, fbo = 0;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, FB_SIZE, FB_SIZE, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (status != GL_FRAMEBUFFER_COMPLETE) {
		fprintf(stderr, "gles_client: framebuffer incomplete: 0x%x\n", status);
		return 1;
	}
	if (gl_check("FBO setup"))
		return 1;

	GLuint vs = compile(GL_VERTEX_SHADER, vs_src);
	GLuint fs = compile(GL_FRAGMENT_SHADER, fs_src);
	if (!vs || !fs)
		return 1;
	GLuint prog = glCreateProgram();
	glAttachShader(prog, vs);
	glAttachShader(prog, fs);
	glBindAttribLocation(prog, 0, "pos");
	glLinkProgram(prog);
	GLint linked = 0;
	glGetProgramiv(prog, GL_LINK_STATUS, &linked);
	if (!linked) {
		char log[1024] = "";
		glGetProgramInfoLog(prog, sizeof(log), NULL, log);
		fprintf(stderr, "gles_client: program link failed: %s\n", log);
		return 1;
	}
	GLint color_loc = glGetUniformLocation(prog, "color");

	/* A triangle that covers the centre but not the corner pixel (0,0). */
	static const GLfloat tri[] = { -0.5f, -0.5f, 0.5f, -0.5f, 0.0f, 0.5f };
	GLuint vbo = 0;
	glGenBuffers(1, &vbo);
	glBindBuffer(GL_ARRAY_BUFFER, vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(tri), tri, GL_STATIC_DRAW);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, NULL);
	glEnableVertexAttribArray(0);
	glUseProgram(prog);
	glViewport(0, 0, FB_SIZE, FB_SIZE);
	if (gl_check("pipeline setup"))
		return 1;

	double t0 = now_ms(), t_read = 0;
	int done = 0, checks = 0, matches = 0;
	float c[4] = { 0 };
	GLubyte px[4] = { 0 };
	for (int f = 0; f < frames; f++) {
		frame_color(f, c);
		glClearColor(c[0], c[1], c[2], c[3]);
		glClear(GL_COLOR_BUFFER_BIT);
		glUniform4f(color_loc, 1.0f - c[0], 1.0f - c[1], 1.0f - c[2], 1.0f);
		glDrawArrays(GL_TRIANGLES, 0, 3);
		glFlush(); /* one submit per frame, like a frame loop */
		if (gl_check("frame"))
			return 1;
		done++;
		/* Read the corner back after a third, two thirds and the last frame: several
		 * colours, and the GPU must be done with each before the CPU looks. */
		if (f != frames / 3 && f != 2 * frames / 3 && f != frames - 1)
			continue;
		double r0 = now_ms();
		memset(px, 0, sizeof(px));
		glReadPixels(0, 0, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
		glFinish();
		if (gl_check("glReadPixels/glFinish"))
			return 1;
		t_read += now_ms() - r0;
		unsigned want[4];
		for (int k = 0; k < 4; k++)
			want[k] = (unsigned)(c[k] * 255.0f + 0.5f);
		int ok = px[0] == want[0] && px[1] == want[1] && px[2] == want[2] &&
			 px[3] == want[3];
		printf("check frame=%d pixel=%u,%u,%u,%u expected=%u,%u,%u,%u %s\n", f, px[0],
		       px[1], px[2], px[3], want[0], want[1], want[2], want[3],
		       ok ? "match" : "MISMATCH");
		checks++;
		matches += ok;
	}
	double t1 = now_ms() - t_read;

	printf("frames=%d\n", done);
	printf("frame_ms=%.3f\n", done ? (t1 - t0) / done : 0.0);
	printf("pixel=%u,%u,%u,%u\n", px[0], px[1], px[2], px[3]);
	printf("expected_clear=%u,%u,%u,%u\n", (unsigned)(c[0] * 255.0f + 0.5f),
	       (unsigned)(c[1] * 255.0f + 0.5f), (unsigned)(c[2] * 255.0f + 0.5f),
	       (unsigned)(c[3] * 255.0f + 0.5f));
	printf("pixel_checks=%d/%d\n", matches, checks);

	glDeleteBuffers(1, &vbo);
	glDeleteProgram(prog);
	glDeleteShader(vs);
	glDeleteShader(fs);
	glDeleteFramebuffers(1, &fbo);
	glDeleteTextures(1, &tex);
	if (gl_check("cleanup"))
		return 1;
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	if (surf != EGL_NO_SURFACE)
		eglDestroySurface(dpy, surf);
	eglDestroyContext(dpy, ctx);
	if (!eglTerminate(dpy))
		EGL_FAIL("eglTerminate");
	if (gsurf)
		gbm_surface_destroy(gsurf);
	gbm_device_destroy(gbm);
	close(fd);
	printf("result=ok\n");
	if (check_pixels && matches != checks) {
		fprintf(stderr, "gles_client: %d of %d read-back pixels are not the clear colour\n",
			checks - matches, checks);
		return 4;
	}
	return 0;
}
