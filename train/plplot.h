// The one door to PLplot (layer 4): every PNG of minidl (curves, bar charts, bands, boxes, GAN
// samples, the examples' and benchmarks' pictures) is rendered through render_png, and this is
// the only header that includes <plplot.h> (scripts/lint's "plplot" rule).
//
// What the door does, once for everyone:
//   - one global lock: PLplot's stream state, colour maps and handlers are process-wide, so two
//     threads rendering at once would draw into each other's page;
//   - the pngcairo device (Debian's plplot-driver-cairo; checked, with a message naming the
//     package), the page size, a new stream restored to the previous one afterwards;
//   - the output goes to a unique temporary file beside the target (PLplot prompts on stdin when
//     it cannot open its file, so the file exists before PLplot starts), renamed over the target
//     only when PLplot succeeded (tensor/file_util.h AtomicFile): a failed render leaves the old
//     file;
//   - PLplot's fatal errors call exit() unless the exit handler never returns: the door's handler
//     longjmps back into the door, which throws minidl::Error "<op>: PLplot failed writing <path>:
//     <PLplot's message>". The longjmp skips the frames of `setup` and `draw`, so they must build
//     nothing with a destructor (no std::vector, std::string, Tensor): prepare all data before
//     calling render_png and capture it by reference; PLplot calls on that data are all they do.
//
// Built without PLplot (CMake MINIDL_WITH_PLPLOT=OFF defines MINIDL_HAVE_PLPLOT=0), this header
// includes no PLplot but no-op stand-ins for the calls the callers make (so they compile
// unchanged), plplot_built_in() is false and render_png throws minidl::Error "<op>: minidl was
// built without PLplot ...": an explicit request for a picture fails loudly, while callers whose
// picture is a by-product (train::fit's curves) check plplot_built_in() first and print a note
// instead. Undefined, MINIDL_HAVE_PLPLOT is 1, so a build that does not set it is unchanged.
#pragma once

#ifndef MINIDL_HAVE_PLPLOT
#define MINIDL_HAVE_PLPLOT 1
#endif

#if MINIDL_HAVE_PLPLOT
#include <plplot/plplot.h>
#else
#include <cstdint>
// Without PLplot the drawing code of every caller still compiles against these stand-ins: its
// types, the constants the callers use, and each drawing call as a no-op. They never run, since
// render_png throws before calling setup or draw.
using PLFLT = double;
using PLINT = std::int32_t;
using PLCHAR_VECTOR = const char*;
enum : PLINT {
  PL_POSITION_LEFT = 0x1,
  PL_POSITION_RIGHT = 0x2,
  PL_POSITION_TOP = 0x4,
  PL_POSITION_BOTTOM = 0x8,
  PL_POSITION_INSIDE = 0x10,
  PL_POSITION_OUTSIDE = 0x20,
  PL_POSITION_VIEWPORT = 0x40,
  PL_LEGEND_COLOR_BOX = 0x2,
  PL_LEGEND_LINE = 0x4,
  PL_LEGEND_SYMBOL = 0x8,
  PL_LEGEND_BACKGROUND = 0x20,
  PL_LEGEND_BOUNDING_BOX = 0x40,
};
inline void plfill(PLINT, const PLFLT*, const PLFLT*) {}  // also passed to plshades
#define MINIDL_PLPLOT_NO_OP(name) \
  template <typename... Args>     \
  inline void name(Args&&...) {}
MINIDL_PLPLOT_NO_OP(pladv)
MINIDL_PLPLOT_NO_OP(plbox)
MINIDL_PLPLOT_NO_OP(plcol0)
MINIDL_PLPLOT_NO_OP(plgchr)
MINIDL_PLPLOT_NO_OP(plgspa)
MINIDL_PLPLOT_NO_OP(plimage)
MINIDL_PLPLOT_NO_OP(pllab)
MINIDL_PLPLOT_NO_OP(pllegend)
MINIDL_PLPLOT_NO_OP(plline)
MINIDL_PLPLOT_NO_OP(pllsty)
MINIDL_PLPLOT_NO_OP(plmtex)
MINIDL_PLPLOT_NO_OP(plpoin)
MINIDL_PLPLOT_NO_OP(plptex)
MINIDL_PLPLOT_NO_OP(plschr)
MINIDL_PLPLOT_NO_OP(plscmap0)
MINIDL_PLPLOT_NO_OP(plscmap0a)
MINIDL_PLPLOT_NO_OP(plscmap1l)
MINIDL_PLPLOT_NO_OP(plscmap1n)
MINIDL_PLPLOT_NO_OP(plscol0)
MINIDL_PLPLOT_NO_OP(plscolbg)
MINIDL_PLPLOT_NO_OP(plshades)
MINIDL_PLPLOT_NO_OP(plssub)
MINIDL_PLPLOT_NO_OP(plstring)
MINIDL_PLPLOT_NO_OP(plvpor)
MINIDL_PLPLOT_NO_OP(plwidth)
MINIDL_PLPLOT_NO_OP(plwind)
#undef MINIDL_PLPLOT_NO_OP
#endif

#include <string>
#include <string_view>
#include <type_traits>

namespace minidl::train {

// A non-owning, trivially destructible reference to a callable `void()` (so a longjmp past it
// skips nothing). The callable must outlive the call it is passed to (a lambda argument does).
class PlotStep {
 public:
  PlotStep() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, PlotStep>>>
  PlotStep(F&& f)  // NOLINT(google-explicit-constructor): lambdas convert implicitly
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o) { (*static_cast<std::remove_reference_t<F>*>(o))(); }) {}
  explicit operator bool() const { return call_ != nullptr; }
  void operator()() const { call_(object_); }

 private:
  void* object_ = nullptr;
  void (*call_)(void*) = nullptr;
};

// True when minidl was compiled with PLplot (MINIDL_HAVE_PLPLOT).
bool plplot_built_in();

// Renders one PNG of width x height pixels at png_path: under the lock, makes a stream on the
// pngcairo device writing to a temporary file, runs `setup` (what PLplot reads as it starts:
// colour maps, subpages, background), starts the page, runs `draw` (pladv and the drawing), ends
// it and renames the file over png_path. Errors are minidl::Error prefixed with `op`, naming
// png_path.
void render_png(const std::string& png_path, std::string_view op, int width, int height,
                PlotStep draw, PlotStep setup = {});

}  // namespace minidl::train
