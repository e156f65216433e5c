// m-per-class batch sampler (P classes x K samples per batch), the batch layout that batch-hard,
// batch-all and multi-similarity mining need: every anchor has K - 1 positives in its batch and
// (P - 1) K negatives. pytorch-metric-learning calls it MPerClassSampler (K there is m).
//
// It is a data::Sampler: it yields one epoch's index order, and the DataLoader cuts that order
// into batches. So the loader's batch_size must be P * K (batch_size() below) and the epoch length
// is a multiple of it; then every batch is one P x K block:
//   [K samples of class c_1, K samples of class c_2, ..., K samples of class c_P]
// with c_1..c_P distinct.
//
//   data::MPerClassSampler s(train_labels, {.classes_per_batch = 8, .samples_per_class = 4});
//   data::DataLoader loader(x, y, {.batch_size = s.batch_size(),
//                                  .sampler = std::make_shared<data::MPerClassSampler>(s)});
//
// Drawing (seeded per epoch through epoch_generator(seed, epoch), so an epoch's order is a pure
// function of the settings and the epoch number):
//   classes  a queue of shuffled class lists; each batch takes the first P distinct classes from
//            it and a fresh shuffle is appended when fewer than P remain, so over an epoch every
//            class appears equally often, up to one pass of the queue;
//   samples  the same per class: a queue of shuffled copies of the class's samples, K distinct
//            ones taken per visit, so a class's samples are all used before any repeats;
//   a class with fewer than K samples gives K independent uniform draws from its samples (with
//            replacement), as pytorch-metric-learning does: such a block has repeated samples.
// Length: `length` indices per epoch, rounded down to a multiple of P * K (pytorch-metric-
// learning's length_before_new_iter, whose default is 100000); -1 means the number of samples N
// rounded down, so an epoch visits about as many samples as the dataset has, and never less than
// one batch.
#pragma once

#include <cstdint>
#include <vector>

#include "data/sampler.h"
#include "tensor/tensor.h"

namespace minidl::data {

struct MPerClassOptions {
  std::int64_t classes_per_batch = 8;  // P
  std::int64_t samples_per_class = 4;  // K
  std::int64_t length = -1;            // indices per epoch, see above
  std::uint64_t seed = 0;
};

class MPerClassSampler : public Sampler {
 public:
  // labels: int64 [N], any values; at least P distinct classes.
  explicit MPerClassSampler(const Tensor& labels, const MPerClassOptions& options = {});
  std::int64_t size() const override { return length_; }
  Indices indices(std::int64_t epoch) const override;

  // The DataLoader batch_size this sampler needs: P * K.
  std::int64_t batch_size() const {
    return options_.classes_per_batch * options_.samples_per_class;
  }
  std::int64_t num_batches() const { return length_ / batch_size(); }
  std::int64_t num_classes() const { return static_cast<std::int64_t>(classes_.size()); }

 private:
  MPerClassOptions options_;
  std::vector<Indices> classes_;  // dataset positions of each class, classes by label value
  std::int64_t length_ = 0;
};

}  // namespace minidl::data
