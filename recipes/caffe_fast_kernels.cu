// The GPU half of caffe_fast_kernels.hpp: one thread per output value, on the default
// stream (Caffe's). The recipe copies this file into the Caffe tree as
// src/caffe/util/caffe_fast_kernels.cu, where Caffe's Makefile compiles it with the rest.
#include <cuda_runtime.h>

#include "caffe/fast/caffe_fast_kernels.hpp"

namespace caffe_fast {
namespace {

constexpr int kThreads = 256;

int blocks_for(long long count) {
  return static_cast<int>((count + kThreads - 1) / kThreads);
}

// Each thread sums one output value over its channel's kernel window; the loads of a warp
// fall on neighbouring columns of one input row, so they coalesce.
template <typename Dtype>
__global__ void depthwise_forward_kernel(long long count, DepthwiseShape s, int out_h, int out_w,
                                         const Dtype* __restrict__ in,
                                         const Dtype* __restrict__ weight,
                                         const Dtype* __restrict__ bias, Dtype* __restrict__ out) {
  for (long long index = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
       index < count; index += static_cast<long long>(blockDim.x) * gridDim.x) {
    const int ow = static_cast<int>(index % out_w);
    const int oh = static_cast<int>((index / out_w) % out_h);
    const long long plane = index / (static_cast<long long>(out_w) * out_h);
    const int c = static_cast<int>(plane % s.channels);
    const Dtype* in_plane = in + plane * s.height * s.width;
    const Dtype* w = weight + c * s.kernel_h * s.kernel_w;
    Dtype sum = bias ? bias[c] : Dtype(0);
    const int h0 = oh * s.stride_h - s.pad_h, w0 = ow * s.stride_w - s.pad_w;
    for (int kh = 0; kh < s.kernel_h; ++kh) {
      const int ih = h0 + kh * s.dilation_h;
      if (ih < 0 || ih >= s.height) continue;
      for (int kw = 0; kw < s.kernel_w; ++kw) {
        const int iw = w0 + kw * s.dilation_w;
        if (iw < 0 || iw >= s.width) continue;
        sum += w[kh * s.kernel_w + kw] * in_plane[ih * s.width + iw];
      }
    }
    out[index] = sum;
  }
}

template <typename Dtype>
__global__ void batch_norm_inference_kernel(long long count, int channels, int spatial,
                                            const Dtype* __restrict__ mean,
                                            const Dtype* __restrict__ variance, Dtype factor,
                                            Dtype eps, const Dtype* in, Dtype* out) {
  for (long long index = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
       index < count; index += static_cast<long long>(blockDim.x) * gridDim.x) {
    const int c = static_cast<int>((index / spatial) % channels);
    out[index] = (in[index] - mean[c] * factor) / sqrt(variance[c] * factor + eps);
  }
}

}  // namespace

template <typename Dtype>
int depthwise_forward_gpu(const DepthwiseShape& s, const Dtype* in, const Dtype* weight,
                          const Dtype* bias, Dtype* out) {
  const int out_h = s.out_h(), out_w = s.out_w();
  const long long count = static_cast<long long>(s.num) * s.channels * out_h * out_w;
  if (count == 0) return 0;
  depthwise_forward_kernel<Dtype><<<blocks_for(count), kThreads>>>(count, s, out_h, out_w, in,
                                                                    weight, bias, out);
  return static_cast<int>(cudaPeekAtLastError());
}

template <typename Dtype>
int batch_norm_inference_gpu(int num, int channels, int spatial, const Dtype* mean,
                             const Dtype* variance, Dtype factor, Dtype eps, const Dtype* in,
                             Dtype* out) {
  const long long count = static_cast<long long>(num) * channels * spatial;
  if (count == 0) return 0;
  batch_norm_inference_kernel<Dtype><<<blocks_for(count), kThreads>>>(
      count, channels, spatial, mean, variance, factor, eps, in, out);
  return static_cast<int>(cudaPeekAtLastError());
}

template int depthwise_forward_gpu<float>(const DepthwiseShape&, const float*, const float*,
                                          const float*, float*);
template int depthwise_forward_gpu<double>(const DepthwiseShape&, const double*, const double*,
                                           const double*, double*);
template int batch_norm_inference_gpu<float>(int, int, int, const float*, const float*, float,
                                             float, const float*, float*);
template int batch_norm_inference_gpu<double>(int, int, int, const double*, const double*,
                                              double, double, const double*, double*);

}  // namespace caffe_fast
