// The `fast` variant's port of SSD-Caffe's cuDNN convolution to cuDNN 8 and 9. The fork
// picks its algorithms with cudnnGetConvolution{Forward,BackwardFilter,BackwardData}Algorithm,
// which cuDNN 8 removed; these functions ask the _v7 calls (cuDNN 7 and later) for their
// ranked list instead and take the first algorithm that succeeds within the workspace
// limit, which is what the removed calls did with SPECIFY_WORKSPACE_LIMIT. The recipe
// copies this file to include/caffe/fast/caffe_fast_cudnn.hpp and its patch ops put one
// call in place of each removed one in src/caffe/layers/cudnn_conv_layer.cpp.
#ifndef CAFFE_FAST_CUDNN_HPP_
#define CAFFE_FAST_CUDNN_HPP_
#ifdef USE_CUDNN

#include <cudnn.h>

#include "caffe/util/cudnn.hpp"

namespace caffe {
namespace fast {

// The first entry of a _v7 ranking that ran and fits the limit; else `fallback`, an
// algorithm that needs no workspace.
template <typename Perf, typename Algo>
Algo first_fitting(const Perf* ranked, int returned, size_t limit, Algo fallback) {
  for (int i = 0; i < returned; ++i) {
    if (ranked[i].status == CUDNN_STATUS_SUCCESS && ranked[i].memory <= limit)
      return ranked[i].algo;
  }
  return fallback;
}

inline cudnnConvolutionFwdAlgo_t cudnn_forward_algorithm(
    cudnnHandle_t handle, cudnnTensorDescriptor_t bottom, cudnnFilterDescriptor_t filter,
    cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t top, size_t limit) {
#if CUDNN_VERSION_MIN(7, 0, 0)
  cudnnConvolutionFwdAlgoPerf_t ranked[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
      handle, bottom, filter, conv, top, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, ranked));
  return first_fitting(ranked, returned, limit, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM);
#else
  cudnnConvolutionFwdAlgo_t algo;
  CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm(handle, bottom, filter, conv, top,
                                                  CUDNN_CONVOLUTION_FWD_SPECIFY_WORKSPACE_LIMIT,
                                                  limit, &algo));
  return algo;
#endif
}

inline cudnnConvolutionBwdFilterAlgo_t cudnn_backward_filter_algorithm(
    cudnnHandle_t handle, cudnnTensorDescriptor_t bottom, cudnnTensorDescriptor_t top,
    cudnnConvolutionDescriptor_t conv, cudnnFilterDescriptor_t filter, size_t limit) {
#if CUDNN_VERSION_MIN(7, 0, 0)
  cudnnConvolutionBwdFilterAlgoPerf_t ranked[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int returned = 0;
  CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, bottom, top, conv, filter,
                                                            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                            &returned, ranked));
  return first_fitting(ranked, returned, limit, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0);
#else
  cudnnConvolutionBwdFilterAlgo_t algo;
  CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm(
      handle, bottom, top, conv, filter, CUDNN_CONVOLUTION_BWD_FILTER_SPECIFY_WORKSPACE_LIMIT,
      limit, &algo));
  return algo;
#endif
}

inline cudnnConvolutionBwdDataAlgo_t cudnn_backward_data_algorithm(
    cudnnHandle_t handle, cudnnFilterDescriptor_t filter, cudnnTensorDescriptor_t top,
    cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t bottom, size_t limit) {
#if CUDNN_VERSION_MIN(7, 0, 0)
  cudnnConvolutionBwdDataAlgoPerf_t ranked[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int returned = 0;
  CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
      handle, filter, top, conv, bottom, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned, ranked));
  return first_fitting(ranked, returned, limit, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0);
#else
  cudnnConvolutionBwdDataAlgo_t algo;
  CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm(
      handle, filter, top, conv, bottom, CUDNN_CONVOLUTION_BWD_DATA_SPECIFY_WORKSPACE_LIMIT, limit,
      &algo));
  return algo;
#endif
}

}  // namespace fast
}  // namespace caffe

#endif  // USE_CUDNN
#endif  // CAFFE_FAST_CUDNN_HPP_
