// Shared helpers of the ktg native addon: argument reading, the oneDNN engine/stream, and the
// wasm-heap view every kernel reads and writes (zero-copy, see ktg_native.cc).
#pragma once
#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace ktg {

dnnl::engine &cpuEngine();
dnnl::stream &cpuStream();

/**
 * The precision of convolutions and matrix products: f32, or bf16 inputs with f32 accumulation and
 * f32 outputs (activations, weights and gradients stay f32 on the heap; they are converted into
 * scratch buffers right before each primitive). Set by setPrecision; bf16 only where the CPU has
 * AVX-512 BF16 (or AMX).
 */
enum class Precision { f32, bf16 };
Precision precision();
/** data type the primitives read their inputs in */
inline dnnl::memory::data_type computeType() { return precision() == Precision::bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32; }
/** `user` converted to `low` (same shape, the primitive's data type and layout); `user` itself when no conversion is needed */
dnnl::memory converted(const dnnl::memory &user, dnnl::memory &low);

/** A typed array over the (shared) wasm memory: base pointer and length in bytes. */
struct Heap {
  uint8_t *base = nullptr;
  size_t bytes = 0;
  /** pointer to `count` floats at byte offset `offset`, bounds-checked */
  float *floats(double offset, double count, const char *what) const;
};

/** Reads arguments positionally with type checks; errors name the function and the argument. */
class Args {
 public:
  Args(const Napi::CallbackInfo &info, const char *fn) : info_(info), fn_(fn) {}
  Heap heap(size_t i) const;
  int64_t integer(size_t i) const;
  double number(size_t i) const;
  bool boolean(size_t i) const;
  /** a Float64Array argument: pointer and element count */
  const double *doubles(size_t i, size_t *length) const;
  [[noreturn]] void fail(const std::string &message) const;

 private:
  const Napi::CallbackInfo &info_;
  const char *fn_;
};

/** The primitives built for one key (a geometry), created on first use and kept for the process. */
template <typename Key, typename Plan, typename Make>
Plan &cachedPlan(const Key &key, Make make) {
  static std::map<Key, std::unique_ptr<Plan>> cache;
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return *it->second;
}

/** Runs `body`, turning oneDNN and std errors into JS exceptions that name `fn`. */
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo &info, const char *fn, F body) {
  try {
    body();
  } catch (const Napi::Error &) {
    throw;
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("ktg native ") + fn + ": oneDNN error " + std::to_string(e.status) + ": " + e.what());
  } catch (const std::exception &e) {
    throw Napi::Error::New(info.Env(), std::string("ktg native ") + fn + ": " + e.what());
  }
  return info.Env().Undefined();
}

void registerConvolution(Napi::Env env, Napi::Object exports);
void registerEltwise(Napi::Env env, Napi::Object exports);
void registerBatchNorm(Napi::Env env, Napi::Object exports);
void registerGemm(Napi::Env env, Napi::Object exports);
void registerOptimizers(Napi::Env env, Napi::Object exports);
void registerPooling(Napi::Env env, Napi::Object exports);

}  // namespace ktg
