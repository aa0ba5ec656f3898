// The kernels of SSD-Caffe's `fast` variant (the built-in recipe's caffe_variant=fast):
// a direct depthwise convolution and an inference-only batch norm, on the CPU here and on
// the GPU in caffe_fast_kernels.cu; and, on the CPU, the arithmetic of folding a batch norm,
// a scale and a ReLU into the end of the convolution before them. The recipe copies this file into
// the Caffe tree as include/caffe/fast/caffe_fast_kernels.hpp; caffe_fast_layers.hpp connects it to
// Caffe's layers. It includes nothing of Caffe's, so ssdbuild's own tests
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

// A loop the compiler is to vectorise: at -O2, which Caffe builds with, gcc vectorises only
// where it needs no check that two pointers do not overlap, and every loop here has one.
// `omp simd` (the fast variant builds with -fopenmp) says that they do not.
#if defined(_OPENMP)
#define CAFFE_FAST_SIMD _Pragma("omp simd")
#else
#define CAFFE_FAST_SIMD
#endif

// The activation that a convolution applies last when an in-place ReLU was folded into it:
// max(x, 0) + negative_slope * min(x, 0), as Caffe's ReLULayer computes it.
struct Activation {
  bool relu = false;
  float negative_slope = 0;
};

template <typename Dtype>
inline Dtype relu(Dtype x, Dtype negative_slope) {
  return std::max(x, Dtype(0)) + negative_slope * std::min(x, Dtype(0));
}

// Applies `a` to count values in place.
template <typename Dtype>
void activate_cpu(const Activation& a, int count, Dtype* data) {
  if (!a.relu) return;
  const Dtype slope = static_cast<Dtype>(a.negative_slope);
  CAFFE_FAST_SIMD
  for (int i = 0; i < count; ++i) data[i] = relu(data[i], slope);
}

// What a convolution does to each output channel after its sums: y * scale[c] + shift[c]
// (a null scale: 1; a null shift: 0), then the activation. Its own bias is a shift; a batch
// norm and scale folded into it are a scale and a shift (affine_of below).
template <typename Dtype>
struct Epilogue {
  const Dtype* scale = nullptr;
  const Dtype* shift = nullptr;
  Activation activation;
};

// Channel c's `count` values finished by `e`, in place.
template <typename Dtype>
void finish_cpu(const Epilogue<Dtype>& e, int c, int count, Dtype* data) {
  if (e.scale) {
    const Dtype scale = e.scale[c], shift = e.shift ? e.shift[c] : Dtype(0);
    CAFFE_FAST_SIMD
    for (int i = 0; i < count; ++i) data[i] = data[i] * scale + shift;
  } else if (e.shift) {
    const Dtype shift = e.shift[c];
    CAFFE_FAST_SIMD
    for (int i = 0; i < count; ++i) data[i] += shift;
  }
  activate_cpu(e.activation, count, data);
}

// One output row of channel c of a depthwise convolution: the sum over the kernel of
// weight * input, padding read as zero, then the epilogue. Row by row, so that the row stays
// in the fastest cache while the kernel's taps are added to it in turn.
template <typename Dtype>
void depthwise_row_cpu(const DepthwiseShape& s, int c, int oh, const Dtype* in, const Dtype* weight,
                       const Epilogue<Dtype>& epilogue, Dtype* out_row) {
  const int out_w = s.out_w();
  for (int ow = 0; ow < out_w; ++ow) out_row[ow] = 0;
  for (int kh = 0; kh < s.kernel_h; ++kh) {
    const int ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
    if (ih < 0 || ih >= s.height) continue;
    for (int kw = 0; kw < s.kernel_w; ++kw) {
      const Dtype w = weight[kh * s.kernel_w + kw];
      const int column_offset = kw * s.dilation_w - s.pad_w;
      int first = 0, last = 0;
      valid_columns(column_offset, s.stride_w, s.width, out_w, &first, &last);
      const Dtype* in_row = in + static_cast<std::ptrdiff_t>(ih) * s.width + column_offset;
      if (s.stride_w == 1) {
        CAFFE_FAST_SIMD
        for (int ow = first; ow < last; ++ow) out_row[ow] += w * in_row[ow];
      } else {
        CAFFE_FAST_SIMD
        for (int ow = first; ow < last; ++ow) out_row[ow] += w * in_row[ow * s.stride_w];
      }
    }
  }
  finish_cpu(epilogue, c, out_w, out_row);
}

