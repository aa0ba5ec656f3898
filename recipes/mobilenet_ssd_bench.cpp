// The benchmark harness of the built-in recipes: times MobileNet-SSD forward passes with
// the Caffe a recipe has just built, on one device per process. The recipe compiles it
// against that Caffe's distribute/ folder; the `bench` action runs it and reads its output.
//
// Output, one JSON object a line on stdout (anything else is Caffe's own logging):
//   {"type":"header", ...}            what ran: device, threads, BLAS, batch, weights, commit
//   {"type":"pass","index":I,"ms":T}  one timed forward pass
//   {"type":"detection", ...}         with --image: one detection of the sample image
//   {"type":"skip","reason":R}        the device cannot run here (exit code 77)
//   {"type":"compare", ...}           with --compare-with: one output blob against another
//                                     build's (max abs difference relative to the blob's scale)
//   {"type":"layer_time", ...}        with --layer-times: one layer's median time alone
// Exit codes: 0 done, 2 bad arguments or input, 77 device not available here.
//
// Build (the recipe does this):
//   g++ -O2 -I CAFFE/distribute/include [-DCPU_ONLY | -I CUDA/include] mobilenet_ssd_bench.cpp
//       -L CAFFE/distribute/lib -lcaffe -lglog -lgflags -lprotobuf -lboost_system [-lcudart]
#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "caffe/caffe.hpp"
#ifndef CPU_ONLY
#include <cuda_runtime.h>
#endif
#ifdef USE_OPENCV
#include <opencv2/core/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc/imgproc.hpp>
#endif

#ifndef CAFFE_COMMIT
#define CAFFE_COMMIT "unknown"
#endif
#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown compiler"
#endif

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitSkip = 77;

struct Options {
  std::string model, weights, device = "cpu", image, save_weights, save_input;
  std::string save_outputs, compare_with;
  double tolerance = 1e-4;
  bool layer_times = false;
  int device_id = 0, warmup = 5, iterations = 50, batch = 1;
  unsigned seed = 1;
};

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void emit(const std::string& json_line) {
  std::cout << json_line << std::endl;  // flushed: the action reads lines as they come
}

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "mobilenet_ssd_bench: " << message << std::endl;
  std::exit(kExitBadInput);
}

[[noreturn]] void skip(const std::string& reason) {
  emit("{\"type\":\"skip\",\"reason\":" + json_string(reason) + "}");
  std::exit(kExitSkip);
}

int to_int(const std::string& flag, const std::string& value, int low) {
  char* end = nullptr;
  long parsed = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || parsed < low || parsed > 1000000)
    fail(flag + " wants a whole number >= " + std::to_string(low) + ", not `" + value + "`");
  return static_cast<int>(parsed);
}

