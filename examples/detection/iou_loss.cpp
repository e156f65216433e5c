// iou_loss example: a small CNN localiser finds the one Fashion-MNIST item on a 64x64 canvas
// (examples/common/localiser.h), trained with losses::iou_loss on the decoded boxes;
// plain IoU: scale-invariant, but a prediction that misses its target entirely gets no gradient.
// Prints the test mean IoU and AP@0.5 before and after, draws test images with their boxes
// (<out>/boxes.png). box_loss_study compares all the box losses over 3 seeds.
//
//   iou_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR] [--corner]
#include "examples/common/localiser.h"
#include "losses/detection.h"

using namespace minidl;

int main(int argc, char** argv) {
  return examples::run_localiser_example(
      argc, argv, "iou_loss",
      [](const Variable&, const Variable& boxes, const Tensor& target, const Tensor&) {
        return losses::iou_loss(boxes, Variable(target), {.reduction = losses::Reduction::Mean});
      });
}
