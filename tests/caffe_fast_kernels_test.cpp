// recipes/caffe_fast_kernels.hpp, the fast variant's kernels, against a plain grouped
// convolution (any group count, as Caffe's own reference in test_convolution_layer.cpp
// computes it) and against the stock BatchNormLayer's arithmetic; and the folding of a batch
// norm, a scale and a ReLU into a convolution against those layers run one after another. CI runs
// the CPU half. With CAFFE_FAST_TEST_GPU defined, this file also checks the CUDA kernels (compiled
// with nvcc against caffe_fast_kernels.cu, on a machine with a GPU: docs/benchmarks.md says how).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "caffe_fast_kernels.hpp"

#ifdef CAFFE_FAST_TEST_GPU
#include <cuda_runtime.h>
#endif

namespace {

using caffe_fast::DepthwiseShape;

DepthwiseShape make_shape(int num, int channels, int height, int width, int kernel_h, int kernel_w,
                          int stride_h, int stride_w, int pad_h, int pad_w, int dilation_h = 1,
                          int dilation_w = 1) {
  DepthwiseShape s;
  s.num = num;
  s.channels = channels;
  s.height = height;
  s.width = width;
  s.kernel_h = kernel_h;
  s.kernel_w = kernel_w;
  s.stride_h = stride_h;
  s.stride_w = stride_w;
  s.pad_h = pad_h;
  s.pad_w = pad_w;
  s.dilation_h = dilation_h;
  s.dilation_w = dilation_w;
  return s;
}

std::vector<float> random_values(size_t count, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (auto& value : values) value = uniform(generator);
  return values;
}

// A grouped convolution computed the plain way: each output channel of group g sums over
// that group's input channels and the kernel window, padding read as zero. Weights are
// Caffe's [out_channels, in_channels / groups, kernel_h, kernel_w].
std::vector<float> grouped_convolution(const DepthwiseShape& s, int groups, int out_channels,
                                       const std::vector<float>& in,
                                       const std::vector<float>& weight,
                                       const std::vector<float>* bias) {
  const int out_h = s.out_h(), out_w = s.out_w();
  const int in_per_group = s.channels / groups, out_per_group = out_channels / groups;
  std::vector<float> out(static_cast<size_t>(s.num) * out_channels * out_h * out_w);
  for (int n = 0; n < s.num; ++n)
    for (int o = 0; o < out_channels; ++o)
      for (int oh = 0; oh < out_h; ++oh)
        for (int ow = 0; ow < out_w; ++ow) {
          double sum = bias ? (*bias)[o] : 0.0;
          const int g = o / out_per_group;
          for (int k = 0; k < in_per_group; ++k) {
            const int c = g * in_per_group + k;
            for (int kh = 0; kh < s.kernel_h; ++kh)
              for (int kw = 0; kw < s.kernel_w; ++kw) {
                const int ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
                const int iw = ow * s.stride_w - s.pad_w + kw * s.dilation_w;
                if (ih < 0 || ih >= s.height || iw < 0 || iw >= s.width) continue;
                sum += static_cast<double>(
                           weight[((o * in_per_group + k) * s.kernel_h + kh) * s.kernel_w + kw]) *
                       in[((n * s.channels + c) * s.height + ih) * s.width + iw];
              }
          }
          out[((n * out_channels + o) * out_h + oh) * out_w + ow] = static_cast<float>(sum);
        }
  return out;
}

// The largest difference relative to the reference's largest magnitude: the measure the
// harness's --compare-with applies to whole nets.
double relative_difference(const std::vector<float>& actual, const std::vector<float>& expected) {
  EXPECT_EQ(actual.size(), expected.size());
  double scale = 0, difference = 0;
  for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(expected[i])));
    difference = std::max(difference, std::fabs(static_cast<double>(actual[i]) - expected[i]));
  }
  return scale == 0 ? difference : difference / scale;
}