double to_positive_double(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  double parsed = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(parsed > 0) || !std::isfinite(parsed))
    fail(flag + " wants a positive number, not `" + value + "`");
  return parsed;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help") {
      std::cout << "usage: mobilenet_ssd_bench --model PROTOTXT [--weights CAFFEMODEL]\n"
                   "  [--device cpu|gpu] [--device-id N] [--warmup W] [--iterations N]\n"
                   "  [--batch B] [--seed S] [--image JPG] [--save-weights FILE]\n"
                   "  [--save-input FILE]   (the input as raw float32, for a pycaffe check)\n"
                   "  [--save-outputs FILE] (the output blobs after the timed passes)\n"
                   "  [--compare-with FILE] [--tolerance T]  (against another build's\n"
                   "                        --save-outputs: max abs difference / blob scale <= T)\n"
                   "  [--layer-times yes]   (each layer's median time, run alone)\n";
      std::exit(0);
    }
    if (i + 1 >= argc) fail(flag + " needs a value (see --help)");
    std::string value = argv[++i];
    if (flag == "--model")
      options.model = value;
    else if (flag == "--weights")
      options.weights = value;
    else if (flag == "--device")
      options.device = value;
    else if (flag == "--device-id")
      options.device_id = to_int(flag, value, 0);
    else if (flag == "--warmup")
      options.warmup = to_int(flag, value, 0);
    else if (flag == "--iterations")
      options.iterations = to_int(flag, value, 1);
    else if (flag == "--batch")
      options.batch = to_int(flag, value, 1);
    else if (flag == "--seed")
      options.seed = static_cast<unsigned>(to_int(flag, value, 0));
    else if (flag == "--image")
      options.image = value;
    else if (flag == "--save-weights")
      options.save_weights = value;
    else if (flag == "--save-input")
      options.save_input = value;
    else if (flag == "--save-outputs")
      options.save_outputs = value;
    else if (flag == "--compare-with")
      options.compare_with = value;
    else if (flag == "--tolerance")
      options.tolerance = to_positive_double(flag, value);
    else if (flag == "--layer-times")
      options.layer_times = value == "yes" || value == "true" || value == "1";
    else
      fail("unknown option " + flag + " (see --help)");
  }
  if (options.model.empty()) fail("--model PROTOTXT is required");
  if (options.device != "cpu" && options.device != "gpu")
    fail("--device is cpu or gpu, not `" + options.device + "`");
  std::ifstream model(options.model);
  if (!model) fail("cannot read the model " + options.model);
  if (!options.weights.empty() && !std::ifstream(options.weights))
    fail("cannot read the weights " + options.weights);
  return options;
}

// Checked once the device is known to run here: a reference build on a machine without a
// GPU has no GPU outputs, and a GPU run skipped here needs none.
void check_reference(const Options& options) {
  if (!options.compare_with.empty() && !std::ifstream(options.compare_with))
    fail("cannot read the reference outputs " + options.compare_with +
         " (write them with --save-outputs from the reference build)");
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

// Looked up at run time so that the harness builds against any BLAS Caffe was built with;
// OpenBLAS says how many threads it uses, which sets the CPU figure.
std::string blas_name(int* threads) {
  using GetThreads = int (*)();
  using GetConfig = char* (*)();
  auto get_threads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  auto get_config = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  *threads = get_threads ? get_threads() : 1;
  if (get_config) {
    std::string config = get_config();  // "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Cooperlake ..."
    return config.rfind("OpenBLAS", 0) == 0 ? config : "OpenBLAS " + config;
  }
  if (dlsym(RTLD_DEFAULT, "mkl_get_max_threads")) return "MKL";
  if (dlsym(RTLD_DEFAULT, "ATL_xerbla")) return "ATLAS";
  return "CBLAS (unknown implementation)";
}

// He-style normal weights from a fixed seed: activations keep their scale through the ReLU
// stack, so every layer does the work it does with trained weights.
void fill_random_weights(caffe::Net<float>& net, unsigned seed) {
  std::mt19937 generator(seed);
  for (const auto& layer : net.layers()) {
    const auto& blobs = layer->blobs();
    for (size_t b = 0; b < blobs.size(); ++b) {
      caffe::Blob<float>& blob = *blobs[b];
      float* data = blob.mutable_cpu_data();
      if (b == 0 && blob.num_axes() >= 2) {
        double fan_in = static_cast<double>(blob.count(1));
        std::normal_distribution<float> normal(0.0f, static_cast<float>(std::sqrt(2.0 / fan_in)));
        for (int i = 0; i < blob.count(); ++i) data[i] = normal(generator);
      } else if (std::string(layer->type()) == "BatchNorm") {
        // mean, variance, scale factor: an identity normalisation.
        for (int i = 0; i < blob.count(); ++i) data[i] = b == 1 || b == 2 ? 1.0f : 0.0f;
      } else if (std::string(layer->type()) == "Scale" && b == 0) {
        for (int i = 0; i < blob.count(); ++i) data[i] = 1.0f;
      } else {
        std::uniform_real_distribution<float> small(-0.01f, 0.01f);
        for (int i = 0; i < blob.count(); ++i) data[i] = small(generator);
      }
    }
  }
}

// Uniform in [-1, 1], MobileNet-SSD's input range ((pixel - 127.5) * 0.007843). Never
// zeros: a zero input runs measurably faster than a real image.
void fill_random_input(caffe::Blob<float>& input, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  float* data = input.mutable_cpu_data();
  for (int i = 0; i < input.count(); ++i) data[i] = uniform(generator);
}

void synchronize(bool gpu) {
#ifndef CPU_ONLY
  if (gpu) {
    cudaError_t status = cudaDeviceSynchronize();
    if (status != cudaSuccess) fail(std::string("CUDA: ") + cudaGetErrorString(status));
  }
#else
  (void)gpu;
#endif
}

std::string gpu_setup(const Options& options) {
#ifdef CPU_ONLY
  (void)options;
  skip("this Caffe was built CPU-only (CPU_ONLY := 1)");
#else
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess)
    skip(std::string("no usable CUDA device: ") + cudaGetErrorString(status));
  if (count == 0) skip("no CUDA device on this machine");
  if (options.device_id >= count)
    skip("no CUDA device " + std::to_string(options.device_id) + " (this machine has " +
         std::to_string(count) + ")");
  cudaDeviceProp properties;
  cudaGetDeviceProperties(&properties, options.device_id);
  caffe::Caffe::SetDevice(options.device_id);
  caffe::Caffe::set_mode(caffe::Caffe::GPU);
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  std::ostringstream out;
  out << ",\"device_name\":" << json_string(properties.name) << ",\"compute_capability\":\""
      << properties.major << "." << properties.minor << "\",\"cuda_runtime\":\"" << runtime / 1000
      << "." << (runtime % 1000) / 10 << "\",\"cuda_driver\":\"" << driver / 1000 << "."
      << (driver % 1000) / 10 << "\"";
  return out.str();
#endif
}

