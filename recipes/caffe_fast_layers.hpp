// Connects caffe_fast_kernels.hpp to Caffe's layers in the `fast` variant. The recipe copies
// this file to include/caffe/fast/caffe_fast_layers.hpp, and its patch ops call it from
// ConvolutionLayer::Forward_cpu/_gpu and BatchNormLayer::Forward_cpu/_gpu: where a call
// returns true, it has done the layer's forward pass; where false, the stock code runs. It
// also holds what caffe_fast_net.hpp folds into a convolution. Backward passes stay stock.
#ifndef CAFFE_FAST_LAYERS_HPP_
#define CAFFE_FAST_LAYERS_HPP_

#include <vector>

#include "caffe/blob.hpp"
#include "caffe/common.hpp"
#include "caffe/fast/caffe_fast_kernels.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {
namespace fast {

// A repeated size field of ConvolutionParameter (kernel_size, stride, pad, dilation) with
// its _h/_w overrides, for spatial dimension `axis` (0: height, 1: width).
inline int conv_size(const google::protobuf::RepeatedField<google::protobuf::uint32>& sizes,
                     bool has_hw, int h, int w, int axis, int fallback) {
  if (has_hw) return axis == 0 ? h : w;
  if (sizes.size() == 0) return fallback;
  return static_cast<int>(sizes.Get(sizes.size() == 1 ? 0 : axis));
}

// The depthwise shape of a convolution over `bottom`, or false when the direct kernels do
// not apply (another group count, N-D or a non-default axis, or forced N-D im2col).
inline bool depthwise_shape(const ConvolutionParameter& p, const std::vector<int>& bottom,
                            caffe_fast::DepthwiseShape* s) {
  if (bottom.size() != 4 || p.axis() != 1 || p.force_nd_im2col()) return false;
  if (p.kernel_size_size() > 2 || p.stride_size() > 2 || p.pad_size() > 2 || p.dilation_size() > 2)
    return false;
  s->num = bottom[0];
  s->channels = bottom[1];
  s->height = bottom[2];
  s->width = bottom[3];
  const bool kernel_hw = p.has_kernel_h() || p.has_kernel_w();
  const bool stride_hw = p.has_stride_h() || p.has_stride_w();
  const bool pad_hw = p.has_pad_h() || p.has_pad_w();
  s->kernel_h = conv_size(p.kernel_size(), kernel_hw, p.kernel_h(), p.kernel_w(), 0, 0);
  s->kernel_w = conv_size(p.kernel_size(), kernel_hw, p.kernel_h(), p.kernel_w(), 1, 0);
  s->stride_h = conv_size(p.stride(), stride_hw, p.stride_h(), p.stride_w(), 0, 1);
  s->stride_w = conv_size(p.stride(), stride_hw, p.stride_h(), p.stride_w(), 1, 1);
  s->pad_h = conv_size(p.pad(), pad_hw, p.pad_h(), p.pad_w(), 0, 0);
  s->pad_w = conv_size(p.pad(), pad_hw, p.pad_h(), p.pad_w(), 1, 0);
  s->dilation_h = conv_size(p.dilation(), false, 0, 0, 0, 1);
  s->dilation_w = conv_size(p.dilation(), false, 0, 0, 1, 1);
  return caffe_fast::depthwise_applies(static_cast<int>(p.group()), bottom[1],
                                       static_cast<int>(p.num_output()), *s);
}

// What a convolution's CPU forward pass convolves with (its own weights) and how it then
// finishes each output channel: its bias, or the batch norm and scale folded into it, and
// the activation.
template <typename Dtype>
struct ConvolutionWeights {
  const Dtype* weight;
  caffe_fast::Epilogue<Dtype> epilogue;
};

// What Net::Init folded into a convolution for inference (caffe_fast_net.hpp): the blobs of
// the in-place batch norm and scale after it, and an in-place ReLU. They become a scale and
// a shift per output channel, computed from those blobs in every CPU forward pass (one
// value per channel), so that weights loaded or changed after Init are never stale; the
// convolution's own weights are used as they are.
template <typename Dtype>
class InferenceFold {
 public:
  void fold_batch_norm(float eps, const std::vector<shared_ptr<Blob<Dtype> > >& blobs) {
    mean_ = blobs[0];
    variance_ = blobs[1];
    stored_factor_ = blobs[2];
    eps_ = static_cast<Dtype>(eps);
  }
  // The scale layer's blobs: the scale, and the shift when it has a bias term.
  void fold_scale(const std::vector<shared_ptr<Blob<Dtype> > >& blobs) {
    scale_ = blobs[0];
    if (blobs.size() > 1) shift_ = blobs[1];
  }
  void fold_relu(float negative_slope) {
    activation_.relu = true;
    activation_.negative_slope = negative_slope;
  }

  // The convolution's `blobs` (weights, then bias when `bias_term`) with the fold applied.
  ConvolutionWeights<Dtype> apply(const std::vector<shared_ptr<Blob<Dtype> > >& blobs,
                                  bool bias_term) {
    ConvolutionWeights<Dtype> weights;
    weights.weight = blobs[0]->cpu_data();
    weights.epilogue.shift = bias_term ? blobs[1]->cpu_data() : NULL;
    weights.epilogue.activation = activation_;
    if (!mean_ && !scale_) return weights;
    const int outputs = blobs[0]->shape(0);
    channel_scale_.resize(outputs);
    channel_shift_.resize(outputs);
    caffe_fast::affine_of(outputs, weights.epilogue.shift, normalization(), &channel_scale_[0],
                          &channel_shift_[0]);
    weights.epilogue.scale = &channel_scale_[0];
    weights.epilogue.shift = &channel_shift_[0];
    return weights;
  }

