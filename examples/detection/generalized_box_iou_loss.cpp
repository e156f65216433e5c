// generalized_box_iou_loss example: a small CNN localiser finds the one Fashion-MNIST item on a
// 64x64 canvas (examples/common/localiser.h), trained with losses::generalized_box_iou_loss on the
// decoded boxes; GIoU: the enclosing box's empty area pulls even disjoint predictions towards the
// target. Prints the test mean IoU and AP@0.5 before and after, draws test images with their boxes
// (<out>/boxes.png). box_loss_study compares all the box losses over 3 seeds.
//
//   generalized_box_iou_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR] [--corner]
#include "examples/common/localiser.h"
#include "losses/detection.h"

using namespace minidl;

int main(int argc, char** argv) {
  return examples::run_localiser_example(
      argc, argv, "generalized_box_iou_loss",
      [](const Variable&, const Variable& boxes, const Tensor& target, const Tensor&) {
        return losses::generalized_box_iou_loss(boxes, Variable(target),
                                                {.reduction = losses::Reduction::Mean});
      });
}
