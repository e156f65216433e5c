// Losses and class weights for imbalanced classification (layer 2).
//
// Shapes: N samples, C classes, d... optional extra axes (pixels of a segmentation map).
// Each loss is defined in losses/imbalance/<name>.cpp with its formula block; the class-weight
// helpers in losses/imbalance/class_weight_util.cpp.
//
// Three ways to give rare classes a voice, all here:
//   focusing     sigmoid_focal_loss, softmax_focal_loss: down-weight the easy (mostly majority)
//                samples by (1 - p_t)^gamma, Lin et al. ICCV 2017.
//   re-weighting class_balanced_loss (Cui et al. CVPR 2019) and the weight helpers below, whose
//                output goes into cross_entropy's `weight` or softmax_focal_loss's `alpha`.
//   resampling   data/resample.h (over/undersampling, class-balanced sampler, SMOTE).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

// ---------------------------------------------------------------- focal losses

struct SigmoidFocalLossOptions {
  double alpha = 0.25;  // weight of the positives (1 - alpha for the negatives); < 0: none
  double gamma = 2.0;   // focusing exponent, >= 0
  Reduction reduction = Reduction::None;  // torchvision's default is 'none'
};
// torchvision.ops.sigmoid_focal_loss: inputs (logits) and targets (in [0, 1], usually 0/1) of the
// same shape; alpha_t (1 - p_t)^gamma BCE-with-logits per element.
Variable sigmoid_focal_loss(const Variable& inputs, const Variable& targets,
                            const SigmoidFocalLossOptions& options = {});

struct SoftmaxFocalLossOptions {
  double gamma = 2.0;                     // focusing exponent, >= 0; 0 gives cross_entropy
  Variable alpha{};                       // optional per-class weights [C] (undefined: all 1)
  std::int64_t ignore_index = -100;       // targets equal to it contribute nothing
  Reduction reduction = Reduction::Mean;  // mean = alpha-weighted mean over non-ignored targets
};
// Multi-class focal loss on logits [N, C] (or [N, C, d...]) and int64 targets [N] ([N, d...]):
// -alpha_y (1 - p_y)^gamma log p_y with log p = log_softmax(input, 1).
Variable softmax_focal_loss(const Variable& input, const Variable& target,
                            const SoftmaxFocalLossOptions& options = {});

// ---------------------------------------------------------------- class-balanced loss

struct ClassBalancedLossOptions {
  std::vector<double> samples_per_class{};  // n_c of the training set, one per class (all > 0)
  double beta = 0.9999;                     // in [0, 1): 0 = no re-weighting, -> 1 = 1 / n_c
  std::string loss_type = "softmax";        // "softmax" | "sigmoid" | "focal"
  double gamma = 2.0;                       // focal only
  Reduction reduction = Reduction::Mean;    // mean = sum / N, as the official code
};
// Cui et al. CVPR 2019: the loss of each sample scaled by its class's weight
// (1 - beta) / (1 - beta^n_y), the weights normalised to sum to C. Logits [N, C], int64 [N].
Variable class_balanced_loss(const Variable& input, const Variable& target,
                             const ClassBalancedLossOptions& options);

// ---------------------------------------------------------------- class-weight helpers
// Not losses: per-class weights [C] to pass as cross_entropy's `weight` or softmax_focal_loss's
// `alpha`. `counts` are the training-set class counts n_c (int64 or float [C], all > 0; a class
// without samples has no finite weight and is an error). n = sum_c n_c.

// int64 [C]: how many labels (int64 [N], each in [0, C)) equal each class.
Tensor class_counts(const Tensor& labels, std::int64_t num_classes);
// scikit-learn's class_weight="balanced": w_c = n / (C n_c). Sum_c n_c w_c = n, so the average
// weight over the training samples is 1 and the loss keeps the scale of the unweighted one.
Tensor inverse_frequency_weights(const Tensor& counts, DType dtype = kFloat32);
// w_c proportional to 1 / sqrt(n_c), normalised like the above: w_c = n / (sqrt(n_c) sum_k
// sqrt(n_k)), so sum_c n_c w_c = n. A milder correction than 1 / n_c.
Tensor inverse_sqrt_frequency_weights(const Tensor& counts, DType dtype = kFloat32);
// Cui et al. 2019: w_c = (1 - beta) / (1 - beta^n_c) = 1 / E_{n_c}, the inverse effective number
// of samples, normalised (as the official code) to sum to C. beta in [0, 1); beta = 0 gives all 1,
// beta -> 1 approaches inverse frequency (normalised to sum to C).
Tensor effective_number_weights(const Tensor& counts, double beta, DType dtype = kFloat32);
std::vector<double> effective_number_weights(const std::vector<double>& counts, double beta);

}  // namespace minidl::losses