#ifdef CAFFE_FAST_TEST_GPU
// The same computation through the CUDA kernel.
std::vector<float> depthwise_on_gpu(const DepthwiseShape& s, const std::vector<float>& in,
                                    const std::vector<float>& weight, const float* bias_host,
                                    size_t out_count) {
  float *in_d = nullptr, *weight_d = nullptr, *bias_d = nullptr, *out_d = nullptr;
  cudaMalloc(&in_d, in.size() * sizeof(float));
  cudaMalloc(&weight_d, weight.size() * sizeof(float));
  cudaMalloc(&out_d, out_count * sizeof(float));
  cudaMemcpy(in_d, in.data(), in.size() * sizeof(float), cudaMemcpyHostToDevice);
  cudaMemcpy(weight_d, weight.data(), weight.size() * sizeof(float), cudaMemcpyHostToDevice);
  if (bias_host) {
    cudaMalloc(&bias_d, s.channels * sizeof(float));
    cudaMemcpy(bias_d, bias_host, s.channels * sizeof(float), cudaMemcpyHostToDevice);
  }
  EXPECT_EQ(0, caffe_fast::depthwise_forward_gpu<float>(s, in_d, weight_d, bias_d, out_d));
  std::vector<float> out(out_count);
  EXPECT_EQ(cudaSuccess,
            cudaMemcpy(out.data(), out_d, out_count * sizeof(float), cudaMemcpyDeviceToHost));
  cudaFree(in_d);
  cudaFree(weight_d);
  cudaFree(bias_d);
  cudaFree(out_d);
  return out;
}
#endif

// Checks the depthwise kernels (CPU, and GPU when built for it) against the grouped
// convolution with groups == channels.
void expect_depthwise_matches_grouped(const DepthwiseShape& s, bool with_bias) {
  const size_t in_count = static_cast<size_t>(s.num) * s.channels * s.height * s.width;
  const size_t out_count = static_cast<size_t>(s.num) * s.channels * s.out_h() * s.out_w();
  std::vector<float> in = random_values(in_count, 1);
  std::vector<float> weight =
      random_values(static_cast<size_t>(s.channels) * s.kernel_h * s.kernel_w, 2);
  std::vector<float> bias = random_values(s.channels, 3);
  std::vector<float> expected =
      grouped_convolution(s, s.channels, s.channels, in, weight, with_bias ? &bias : nullptr);
  std::vector<float> out(out_count, 12345.0f);  // every value must be written
  caffe_fast::depthwise_forward_cpu(s, in.data(), weight.data(), with_bias ? bias.data() : nullptr,
                                    out.data());
  EXPECT_LE(relative_difference(out, expected), 1e-6);
#ifdef CAFFE_FAST_TEST_GPU
  std::vector<float> gpu =
      depthwise_on_gpu(s, in, weight, with_bias ? bias.data() : nullptr, out_count);
  EXPECT_LE(relative_difference(gpu, expected), 1e-6);
#endif
}

TEST(CaffeFastDepthwise, MatchesGroupedConvolutionOnMobileNetShapes) {
  // MobileNet's depthwise layers: 3x3, pad 1, stride 1 or 2, no bias (batch norm follows).
  expect_depthwise_matches_grouped(make_shape(1, 32, 38, 38, 3, 3, 1, 1, 1, 1), false);
  expect_depthwise_matches_grouped(make_shape(1, 64, 38, 38, 3, 3, 2, 2, 1, 1), false);
  expect_depthwise_matches_grouped(make_shape(2, 24, 19, 19, 3, 3, 1, 1, 1, 1), true);
  expect_depthwise_matches_grouped(make_shape(3, 16, 10, 10, 3, 3, 2, 2, 1, 1), true);
}

TEST(CaffeFastDepthwise, MatchesGroupedConvolutionWithOddSizesStridesAndDilation) {
  expect_depthwise_matches_grouped(make_shape(2, 5, 11, 7, 5, 3, 2, 1, 2, 0), true);
  expect_depthwise_matches_grouped(make_shape(1, 3, 13, 9, 3, 3, 3, 2, 1, 2, 2, 1), true);
  expect_depthwise_matches_grouped(make_shape(1, 4, 6, 5, 1, 1, 1, 1, 0, 0), false);
  // Padding wider than the kernel: border outputs read only padding, so they are the bias.
  expect_depthwise_matches_grouped(make_shape(1, 2, 4, 4, 3, 3, 1, 1, 3, 3), true);
}

TEST(CaffeFastDepthwise, AppliesOnlyToConvolutionsWithOneChannelPerGroup) {
  DepthwiseShape s = make_shape(1, 32, 19, 19, 3, 3, 1, 1, 1, 1);
  EXPECT_TRUE(caffe_fast::depthwise_applies(32, 32, 32, s));
  EXPECT_FALSE(caffe_fast::depthwise_applies(1, 32, 32, s));         // an ordinary convolution
  EXPECT_FALSE(caffe_fast::depthwise_applies(16, 32, 32, s));        // two channels per group
  EXPECT_FALSE(caffe_fast::depthwise_applies(32, 32, 64, s));        // a channel multiplier of 2
  DepthwiseShape empty = make_shape(1, 32, 2, 2, 5, 5, 1, 1, 0, 0);  // no output pixel
  EXPECT_FALSE(caffe_fast::depthwise_applies(32, 32, 32, empty));
}

