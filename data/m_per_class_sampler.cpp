// m-per-class batch sampler (drawing and length rules in data/m_per_class_sampler.h).
#include "data/m_per_class_sampler.h"

#include <algorithm>
#include <deque>
#include <string>

namespace minidl::data {
namespace {

// Uniform integer in [0, n).
std::int64_t below(Generator& gen, std::int64_t n) {
  return std::min(n - 1, static_cast<std::int64_t>(gen.uniform() * static_cast<double>(n)));
}

void shuffle(Indices& v, Generator& gen) {
  for (std::int64_t i = static_cast<std::int64_t>(v.size()) - 1; i > 0; --i)
    std::swap(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(below(gen, i + 1))]);
}

// Takes the first m distinct values from the front of q (skipped duplicates stay queued, in
// order) and appends them to out. The caller guarantees q holds m distinct values.
void take_distinct(std::deque<std::int64_t>& q, std::int64_t m, Indices& out) {
  const std::size_t start = out.size();
  for (auto it = q.begin(); static_cast<std::int64_t>(out.size() - start) < m;) {
    if (std::find(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), *it) == out.end()) {
      out.push_back(*it);
      it = q.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

MPerClassSampler::MPerClassSampler(const Tensor& labels, const MPerClassOptions& options)
    : options_(options) {
  const char* op = "MPerClassSampler";
  MINIDL_CHECK(options.classes_per_batch >= 1 && options.samples_per_class >= 1, op,
               ": classes_per_batch and samples_per_class must be >= 1, got ",
               options.classes_per_batch, " and ", options.samples_per_class);
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, op,
               ": labels must be int64 [N], got ",
               labels.defined()
                   ? std::string(dtype_name(labels.dtype())) + " " + shape_str(labels.shape())
                   : std::string("an undefined tensor"));
  const std::int64_t n = labels.size(0);
  const std::int64_t* y = labels.data<std::int64_t>();
  Indices values(y, y + n);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  classes_.resize(values.size());
  for (std::int64_t i = 0; i < n; ++i)
    classes_[static_cast<std::size_t>(std::lower_bound(values.begin(), values.end(), y[i]) -
                                      values.begin())]
        .push_back(i);
  MINIDL_CHECK(num_classes() >= options.classes_per_batch, op, ": ", options.classes_per_batch,
               " classes per batch, but the labels have only ", num_classes(), " classes");
  const std::int64_t bs = batch_size();
  MINIDL_CHECK(options.length == -1 || options.length >= bs, op,
               ": length must be -1 or >= P * K = ", bs, ", got ", options.length);
  length_ = options.length == -1 ? std::max(bs, n / bs * bs) : options.length / bs * bs;
}

Indices MPerClassSampler::indices(std::int64_t epoch) const {
  Generator gen = epoch_generator(options_.seed, epoch);
  const std::int64_t p = options_.classes_per_batch, k = options_.samples_per_class;
  std::deque<std::int64_t> class_queue;
  std::vector<std::deque<std::int64_t>> sample_queue(classes_.size());
  Indices out, picked;
  out.reserve(static_cast<std::size_t>(length_));
  for (std::int64_t b = 0; b < num_batches(); ++b) {
    if (static_cast<std::int64_t>(class_queue.size()) < p) {
      Indices all(classes_.size());
      for (std::size_t c = 0; c < all.size(); ++c) all[c] = static_cast<std::int64_t>(c);
      shuffle(all, gen);
      class_queue.insert(class_queue.end(), all.begin(), all.end());
    }
    picked.clear();
    take_distinct(class_queue, p, picked);
    for (std::int64_t c : picked) {
      const Indices& members = classes_[static_cast<std::size_t>(c)];
      const auto size = static_cast<std::int64_t>(members.size());
      if (size < k) {  // too few to fill K distinct slots: draw with replacement
        for (std::int64_t s = 0; s < k; ++s)
          out.push_back(members[static_cast<std::size_t>(below(gen, size))]);
        continue;
      }
      std::deque<std::int64_t>& q = sample_queue[static_cast<std::size_t>(c)];
      if (static_cast<std::int64_t>(q.size()) < k) {
        Indices fresh = members;
        shuffle(fresh, gen);
        q.insert(q.end(), fresh.begin(), fresh.end());
      }
      take_distinct(q, k, out);
    }
  }
  return out;
}

}  // namespace minidl::data