// The whole depthwise convolution on the CPU. Planes are independent, so an OpenMP build
// (the recipe's fast variant adds -fopenmp) spreads them over the threads.
template <typename Dtype>
void depthwise_forward_cpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                           const Epilogue<Dtype>& epilogue, Dtype* out) {
  const std::ptrdiff_t in_plane = static_cast<std::ptrdiff_t>(s.height) * s.width;
  const std::ptrdiff_t out_plane = static_cast<std::ptrdiff_t>(s.out_h()) * s.out_w();
  const int planes = s.num * s.channels;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (planes * out_plane >= 16384)
#endif
  for (int p = 0; p < planes; ++p) {
    const int c = p % s.channels;
    for (int oh = 0; oh < s.out_h(); ++oh) {
      depthwise_row_cpu(s, c, oh, in + p * in_plane, weight + c * s.kernel_h * s.kernel_w, epilogue,
                        out + p * out_plane + static_cast<std::ptrdiff_t>(oh) * s.out_w());
    }
  }
}

// The same with a bias (null: none) as the only epilogue.
template <typename Dtype>
void depthwise_forward_cpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                           const Dtype* bias, Dtype* out) {
  Epilogue<Dtype> epilogue;
  epilogue.shift = bias;
  depthwise_forward_cpu(s, in, weight, epilogue, out);
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
    CAFFE_FAST_SIMD
    for (int i = 0; i < spatial; ++i) y[i] = (x[i] - shift) / deviation;
  }
}

// A batch norm with stored statistics and a per-channel scale and shift after a convolution,
// as one affine map per output channel. Any of them may be absent (null `mean`, `scale` or
// `shift`); `factor` is 1 / the batch norm's stored scale factor, as above.
template <typename Dtype>
struct Normalization {
  const Dtype* mean = nullptr;
  const Dtype* variance = nullptr;
  Dtype factor = 1, eps = 0;
  const Dtype* scale = nullptr;
  const Dtype* shift = nullptr;
};

// A convolution's bias (null: none) followed by `n`, as one affine map per output channel:
// y -> scale[o] * y + shift[o] on the convolution's sums. The weights stay as they are.
template <typename Dtype>
void affine_of(int outputs, const Dtype* bias, const Normalization<Dtype>& n, Dtype* scale,
               Dtype* shift) {
  for (int o = 0; o < outputs; ++o) {
    Dtype a = 1, b = bias ? bias[o] : Dtype(0);
    if (n.mean) {
      const Dtype deviation = std::sqrt(n.variance[o] * n.factor + n.eps);
      a = Dtype(1) / deviation;
      b = (b - n.mean[o] * n.factor) / deviation;
    }
    if (n.scale) {
      a *= n.scale[o];
      b *= n.scale[o];
    }
    if (n.shift) b += n.shift[o];
    scale[o] = a;
    shift[o] = b;
  }
}

// A convolution's output, `num` images of `channels` x `spatial`, finished in one pass.
// With only a shift it adds the bias as the stock layer's rank-one GEMM does.
template <typename Dtype>
void finish_all_cpu(int num, int channels, int spatial, const Epilogue<Dtype>& epilogue,
                    Dtype* data) {
  if (!epilogue.scale && !epilogue.shift && !epilogue.activation.relu) return;
  const int planes = num * channels;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (static_cast <long>(planes) * spatial >= 65536)
#endif
  for (int p = 0; p < planes; ++p) {
    finish_cpu(epilogue, p % channels, spatial, data + static_cast<std::ptrdiff_t>(p) * spatial);
  }
}

// The depthwise convolution and the batch norm on the GPU (caffe_fast_kernels.cu), on
// Caffe's default stream. They return the launch's status (cudaError_t as an int, 0 for
// success) so that this header needs no CUDA header; the caller checks it.
template <typename Dtype>
int depthwise_forward_gpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                          const Dtype* bias, Dtype* out);
template <typename Dtype>
int batch_norm_inference_gpu(int num, int channels, int spatial, const Dtype* mean,
                             const Dtype* variance, Dtype factor, Dtype eps, const Dtype* in,
                             Dtype* out);

}  // namespace caffe_fast

#endif  // CAFFE_FAST_KERNELS_HPP_