// The stock BatchNormLayer with stored statistics, step by step as it computes it: mean and
// variance scaled by 1 / the stored factor, eps added, the square root taken (powx 0.5),
// the mean subtracted and the deviation divided out.
std::vector<float> stock_batch_norm(int num, int channels, int spatial,
                                    const std::vector<float>& mean,
                                    const std::vector<float>& variance, float stored_factor,
                                    float eps, const std::vector<float>& in) {
  const float factor = stored_factor == 0 ? 0 : 1 / stored_factor;
  std::vector<float> out(in.size());
  for (int n = 0; n < num; ++n)
    for (int c = 0; c < channels; ++c) {
      const float m = factor * mean[c];
      const float deviation = std::pow(factor * variance[c] + eps, 0.5f);
      for (int i = 0; i < spatial; ++i) {
        const size_t index = (static_cast<size_t>(n) * channels + c) * spatial + i;
        out[index] = (in[index] - m) / deviation;
      }
    }
  return out;
}

// A scale layer with a shift, then a ReLU with `negative_slope`, as Caffe's layers compute
// them, over NCHW data in place.
void stock_scale_and_relu(int num, int channels, int spatial, const std::vector<float>& scale,
                          const std::vector<float>* shift, float negative_slope,
                          std::vector<float>* data) {
  for (int n = 0; n < num; ++n)
    for (int c = 0; c < channels; ++c)
      for (int i = 0; i < spatial; ++i) {
        float& x = (*data)[(static_cast<size_t>(n) * channels + c) * spatial + i];
        x = x * scale[c] + (shift ? (*shift)[c] : 0.0f);
        x = std::max(x, 0.0f) + negative_slope * std::min(x, 0.0f);
      }
}

// A convolution folded with a batch norm, a scale and a ReLU, against the four run in
// turn: `groups` 1 is MobileNet's pointwise (1x1) or SSD's 3x3 case, through the plain
// convolution with finish_all_cpu after it; groups == channels the depthwise kernel.
void expect_folded_matches_layer_by_layer(const DepthwiseShape& s, int groups, bool conv_bias,
                                          bool shift, float stored_factor, float slope) {
  const int outputs = s.channels, per_output = s.channels / groups * s.kernel_h * s.kernel_w;
  const int spatial = s.out_h() * s.out_w();
  std::vector<float> in =
      random_values(static_cast<size_t>(s.num) * s.channels * s.height * s.width, 11);
  std::vector<float> weight = random_values(static_cast<size_t>(outputs) * per_output, 12);
  std::vector<float> bias = random_values(outputs, 13), mean = random_values(outputs, 14);
  std::vector<float> variance = random_values(outputs, 15), scale = random_values(outputs, 16);
  std::vector<float> offset = random_values(outputs, 17);
  for (auto& v : variance) v = std::fabs(v) * 2 + 0.05f;
  std::vector<float> expected = stock_batch_norm(
      s.num, outputs, spatial, mean, variance, stored_factor, 1e-5f,
      grouped_convolution(s, groups, outputs, in, weight, conv_bias ? &bias : nullptr));
  stock_scale_and_relu(s.num, outputs, spatial, scale, shift ? &offset : nullptr, slope, &expected);

  caffe_fast::Normalization<float> n;
  n.mean = mean.data();
  n.variance = variance.data();
  n.factor = stored_factor == 0 ? 0 : 1 / stored_factor;
  n.eps = 1e-5f;
  n.scale = scale.data();
  n.shift = shift ? offset.data() : nullptr;
  std::vector<float> channel_scale(outputs), channel_shift(outputs);
  caffe_fast::affine_of(outputs, conv_bias ? bias.data() : nullptr, n, channel_scale.data(),
                        channel_shift.data());
  caffe_fast::Epilogue<float> epilogue;
  epilogue.scale = channel_scale.data();
  epilogue.shift = channel_shift.data();
  epilogue.activation.relu = true;
  epilogue.activation.negative_slope = slope;
  std::vector<float> out(expected.size(), 12345.0f);
  if (groups == s.channels) {
    caffe_fast::depthwise_forward_cpu(s, in.data(), weight.data(), epilogue, out.data());
  } else {
    out = grouped_convolution(s, groups, outputs, in, weight, nullptr);
    caffe_fast::finish_all_cpu(s.num, outputs, spatial, epilogue, out.data());
  }
  EXPECT_LE(relative_difference(out, expected), 1e-5);
}

