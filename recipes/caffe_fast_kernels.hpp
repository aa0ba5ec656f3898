// The kernels of SSD-Caffe's `fast` variant (the built-in recipe's caffe_variant=fast):
// a direct depthwise convolution and an inference-only batch norm, on the CPU here and on
// the GPU in caffe_fast_kernels.cu. The recipe copies this file into the Caffe tree as
// include/caffe/fast/caffe_fast_kernels.hpp; caffe_fast_layers.hpp connects it to Caffe's
// layers. It includes nothing of Caffe's, so ssdbuild's own tests
// (tests/caffe_fast_kernels_test.cpp) compile it against a plain reference convolution.
#ifndef CAFFE_FAST_KERNELS_HPP_
#define CAFFE_FAST_KERNELS_HPP_

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace caffe_fast {

// A 2-D convolution over NCHW data whose group count equals its input and output channel
// counts: every channel is convolved with its own kernel_h x kernel_w filter. The weights
// are Caffe's [channels, 1, kernel_h, kernel_w]; output sizes follow Caffe's formula.
struct DepthwiseShape {
  int num = 1, channels = 1, height = 1, width = 1;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1;

  int out_h() const {
    return (height + 2 * pad_h - (dilation_h * (kernel_h - 1) + 1)) / stride_h + 1;
  }
  int out_w() const {
    return (width + 2 * pad_w - (dilation_w * (kernel_w - 1) + 1)) / stride_w + 1;
  }
};

// Whether the direct kernels handle this convolution: a depthwise one (group == input
// channels == output channels) with positive sizes and an output of at least one pixel.
inline bool depthwise_applies(int group, int input_channels, int output_channels,
                              const DepthwiseShape& shape) {
  return group == input_channels && group == output_channels && shape.channels == group &&
         shape.num > 0 && shape.kernel_h > 0 && shape.kernel_w > 0 && shape.stride_h > 0 &&
         shape.stride_w > 0 && shape.dilation_h > 0 && shape.dilation_w > 0 && shape.pad_h >= 0 &&
         shape.pad_w >= 0 && shape.out_h() > 0 && shape.out_w() > 0;
}

// The output columns [*first, *last) whose input column ow * stride + offset lies inside
// [0, width): the rest read padding, which is zero.
inline void valid_columns(int offset, int stride, int width, int out_w, int* first, int* last) {
  int low = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int high = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
  *first = std::min(low, out_w);
  *last = std::max(*first, std::min(high, out_w));
}

// One (image, channel) plane of a depthwise convolution: out = bias + sum over the kernel of
// weight * input, padding read as zero. The inner loop runs along an output row, so that
// the compiler vectorises it for stride 1.
template <typename Dtype>
void depthwise_plane_cpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight, Dtype bias,
                         Dtype* out) {
  const int out_h = s.out_h(), out_w = s.out_w();
  for (int i = 0; i < out_h * out_w; ++i) out[i] = bias;
  for (int kh = 0; kh < s.kernel_h; ++kh) {
    for (int kw = 0; kw < s.kernel_w; ++kw) {
      const Dtype w = weight[kh * s.kernel_w + kw];
      const int column_offset = kw * s.dilation_w - s.pad_w;
      int first = 0, last = 0;
      valid_columns(column_offset, s.stride_w, s.width, out_w, &first, &last);
      for (int oh = 0; oh < out_h; ++oh) {
        const int ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
        if (ih < 0 || ih >= s.height) continue;
        const Dtype* in_row = in + static_cast<std::ptrdiff_t>(ih) * s.width + column_offset;
        Dtype* out_row = out + static_cast<std::ptrdiff_t>(oh) * out_w;
        if (s.stride_w == 1) {
          for (int ow = first; ow < last; ++ow) out_row[ow] += w * in_row[ow];
        } else {
          for (int ow = first; ow < last; ++ow) out_row[ow] += w * in_row[ow * s.stride_w];
        }
      }
    }
  }
}

// The whole depthwise convolution on the CPU; bias may be null. Planes are independent, so
// an OpenMP build (the recipe's fast variant adds -fopenmp) spreads them over the threads.
template <typename Dtype>
void depthwise_forward_cpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                           const Dtype* bias, Dtype* out) {
  const std::ptrdiff_t in_plane = static_cast<std::ptrdiff_t>(s.height) * s.width;
  const std::ptrdiff_t out_plane = static_cast<std::ptrdiff_t>(s.out_h()) * s.out_w();
  const int planes = s.num * s.channels;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (planes * out_plane >= 16384)
#endif
  for (int p = 0; p < planes; ++p) {
    const int c = p % s.channels;
    depthwise_plane_cpu(s, in + p * in_plane, weight + c * s.kernel_h * s.kernel_w,
                        bias ? bias[c] : Dtype(0), out + p * out_plane);
  }
}

// Batch norm with stored statistics, as Caffe's BatchNormLayer computes it in that case:
// y = (x - mean[c] * f) / sqrt(variance[c] * f + eps), where f is 1 / the stored scale
// factor (0 when that is 0). One pass, where the stock layer makes about ten.
template <typename Dtype>
void batch_norm_inference_cpu(int num, int channels, int spatial, const Dtype* mean,
                              const Dtype* variance, Dtype factor, Dtype eps, const Dtype* in,
                              Dtype* out) {
  const int planes = num * channels;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (static_cast <long>(planes) * spatial >= 65536)
#endif
  for (int p = 0; p < planes; ++p) {
    const int c = p % channels;
    const Dtype shift = mean[c] * factor;
    const Dtype deviation = std::sqrt(variance[c] * factor + eps);
    const Dtype* x = in + static_cast<std::ptrdiff_t>(p) * spatial;
    Dtype* y = out + static_cast<std::ptrdiff_t>(p) * spatial;
    for (int i = 0; i < spatial; ++i) y[i] = (x[i] - shift) / deviation;
  }
}

// The same on the GPU (caffe_fast_kernels.cu), on Caffe's default stream. They return the
// launch's status (cudaError_t as an int, 0 for success) so that this header needs no
// CUDA header; the caller checks it.
template <typename Dtype>
int depthwise_forward_gpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                          const Dtype* bias, Dtype* out);
template <typename Dtype>
int batch_norm_inference_gpu(int num, int channels, int spatial, const Dtype* mean,
                             const Dtype* variance, Dtype factor, Dtype eps, const Dtype* in,
                             Dtype* out);

}  // namespace caffe_fast

#endif  // CAFFE_FAST_KERNELS_HPP_
