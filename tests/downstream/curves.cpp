// Training curves with and without PLplot, as a user's program sees them. minidl::train passes
// MINIDL_HAVE_PLPLOT (1 or 0, how minidl was built) on to its users. With PLplot, fit's plot_path
// gives a PNG; without, training runs as before, the curves are skipped with a note ("note: minidl
// was built without PLplot; ...", which scripts/downstream looks for) and an explicit render is a
// minidl::Error saying so. Exits 0 when what happened matches how minidl was built.
#include <minidl/minidl.h>
#include <minidl/train/plplot.h>

#include <cstdio>
#include <filesystem>
#include <string>

using namespace minidl;

int main(int argc, char** argv) {
  const std::string png = argc > 1 ? argv[1] : "curves.png";
  std::filesystem::remove(png);
  Generator gen(0);
  Tensor x = rand({128, 1}, gen, kFloat32, -1.0, 1.0);
  Tensor y = mul(x, 3.0);
  nn::Linear model(1, 1, gen);
  optim::SGD optimizer(model.parameters(), {.lr = 0.1});
  data::DataLoader loader(x, y, {.batch_size = 32});
  train::History h = train::fit(
      model, optimizer, loader,
      {.epochs = 3, .loss_fn = losses::mse_loss, .metrics = {}, .plot_path = png, .verbose = 2});
  const bool drawn = std::filesystem::exists(png);
  std::printf("curves: MINIDL_HAVE_PLPLOT=%d, plplot_built_in() %d, %s %s, mse %.4f -> %.4f\n",
              MINIDL_HAVE_PLPLOT, train::plplot_built_in() ? 1 : 0, png.c_str(),
              drawn ? "drawn" : "not drawn", h.loss().front(), h.loss().back());
  if (drawn != static_cast<bool>(MINIDL_HAVE_PLPLOT) ||
      train::plplot_built_in() != static_cast<bool>(MINIDL_HAVE_PLPLOT))
    return 1;
#if !MINIDL_HAVE_PLPLOT
  try {
    train::render_png(png, "curves", 64, 64, [] {});
    std::printf("curves: render_png without PLplot did not throw\n");
    return 1;
  } catch (const Error& e) {
    std::printf("curves: render_png: %s\n", e.what());
  }
#endif
  return h.loss().back() < h.loss().front() ? 0 : 1;
}