 private:
  caffe_fast::Normalization<Dtype> normalization() const {
    caffe_fast::Normalization<Dtype> n;
    if (mean_) {
      const Dtype stored = stored_factor_->cpu_data()[0];
      n.mean = mean_->cpu_data();
      n.variance = variance_->cpu_data();
      n.factor = stored == 0 ? Dtype(0) : Dtype(1) / stored;
      n.eps = eps_;
    }
    if (scale_) n.scale = scale_->cpu_data();
    if (shift_) n.shift = shift_->cpu_data();
    return n;
  }

  shared_ptr<Blob<Dtype> > mean_, variance_, stored_factor_, scale_, shift_;
  Dtype eps_ = 0;
  caffe_fast::Activation activation_;
  std::vector<Dtype> channel_scale_, channel_shift_;
};

// ConvolutionLayer's CPU forward pass through the direct depthwise kernel, when it applies.
template <typename Dtype>
bool depthwise_forward_cpu(const ConvolutionParameter& param,
                           const ConvolutionWeights<Dtype>& weights,
                           const std::vector<Blob<Dtype>*>& bottom,
                           const std::vector<Blob<Dtype>*>& top) {
  caffe_fast::DepthwiseShape shape;
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!depthwise_shape(param, bottom[i]->shape(), &shape)) return false;
  }
  for (size_t i = 0; i < bottom.size(); ++i) {
    depthwise_shape(param, bottom[i]->shape(), &shape);
    caffe_fast::depthwise_forward_cpu(shape, bottom[i]->cpu_data(), weights.weight,
                                      weights.epilogue, top[i]->mutable_cpu_data());
  }
  return true;
}

// ConvolutionLayer's GPU forward pass through the direct depthwise kernel, when it applies.
// Nothing is folded on the GPU: the layers after it run as they are.
template <typename Dtype>
bool depthwise_forward_gpu(const ConvolutionParameter& param,
                           const std::vector<shared_ptr<Blob<Dtype> > >& blobs,
                           const std::vector<Blob<Dtype>*>& bottom,
                           const std::vector<Blob<Dtype>*>& top) {
  caffe_fast::DepthwiseShape shape;
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!depthwise_shape(param, bottom[i]->shape(), &shape)) return false;
  }
#ifndef CPU_ONLY
  const bool has_bias = param.bias_term() && blobs.size() > 1;
  for (size_t i = 0; i < bottom.size(); ++i) {
    depthwise_shape(param, bottom[i]->shape(), &shape);
    CUDA_CHECK(static_cast<cudaError_t>(caffe_fast::depthwise_forward_gpu(
        shape, bottom[i]->gpu_data(), blobs[0]->gpu_data(),
        has_bias ? blobs[1]->gpu_data() : static_cast<const Dtype*>(NULL),
        top[i]->mutable_gpu_data())));
  }
#else
  NO_GPU;
#endif
  return true;
}

// BatchNormLayer's forward pass with stored statistics, in one pass. The caller calls it
// only in the TEST phase, where nothing runs Backward, so the stock layer's saved
// normalised copy (x_norm_) is not needed.
template <typename Dtype>
bool batch_norm_inference_forward(const BatchNormParameter& param,
                                  const std::vector<shared_ptr<Blob<Dtype> > >& blobs,
                                  const std::vector<Blob<Dtype>*>& bottom,
                                  const std::vector<Blob<Dtype>*>& top, bool gpu) {
  const Blob<Dtype>& input = *bottom[0];
  if (blobs.size() < 3) return false;
  const int num = input.num_axes() > 0 ? input.shape(0) : 1;
  const int channels = input.num_axes() > 1 ? input.shape(1) : 1;
  if (num == 0 || channels == 0 || blobs[0]->count() != channels) return false;
  const int spatial = input.count() / (num * channels);
  const Dtype stored = blobs[2]->cpu_data()[0];
  const Dtype factor = stored == 0 ? Dtype(0) : Dtype(1) / stored;
  const Dtype eps = static_cast<Dtype>(param.eps());
  if (gpu) {
#ifndef CPU_ONLY
    CUDA_CHECK(static_cast<cudaError_t>(caffe_fast::batch_norm_inference_gpu(
        num, channels, spatial, blobs[0]->gpu_data(), blobs[1]->gpu_data(), factor, eps,
        input.gpu_data(), top[0]->mutable_gpu_data())));
#else
    NO_GPU;
#endif
  } else {
    caffe_fast::batch_norm_inference_cpu(num, channels, spatial, blobs[0]->cpu_data(),
                                         blobs[1]->cpu_data(), factor, eps, input.cpu_data(),
                                         top[0]->mutable_cpu_data());
  }
  return true;
}

}  // namespace fast
}  // namespace caffe

#endif  // CAFFE_FAST_LAYERS_HPP_
