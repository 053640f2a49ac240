// ktg native addon: oneDNN training kernels that work in place on tfjs-backend-wasm's heap.
//
// Every tensor of the wasm backend lives in one WebAssembly.Memory (a SharedArrayBuffer with
// threads). JavaScript passes a Float32Array over that memory plus byte offsets; the kernels read
// inputs and write outputs there directly, so nothing is copied. The memory can grow between calls,
// so the caller takes a fresh view per call and every offset is checked against its length.
#include "common.h"
#include <omp.h>

namespace ktg {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

namespace {
Precision currentPrecision = Precision::f32;

/** the CPU runs bf16 dot products natively: AVX-512 BF16 (whose bits AMX's ISA value includes) */
bool hasBf16() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (isa & bf16) == bf16;
}
}  // namespace

Precision precision() { return currentPrecision; }

dnnl::memory converted(const dnnl::memory &user, dnnl::memory &low) {
  if (!low) return user;
  dnnl::reorder(user, low).execute(cpuStream(), const_cast<dnnl::memory &>(user), low);
  return low;
}

float *Heap::floats(double offset, double count, const char *what) const {
  if (!(offset >= 0) || !(count >= 0) || offset != static_cast<double>(static_cast<uint64_t>(offset)) || static_cast<uint64_t>(offset) % 4 != 0 ||
      offset + count * 4 > static_cast<double>(bytes)) {
    throw std::runtime_error(std::string(what) + ": byte range [" + std::to_string(static_cast<uint64_t>(offset)) + ", +" +
                             std::to_string(static_cast<uint64_t>(count * 4)) + ") is outside the wasm heap of " + std::to_string(bytes) + " bytes");
  }
  return reinterpret_cast<float *>(base + static_cast<uint64_t>(offset));
}

void Args::fail(const std::string &message) const {
  throw Napi::TypeError::New(info_.Env(), std::string("ktg native ") + fn_ + ": " + message);
}

Heap Args::heap(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsTypedArray()) fail("argument " + std::to_string(i) + " must be a Float32Array over the wasm heap");
  napi_typedarray_type type;
  size_t length = 0;
  void *data = nullptr;
  napi_value buffer;
  size_t byteOffset = 0;
  if (napi_get_typedarray_info(info_.Env(), info_[i], &type, &length, &data, &buffer, &byteOffset) != napi_ok || type != napi_float32_array) {
    fail("argument " + std::to_string(i) + " must be a Float32Array over the wasm heap");
  }
  Heap h;
  h.base = static_cast<uint8_t *>(data);
  h.bytes = length * 4;
  return h;
}

double Args::number(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail("argument " + std::to_string(i) + " must be a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

int64_t Args::integer(size_t i) const {
  double v = number(i);
  if (v != static_cast<double>(static_cast<int64_t>(v))) fail("argument " + std::to_string(i) + " must be an integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

bool Args::boolean(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsBoolean()) fail("argument " + std::to_string(i) + " must be a boolean");
  return info_[i].As<Napi::Boolean>().Value();
}

const double *Args::doubles(size_t i, size_t *length) const {
  if (i >= info_.Length() || !info_[i].IsTypedArray()) fail("argument " + std::to_string(i) + " must be a Float64Array");
  napi_typedarray_type type;
  void *data = nullptr;
  napi_value buffer;
  size_t byteOffset = 0;
  if (napi_get_typedarray_info(info_.Env(), info_[i], &type, length, &data, &buffer, &byteOffset) != napi_ok || type != napi_float64_array) {
    fail("argument " + std::to_string(i) + " must be a Float64Array");
  }
  return static_cast<const double *>(data);
}

/** setThreads(n): the OpenMP threads oneDNN and the optimizer loops use. */
static Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  Args a(info, "setThreads");
  int64_t n = a.integer(0);
  if (n < 1 || n > 256) a.fail("thread count must be in 1..256");
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

/**
 * setPrecision("f32" | "bf16") → { precision, reason? }: bf16 convolutions and matrix products
 * (f32 accumulation and outputs) where the CPU has AVX-512 BF16; elsewhere f32, with the reason.
 */
static Napi::Value SetPrecision(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "ktg native setPrecision: argument 0 must be \"f32\" or \"bf16\"");
  const std::string wanted = info[0].As<Napi::String>().Utf8Value();
  if (wanted != "f32" && wanted != "bf16") throw Napi::TypeError::New(env, "ktg native setPrecision: precision must be \"f32\" or \"bf16\", got \"" + wanted + "\"");
  Napi::Object out = Napi::Object::New(env);
  if (wanted == "bf16" && !hasBf16()) {
    currentPrecision = Precision::f32;
    out.Set("reason", "this CPU has no AVX-512 BF16 (oneDNN dispatches to ISA " + std::to_string(static_cast<unsigned>(dnnl::get_effective_cpu_isa())) + ")");
  } else
    currentPrecision = wanted == "bf16" ? Precision::bf16 : Precision::f32;
  out.Set("precision", currentPrecision == Precision::bf16 ? "bf16" : "f32");
  return out;
}

/** info(): library version and the instruction set oneDNN dispatches to. */
static Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const dnnl_version_t *v = dnnl_version();
  Napi::Object out = Napi::Object::New(env);
  out.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  out.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : "sequential/other");
  const char *isa = "unknown";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: isa = "SSE4.1"; break;
    case dnnl::cpu_isa::avx: isa = "AVX"; break;
    case dnnl::cpu_isa::avx2: isa = "AVX2"; break;
    case dnnl::cpu_isa::avx512_core: isa = "AVX-512"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "AVX-512 VNNI"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "AVX-512 BF16"; break;
    case dnnl::cpu_isa::avx512_core_amx: isa = "AVX-512 AMX"; break;
    default: break;
  }
  out.Set("isa", isa);
  out.Set("threads", omp_get_max_threads());
  out.Set("precision", currentPrecision == Precision::bf16 ? "bf16" : "f32");
  return out;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setPrecision", Napi::Function::New(env, SetPrecision));
  registerConvolution(env, exports);
  registerEltwise(env, exports);
  registerBatchNorm(env, exports);
  registerGemm(env, exports);
  registerOptimizers(env, exports);
  registerPooling(env, exports);
  return exports;
}

}  // namespace ktg

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ktg::Init(env, exports); }

NODE_API_MODULE(ktg_native, InitModule)