void print_detections(caffe::Net<float>& net, const Options& options) {
#ifdef USE_OPENCV
  cv::Mat image = cv::imread(options.image, cv::IMREAD_COLOR);
  if (image.empty()) fail("cannot read the image " + options.image);
  caffe::Blob<float>& input = *net.input_blobs()[0];
  input.Reshape(1, 3, input.height(), input.width());
  net.Reshape();
  cv::Mat resized, scaled;
  cv::resize(image, resized, cv::Size(input.width(), input.height()));
  resized.convertTo(scaled, CV_32FC3, 0.007843, -127.5 * 0.007843);
  float* data = input.mutable_cpu_data();
  const int plane = input.height() * input.width();
  for (int y = 0; y < input.height(); ++y)
    for (int x = 0; x < input.width(); ++x)
      for (int c = 0; c < 3; ++c)
        data[c * plane + y * input.width() + x] = scaled.at<cv::Vec3f>(y, x)[c];
  const caffe::Blob<float>& out = *net.Forward()[0];
  // Rows of [image, label, score, xmin, ymin, xmax, ymax], coordinates in [0, 1].
  static const char* kVocLabels[] = {
      "background", "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",
      "car",        "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",
      "motorbike",  "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
  const float* rows = out.cpu_data();
  for (int i = 0; i < out.height(); ++i) {
    const float* row = rows + i * 7;
    if (row[0] < 0) continue;  // "no detection"
    int label = static_cast<int>(row[1]);
    std::ostringstream line;
    line << "{\"type\":\"detection\",\"class\":" << label
         << ",\"label\":" << json_string(label >= 0 && label < 21 ? kVocLabels[label] : "?")
         << ",\"score\":" << row[2] << ",\"box\":[" << row[3] * image.cols << ","
         << row[4] * image.rows << "," << row[5] * image.cols << "," << row[6] * image.rows << "]}";
    emit(line.str());
  }
#else
  // The timing is done; only the sample detection needs OpenCV to read the image.
  (void)net;
  std::cerr << "mobilenet_ssd_bench: no detection on " << options.image
            << ": this harness was built without OpenCV (USE_OPENCV)" << std::endl;
#endif
}

// The blobs compared between builds: the net's raw predictions, and with trained weights
// the detections too (with random weights their order hangs on near-equal noise scores).
std::vector<std::string> compared_blobs(const caffe::Net<float>& net, bool trained) {
  std::vector<std::string> names;
  for (const char* name : {"mbox_loc", "mbox_conf_flatten"})
    if (net.has_blob(name)) names.push_back(name);
  if (trained && net.has_blob("detection_out")) names.push_back("detection_out");
  if (names.empty()) {
    // Another model: its outputs.
    for (int index : net.output_blob_indices()) names.push_back(net.blob_names()[index]);
  }
  return names;
}

// The output file: a line "ssdbuild-outputs/1", then per blob a line "NAME COUNT" and COUNT
// float32 values, raw.
constexpr const char* kOutputsFormat = "ssdbuild-outputs/1";

void save_outputs(const caffe::Net<float>& net, const std::vector<std::string>& names,
                  const std::string& file) {
  std::string temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << kOutputsFormat << "\n";
    for (const auto& name : names) {
      const caffe::Blob<float>& blob = *net.blob_by_name(name);
      out << name << " " << blob.count() << "\n";
      out.write(reinterpret_cast<const char*>(blob.cpu_data()),
                static_cast<std::streamsize>(blob.count() * sizeof(float)));
    }
    if (!out) fail("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), file.c_str()) != 0)
    fail("cannot rename " + temporary + " to " + file + ": " + std::strerror(errno));
}

// Each blob of the reference file against this net's; returns whether all are within the
// tolerance. The scale is the reference blob's largest magnitude (1 when it is all zeros).
bool compare_outputs(const caffe::Net<float>& net, const Options& options) {
  std::ifstream in(options.compare_with, std::ios::binary);
  std::string line;
  if (!std::getline(in, line) || line != kOutputsFormat)
    fail(options.compare_with + " is not a --save-outputs file (" + kOutputsFormat + ")");
  bool all_ok = true;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    long long count = -1;
    if (!(fields >> name >> count) || count < 0)
      fail(options.compare_with + ": malformed blob line `" + line + "`");
    std::vector<float> reference(static_cast<size_t>(count));
    in.read(reinterpret_cast<char*>(reference.data()),
            static_cast<std::streamsize>(count * sizeof(float)));
    if (!in) fail(options.compare_with + ": blob " + name + " is cut short");
    if (!net.has_blob(name)) fail("the reference has blob " + name + ", this net has none");
    const caffe::Blob<float>& blob = *net.blob_by_name(name);
    if (blob.count() != count)
      fail("blob " + name + " has " + std::to_string(blob.count()) + " values, the reference " +
           std::to_string(count) + " (another model or batch?)");
    double scale = 0, difference = 0;
    const float* data = blob.cpu_data();
    for (long long i = 0; i < count; ++i) {
      scale = std::max(scale, std::fabs(static_cast<double>(reference[i])));
      double d = std::fabs(static_cast<double>(data[i]) - reference[i]);
      if (!(d <= difference)) difference = d;  // NaN counts as a difference
    }
    if (scale == 0) scale = 1;
    double relative = difference / scale;
    bool ok = relative <= options.tolerance;
    all_ok = all_ok && ok;
    std::ostringstream out;
    out.precision(9);
    out << "{\"type\":\"compare\",\"blob\":" << json_string(name) << ",\"count\":" << count
        << ",\"max_abs_diff\":" << difference << ",\"scale\":" << scale
        << ",\"relative\":" << relative << ",\"tolerance\":" << options.tolerance
        << ",\"ok\":" << (ok ? "true" : "false") << "}";
    emit(out.str());
  }
  return all_ok;
}

// Each layer alone (ForwardFromTo(i, i)), 20 times after the timed passes, synchronised:
// where the time of a pass goes. The sum is above a pass's time on the GPU, where a pass
// overlaps launches with work.
void print_layer_times(caffe::Net<float>& net, bool gpu) {
  const int repeats = 20;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r) {
      synchronize(gpu);
      auto start = std::chrono::steady_clock::now();
      net.ForwardFromTo(static_cast<int>(i), static_cast<int>(i));
      synchronize(gpu);
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(times.begin(), times.end());
    std::ostringstream line;
    line.precision(4);
    line << std::fixed << "{\"type\":\"layer_time\",\"layer\":" << json_string(net.layer_names()[i])
         << ",\"layer_type\":" << json_string(net.layers()[i]->type())
         << ",\"ms\":" << times[times.size() / 2] << "}";
    emit(line.str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_minloglevel = 1;  // Caffe's per-layer INFO lines would bury the results
  google::InitGoogleLogging(argv[0]);
  Options options = parse(argc, argv);
  const bool gpu = options.device == "gpu";

  std::string device_fields;
  if (gpu) {
    device_fields = gpu_setup(options);
  } else {
    caffe::Caffe::set_mode(caffe::Caffe::CPU);
    device_fields = ",\"device_name\":" + json_string(cpu_model());
  }
  check_reference(options);

  caffe::Net<float> net(options.model, caffe::TEST);
  std::string weights_kind;
  if (options.weights.empty()) {
    fill_random_weights(net, options.seed);
    weights_kind = "random (seed " + std::to_string(options.seed) + ")";
  } else {
    net.CopyTrainedLayersFrom(options.weights);
    weights_kind = "trained";
  }
  if (!options.save_weights.empty()) {
    caffe::NetParameter parameters;
    net.ToProto(&parameters, false);
    caffe::WriteProtoToBinaryFile(parameters, options.save_weights);
  }
  if (net.input_blobs().size() != 1) fail("the model must have exactly one input");
  caffe::Blob<float>& input = *net.input_blobs()[0];
  input.Reshape(options.batch, input.channels(), input.height(), input.width());
  net.Reshape();
  fill_random_input(input, options.seed + 1);
  if (!options.save_input.empty()) {
    std::ofstream raw(options.save_input, std::ios::binary);
    raw.write(reinterpret_cast<const char*>(input.cpu_data()),
              static_cast<std::streamsize>(input.count() * sizeof(float)));
    if (!raw) fail("cannot write " + options.save_input);
  }

  int threads = 1;
  std::string blas = blas_name(&threads);
  std::ostringstream header;
  header << "{\"type\":\"header\",\"device\":\"" << options.device << "\"" << device_fields
         << ",\"device_id\":" << options.device_id << ",\"cpu_threads\":" << threads
         << ",\"blas\":" << json_string(blas) << ",\"batch\":" << options.batch << ",\"input\":"
         << json_string("uniform [-1, 1], seed " + std::to_string(options.seed + 1))
         << ",\"weights\":" << json_string(weights_kind)
         << ",\"model\":" << json_string(options.model)
         << ",\"caffe_commit\":" << json_string(CAFFE_COMMIT)
         << ",\"compiler\":" << json_string(COMPILER) << ",\"warmup\":" << options.warmup
         << ",\"iterations\":" << options.iterations << "}";
  emit(header.str());

  for (int i = 0; i < options.warmup; ++i) net.Forward();
  synchronize(gpu);
  for (int i = 0; i < options.iterations; ++i) {
    synchronize(gpu);
    auto start = std::chrono::steady_clock::now();
    net.Forward();
    synchronize(gpu);
    auto end = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(end - start).count();
    std::ostringstream line;
    line.precision(6);
    line << std::fixed << "{\"type\":\"pass\",\"index\":" << i << ",\"ms\":" << ms << "}";
    emit(line.str());
  }
  // The outputs of the last timed pass, before the sample image replaces the input.
  const std::vector<std::string> blobs = compared_blobs(net, !options.weights.empty());
  if (!options.save_outputs.empty()) save_outputs(net, blobs, options.save_outputs);
  bool equal = options.compare_with.empty() || compare_outputs(net, options);
  if (options.layer_times) print_layer_times(net, gpu);
  if (!options.image.empty()) print_detections(net, options);
  if (!equal)
    std::cerr << "mobilenet_ssd_bench: the outputs differ from " << options.compare_with
              << " by more than " << options.tolerance << " of a blob's scale" << std::endl;
  return 0;
}
