#include "train/plplot.h"

#include <csetjmp>
#include <cstdio>
#include <mutex>

#include "tensor/error.h"
#include "tensor/file_util.h"

namespace minidl::train {

#if MINIDL_HAVE_PLPLOT

namespace {

// One lock for all of PLplot's process-wide state; the jump buffer and message belong to the
// render that holds it.
std::mutex g_mutex;
std::jmp_buf g_jump;
char g_error[512];

int on_plexit(PLCHAR_VECTOR message) {
  std::snprintf(g_error, sizeof g_error, "%s", message ? message : "fatal PLplot error");
  std::longjmp(g_jump, 1);
}
// plabort reports a recoverable error and returns; the first one is kept and fails the render.
void on_plabort(PLCHAR_VECTOR message) {
  if (g_error[0] == '\0')
    std::snprintf(g_error, sizeof g_error, "%s", message ? message : "PLplot error");
}

bool has_device(const char* name) {
  const char* menus[128];
  const char* devices[128];
  PLCHAR_VECTOR* pm = menus;
  PLCHAR_VECTOR* pd = devices;
  int n = 128;
  plgDevs(&pm, &pd, &n);
  for (int i = 0; i < n; ++i)
    if (std::string_view(pd[i]) == name) return true;
  return false;
}

// Returns false with g_error set when PLplot failed. Between the setjmp and the end only plain
// data lives in this frame, and setup/draw build nothing with a destructor (plplot.h).
bool render(const char* path, int width, int height, PlotStep draw, PlotStep setup) {
  g_error[0] = '\0';
  PLINT previous = 0, stream = 0;
  plgstrm(&previous);
  plsexit(on_plexit);
  plsabort(on_plabort);
  if (setjmp(g_jump) != 0) {
    plsexit(nullptr);
    plsabort(nullptr);
    plsstrm(previous);
    return false;
  }
  plmkstrm(&stream);
  plsdev("pngcairo");
  plsfnam(path);
  plspage(0, 0, width, height, 0, 0);
  if (setup) setup();
  plinit();
  draw();
  plend1();
  plsexit(nullptr);
  plsabort(nullptr);
  plsstrm(previous);
  return g_error[0] == '\0';
}

}  // namespace

bool plplot_built_in() { return true; }

void render_png(const std::string& png_path, std::string_view op, int width, int height,
                PlotStep draw, PlotStep setup) {
  MINIDL_CHECK(!png_path.empty(), op, ": the output path is empty");
  MINIDL_CHECK(width >= 1 && height >= 1 && width <= 32767 && height <= 32767, op, ": a PNG of ",
               width, "x", height, " pixels for ", png_path,
               " is outside 1x1 .. 32767x32767 (cairo's limit)");
  MINIDL_CHECK(static_cast<bool>(draw), op, ": nothing to draw into ", png_path);
  std::lock_guard<std::mutex> lock(g_mutex);
  MINIDL_CHECK(has_device("pngcairo"), op,
               ": PLplot has no pngcairo device; install the Debian package plplot-driver-cairo");
  AtomicFile tmp(png_path, op, ".png");
  if (!render(tmp.temp_path().c_str(), width, height, draw, setup))
    MINIDL_FAIL(op, ": PLplot failed writing ", png_path, ": ", g_error);
  std::FILE* f = std::fopen(tmp.temp_path().c_str(), "rb");
  const bool wrote = f != nullptr && std::fgetc(f) != EOF;
  if (f) std::fclose(f);
  MINIDL_CHECK(wrote, op, ": PLplot wrote no image for ", png_path);
  tmp.commit();
}

#else  // built without PLplot

bool plplot_built_in() { return false; }

void render_png(const std::string& png_path, std::string_view op, int, int, PlotStep, PlotStep) {
  MINIDL_FAIL(op, ": minidl was built without PLplot (CMake MINIDL_WITH_PLPLOT=OFF), so ", png_path,
              " cannot be drawn");
}

#endif

}  // namespace minidl::train