TEST(CaffeFastFold, AConvolutionWithBatchNormScaleAndReluFoldedInMatchesThemInTurn) {
  // MobileNet-SSD: pointwise and depthwise convolutions without bias, a scale with a shift.
  expect_folded_matches_layer_by_layer(make_shape(1, 16, 9, 9, 1, 1, 1, 1, 0, 0), 1, false, true, 1,
                                       0);
  expect_folded_matches_layer_by_layer(make_shape(1, 16, 9, 9, 3, 3, 2, 2, 1, 1), 16, false, true,
                                       1, 0);
  // A convolution's own bias, no shift, a leaky ReLU, a batch norm's odd stored factors.
  expect_folded_matches_layer_by_layer(make_shape(2, 6, 7, 5, 3, 3, 1, 1, 1, 1), 1, true, false,
                                       999.5f, 0.1f);
  expect_folded_matches_layer_by_layer(make_shape(2, 6, 7, 5, 3, 3, 1, 1, 1, 1), 6, true, true, 0,
                                       0);
  expect_folded_matches_layer_by_layer(make_shape(1, 8, 5, 5, 3, 3, 1, 1, 1, 1), 2, true, true, 3,
                                       0);
}

TEST(CaffeFastFold, BiasAndActivationInOnePassEqualTheStockAdditionExactly) {
  const int num = 2, channels = 3, spatial = 17;
  const std::vector<float> in = random_values(num * channels * spatial, 21);
  const std::vector<float> bias = random_values(channels, 22);
  caffe_fast::Epilogue<float> none, biased, biased_relu;
  biased.shift = biased_relu.shift = bias.data();
  biased_relu.activation.relu = true;
  std::vector<float> data = in;
  caffe_fast::finish_all_cpu(num, channels, spatial, none, data.data());
  EXPECT_EQ(data, in);  // nothing to do: untouched
  caffe_fast::finish_all_cpu(num, channels, spatial, biased, data.data());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(data[i], in[i] + bias[i / spatial % channels]);
  data = in;
  caffe_fast::finish_all_cpu(num, channels, spatial, biased_relu, data.data());
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_EQ(data[i], std::max(in[i] + bias[i / spatial % channels], 0.0f));
}

TEST(CaffeFastBatchNorm, MatchesTheStockLayersArithmetic) {
  const int num = 2, channels = 7, spatial = 5 * 6;
  std::vector<float> in = random_values(num * channels * spatial, 4);
  std::vector<float> mean = random_values(channels, 5);
  std::vector<float> variance = random_values(channels, 6);
  for (auto& v : variance) v = std::fabs(v) * 3 + 0.01f;
  for (float stored : {1.0f, 999.5f, 0.0f}) {
    SCOPED_TRACE(stored);
    const float factor = stored == 0 ? 0 : 1 / stored;
    std::vector<float> expected =
        stock_batch_norm(num, channels, spatial, mean, variance, stored, 1e-5f, in);
    std::vector<float> out(in.size());
    caffe_fast::batch_norm_inference_cpu(num, channels, spatial, mean.data(), variance.data(),
                                         factor, 1e-5f, in.data(), out.data());
    EXPECT_LE(relative_difference(out, expected), 1e-6);
    // In place, as MobileNet-SSD's prototxt runs it (bottom == top).
    std::vector<float> in_place = in;
    caffe_fast::batch_norm_inference_cpu(num, channels, spatial, mean.data(), variance.data(),
                                         factor, 1e-5f, in_place.data(), in_place.data());
    EXPECT_EQ(out, in_place);
#ifdef CAFFE_FAST_TEST_GPU
    float *data = nullptr, *mean_d = nullptr, *variance_d = nullptr;
    cudaMalloc(&data, in.size() * sizeof(float));
    cudaMalloc(&mean_d, channels * sizeof(float));
    cudaMalloc(&variance_d, channels * sizeof(float));
    cudaMemcpy(data, in.data(), in.size() * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(mean_d, mean.data(), channels * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(variance_d, variance.data(), channels * sizeof(float), cudaMemcpyHostToDevice);
    EXPECT_EQ(0, caffe_fast::batch_norm_inference_gpu<float>(
                     num, channels, spatial, mean_d, variance_d, factor, 1e-5f, data, data));
    std::vector<float> gpu(in.size());
    cudaMemcpy(gpu.data(), data, in.size() * sizeof(float), cudaMemcpyDeviceToHost);
    EXPECT_LE(relative_difference(gpu, expected), 1e-6);
    cudaFree(data);
    cudaFree(mean_d);
    cudaFree(variance_d);
#endif
  }
}

}  // namespace
