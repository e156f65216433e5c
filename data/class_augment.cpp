// Minority-class augmentation (see class_augment.h for the definition). The copies of one class are
// gathered with one index_select and transformed in one call, so a transform that draws per
// sample (all of data/transforms.h) gives each copy its own flip, crop offset and noise.
#include "data/class_augment.h"

#include <algorithm>
#include <vector>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::data {

Resampled augment_minority(const Tensor& x, const Tensor& labels, const Transform& transform,
                           const ClassAugmentOptions& o) {
  constexpr const char* kOp = "augment_minority";
  MINIDL_CHECK(x.defined() && labels.defined(), kOp, ": x or labels is undefined");
  MINIDL_CHECK(labels.dtype() == kInt64 && labels.dim() == 1, kOp,
               ": labels must be int64 [N], got ", dtype_name(labels.dtype()), " ",
               shape_str(labels.shape()));
  MINIDL_CHECK(x.dim() >= 1 && x.size(0) == labels.numel(), kOp, ": x ", shape_str(x.shape()),
               " and labels ", shape_str(labels.shape()), " differ in N");
  MINIDL_CHECK(labels.numel() > 0, kOp, ": the data set is empty");
  const std::vector<std::int64_t> y = labels.values<std::int64_t>();
  std::map<std::int64_t, std::vector<std::int64_t>> members;  // class -> its rows, ascending
  for (std::size_t i = 0; i < y.size(); ++i) members[y[i]].push_back(static_cast<std::int64_t>(i));
  std::map<std::int64_t, std::int64_t> targets = o.target_counts;
  if (targets.empty()) {
    std::size_t largest = 0;
    for (const auto& [c, rows] : members) largest = std::max(largest, rows.size());
    for (const auto& [c, rows] : members) targets[c] = static_cast<std::int64_t>(largest);
  }
  for (const auto& [c, target] : targets) {
    MINIDL_CHECK(target >= 0, kOp, ": target count of class ", c, " must be >= 0, got ", target);
    MINIDL_CHECK(members.count(c) > 0 || target == 0, kOp, ": class ", c,
                 " has no sample to augment (target count ", target, ")");
  }
  Generator gen(o.seed);
  std::vector<Tensor> xs = {x};
  std::vector<std::int64_t> y_new;
  for (const auto& [c, target] : targets) {
    if (members.count(c) == 0) continue;
    const std::vector<std::int64_t>& rows = members[c];
    const auto have = static_cast<std::int64_t>(rows.size());
    if (have >= target) continue;
    std::vector<std::int64_t> drawn(static_cast<std::size_t>(target - have));
    for (auto& d : drawn)
      d = rows[static_cast<std::size_t>(gen.next_u64() % static_cast<std::uint64_t>(have))];
    const auto own = o.class_transforms.find(c);
    const Transform& t = own != o.class_transforms.end() ? own->second : transform;
    MINIDL_CHECK(static_cast<bool>(t), kOp, ": no transform for class ", c);
    const Tensor copies = index_select(x, 0, from_vector(drawn));
    Tensor augmented = t(copies, gen);
    MINIDL_CHECK(augmented.shape() == copies.shape(), kOp, ": the transform of class ", c,
                 " changed the shape ", shape_str(copies.shape()), " to ",
                 shape_str(augmented.shape()));
    xs.push_back(augmented.dtype() == x.dtype() ? augmented : augmented.to(x.dtype()));
    y_new.insert(y_new.end(), drawn.size(), c);
  }
  if (y_new.empty()) return {x, labels, 0};
  std::vector<std::int64_t> y_all = y;
  y_all.insert(y_all.end(), y_new.begin(), y_new.end());
  return {concat(xs, 0), from_vector(y_all), static_cast<std::int64_t>(y_new.size())};
}

}  // namespace minidl::data
