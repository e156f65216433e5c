// Data-parallel gradients (layer 4, namespace minidl::dist), after PyTorch's
// DistributedDataParallel and Horovod: every rank holds the whole model, computes the gradient of
// its own shard of the global batch, and the ranks average the gradients before each step, so
// every rank takes the same step from the same parameters.
//
//   dist::broadcast_parameters(model);          // once: every rank starts from rank 0's weights
//   dist::GradientReducer reducer(opt.parameters());
//   loop: zero_grad; backward(loss on the local batch); reducer.reduce(); opt.step();
//
// Averaging, for P ranks with local mean-loss gradients g_r over equal local batches of b samples:
//   g = (1/P) sum_r g_r  = the gradient of the mean loss over the global batch of P b samples.
// Buckets (PyTorch's bucket_cap_mb, Horovod's fusion buffer): the gradients are packed, in
// parameter order, into buckets of at most bucket_bytes (a parameter larger than that is a bucket
// of its own), one bucket per run of parameters of one dtype (float32 travels as MPI_FLOAT,
// float64 as MPI_DOUBLE: no conversion), and each bucket is one collective. Few large buckets pay
// the per-message latency few times; the default 25 MiB is PyTorch's.
// Reduction order:
//   kAllreduce      MPI_Allreduce(SUM) then / P. MPI chooses the order of the sum (ring, tree,
//                   recursive doubling, by message size and P), so for P > 2 two runs may differ
//                   in the last bits.
//   kDeterministic  MPI_Allgather of every rank's bucket, then each rank sums in rank order
//                   ((g_0 + g_1) + g_2) + ... and divides by P: the same bits on every rank and
//                   in every run of the same P, at P times the receive volume.
// A parameter whose gradient is undefined on every rank stays undefined (the optimizer skips it,
// as in one process); undefined on some ranks only, it counts as zeros there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/variable.h"
#include "nn/module.h"

namespace minidl::dist {

// Every rank gets rank root's parameters and buffers (BatchNorm running statistics), in
// named order; the models must have the same structure.
void broadcast_parameters(nn::Module& model, int root = 0);
void broadcast_parameters(const std::vector<Variable>& parameters, int root = 0);
// Rank root's buffers only (BatchNorm's running mean and variance), in place: DDP's
// broadcast_buffers. Each rank's BatchNorm normalises with its own local batch's statistics (as
// DDP without SyncBatchNorm) and so updates its own running statistics; fit() sends rank 0's to
// all after every epoch, so every rank evaluates with the same ones.
void broadcast_buffers(nn::Module& model, int root = 0);

enum class Reduction { kAllreduce, kDeterministic };

struct ReducerOptions {
  std::int64_t bucket_bytes = 25 << 20;  // PyTorch DDP's bucket_cap_mb = 25
  Reduction reduction = Reduction::kAllreduce;
};

// What reduce() did, summed over the calls since the last reset_stats().
struct ReducerStats {
  std::int64_t calls = 0;
  std::int64_t buckets = 0;  // collectives of gradient data (per call: buckets / calls)
  std::int64_t bytes = 0;    // gradient bytes sent into the collectives by this rank
  double comm_seconds = 0;   // inside the collectives (including waiting for other ranks)
  double pack_seconds = 0;   // copying gradients into and out of the buckets
  // "gradient averaging 1.20 ms/step (+0.10 ms copying), 2.0 buckets and 0.94 MB per step"
  std::string summary() const;
};

class GradientReducer {
 public:
  explicit GradientReducer(std::vector<Variable> parameters, const ReducerOptions& options = {});
  // Averages the gradients over the ranks, in place (each parameter's .grad). Every rank calls it
  // once per step. With one rank it leaves the gradients as they are.
  void reduce();
  // Bucket b's parameter range [first, last) into parameters(); the plan is fixed at construction.
  const std::vector<std::pair<std::size_t, std::size_t>>& buckets() const { return buckets_; }
  const std::vector<Variable>& parameters() const { return params_; }
  const ReducerStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 private:
  std::vector<Variable> params_;
  ReducerOptions options_;
  std::vector<std::pair<std::size_t, std::size_t>> buckets_;
  std::vector<float> buf32_, gather32_;
  std::vector<double> buf64_, gather64_;
  ReducerStats stats_;
};

}  // namespace minidl::dist
