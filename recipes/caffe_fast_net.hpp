// The `fast` variant's folding, for inference on the CPU: a batch norm with stored
// statistics, a per-channel scale and a ReLU that work in place on a convolution's output,
// right after it, become part of that convolution's forward pass (one scale and shift per
// output channel, then the ReLU, applied as its output is finished), and their own CPU
// forward passes are skipped.
// In MobileNet-SSD every convolution but the heads' is followed so: three passes over each
// activation saved. The recipe copies this file to include/caffe/fast/caffe_fast_net.hpp;
// its patch op calls fold_inference_layers at the end of Net::Init.
//
// Only in the TEST phase, and only for layers that need no backward pass (a deploy net's,
// with no loss): Backward would need the unfolded values. The GPU runs the layers as they
// are. Running a net partly (Forward to the convolution itself) gives the folded output.
#ifndef CAFFE_FAST_NET_HPP_
#define CAFFE_FAST_NET_HPP_

#include <string>
#include <vector>

#include "caffe/fast/caffe_fast_layers.hpp"
#include "caffe/layers/conv_layer.hpp"
#include "caffe/net.hpp"

namespace caffe {
namespace fast {

// Whether layer `i` of `net` exists, is of type `type`, works in place on `blob` alone, and
// needs no backward pass.
template <typename Dtype>
bool works_in_place_on(const Net<Dtype>& net, size_t i, const Blob<Dtype>* blob,
                       const std::string& type) {
  if (i >= net.layers().size() || type != net.layers()[i]->type()) return false;
  const std::vector<Blob<Dtype>*>& bottom = net.bottom_vecs()[i];
  const std::vector<Blob<Dtype>*>& top = net.top_vecs()[i];
  return bottom.size() == 1 && top.size() == 1 && bottom[0] == blob && top[0] == blob &&
         !net.layer_need_backward()[i];
}

// A batch norm over `blob`'s channels that uses its stored statistics.
template <typename Dtype>
bool fold_batch_norm_at(const Net<Dtype>& net, size_t i, const Blob<Dtype>* blob,
                        InferenceFold<Dtype>* fold) {
  if (!works_in_place_on(net, i, blob, "BatchNorm")) return false;
  const BatchNormParameter& param = net.layers()[i]->layer_param().batch_norm_param();
  const bool stored_statistics =
      param.has_use_global_stats() ? param.use_global_stats() : net.phase() == TEST;
  const std::vector<shared_ptr<Blob<Dtype> > >& blobs = net.layers()[i]->blobs();
  if (!stored_statistics || blobs.size() != 3 || blobs[0]->count() != blob->shape(1) ||
      blobs[1]->count() != blob->shape(1) || blobs[2]->count() < 1)
    return false;
  fold->fold_batch_norm(param.eps(), blobs);
  return true;
}

// A scale (and shift) per channel of `blob`, held in the layer's own blobs.
template <typename Dtype>
bool fold_scale_at(const Net<Dtype>& net, size_t i, const Blob<Dtype>* blob,
                   InferenceFold<Dtype>* fold) {
  if (!works_in_place_on(net, i, blob, "Scale")) return false;
  const ScaleParameter& param = net.layers()[i]->layer_param().scale_param();
  const std::vector<shared_ptr<Blob<Dtype> > >& blobs = net.layers()[i]->blobs();
  const int channels = blob->shape(1);
  if (blob->CanonicalAxisIndex(param.axis()) != 1 || blobs.empty() || blobs.size() > 2 ||
      blobs[0]->count() != channels || (blobs.size() == 2 && blobs[1]->count() != channels))
    return false;
  fold->fold_scale(blobs);
  return true;
}

template <typename Dtype>
bool fold_relu_at(const Net<Dtype>& net, size_t i, const Blob<Dtype>* blob,
                  InferenceFold<Dtype>* fold) {
  if (!works_in_place_on(net, i, blob, "ReLU")) return false;
  fold->fold_relu(net.layers()[i]->layer_param().relu_param().negative_slope());
  return true;
}

// Folds, after each convolution, what follows it in place: a batch norm, then a scale, then
// a ReLU, each optional but in that order.
template <typename Dtype>
void fold_inference_layers(Net<Dtype>* net) {
  if (net->phase() != TEST) return;
  const std::vector<shared_ptr<Layer<Dtype> > >& layers = net->layers();
  int convolutions = 0, folded = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    ConvolutionLayer<Dtype>* convolution = dynamic_cast<ConvolutionLayer<Dtype>*>(layers[i].get());
    if (!convolution || net->layer_need_backward()[i] || net->top_vecs()[i].size() != 1 ||
        net->top_vecs()[i][0]->num_axes() != 4)
      continue;
    const Blob<Dtype>* output = net->top_vecs()[i][0];
    InferenceFold<Dtype>* fold = convolution->mutable_inference_fold();
    size_t next = i + 1;
    if (fold_batch_norm_at(*net, next, output, fold)) ++next;
    if (fold_scale_at(*net, next, output, fold)) ++next;
    if (fold_relu_at(*net, next, output, fold)) ++next;
    for (size_t j = i + 1; j < next; ++j) layers[j]->set_folded_into_previous(true);
    convolutions += next > i + 1;
    folded += static_cast<int>(next - i - 1);
  }
  LOG_IF(INFO, folded > 0 && Caffe::root_solver())
      << "caffe_variant=fast: on the CPU, " << convolutions << " convolutions also do the "
      << folded << " batch norm, scale and ReLU layers after them";
}

}  // namespace fast
}  // namespace caffe

#endif  // CAFFE_FAST_NET_HPP_
