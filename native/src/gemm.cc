// Batched matrix product C[b] = op(A[b]) · op(B[b]) (row-major, TensorFlow's BatchMatMul) on
// oneDNN's sgemm. A batch of 1 on either side is broadcast. In bf16 the product runs as a oneDNN
// matmul primitive on bf16 copies of A and B (transposes expressed as strides), accumulating in f32
// and writing C in f32.
#include "common.h"
#include <algorithm>
#include <array>

namespace ktg {
namespace {
using namespace dnnl;
using dt = memory::data_type;

// batchA, batchB, M, N, K, transposeA, transposeB
using MatMulKey = std::array<int64_t, 7>;

/** A bf16 matmul of one shape: descriptors of the f32 inputs on the heap, their bf16 copies, the primitive. */
struct MatMulPlan {
  memory::desc aUser, bUser, c;
  memory aLow, bLow;
  matmul prim;
  std::string impl;

  explicit MatMulPlan(const MatMulKey &key) {
    const auto [batchA, batchB, m, n, k, ta, tb] = key;
    const int64_t batch = std::max(batchA, batchB);
    // A[b] is m×k (stored k×m when transposed), B[b] is k×n (stored n×k when transposed)
    const memory::dims aStrides = ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1};
    const memory::dims bStrides = tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1};
    aUser = memory::desc({batchA, m, k}, dt::f32, aStrides);
    bUser = memory::desc({batchB, k, n}, dt::f32, bStrides);
    const memory::desc aDesc({batchA, m, k}, dt::bf16, aStrides), bDesc({batchB, k, n}, dt::bf16, bStrides);
    c = memory::desc({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
    matmul::primitive_desc pd(matmul::desc(aDesc, bDesc, c), cpuEngine());
    prim = matmul(pd);
    impl = pd.impl_info_str();
    aLow = memory(aDesc, cpuEngine());
    bLow = memory(bDesc, cpuEngine());
  }

  void run(const float *A, const float *B, float *C) {
    memory a(aUser, cpuEngine(), const_cast<float *>(A)), b(bUser, cpuEngine(), const_cast<float *>(B)), out(c, cpuEngine(), C);
    prim.execute(cpuStream(), {{DNNL_ARG_SRC, converted(a, aLow)}, {DNNL_ARG_WEIGHTS, converted(b, bLow)}, {DNNL_ARG_DST, out}});
    cpuStream().wait();
  }
};

// matmul(heap, a, b, c, batchA, batchB, M, N, K, transposeA, transposeB)
Napi::Value MatMul(const Napi::CallbackInfo &info) {
  return guarded(info, "matmul", [&] {
    Args a(info, "matmul");
    Heap heap = a.heap(0);
    int64_t batchA = a.integer(4), batchB = a.integer(5), m = a.integer(6), n = a.integer(7), k = a.integer(8);
    bool ta = a.boolean(9), tb = a.boolean(10);
    if (batchA < 1 || batchB < 1 || m < 0 || n < 0 || k < 0) a.fail("sizes must be non-negative and batches positive");
    if (batchA != batchB && batchA != 1 && batchB != 1) a.fail("batches must be equal or 1");
    int64_t batch = std::max(batchA, batchB);
    const float *A = heap.floats(a.number(1), batchA * m * k, "matmul a");
    const float *B = heap.floats(a.number(2), batchB * k * n, "matmul b");
    float *C = heap.floats(a.number(3), batch * m * n, "matmul c");
    if (m == 0 || n == 0) return;
    if (precision() == Precision::bf16 && k > 0) {
      const MatMulKey key{batchA, batchB, m, n, k, ta ? 1 : 0, tb ? 1 : 0};
      cachedPlan<MatMulKey, MatMulPlan>(key, [&] { return std::make_unique<MatMulPlan>(key); }).run(A, B, C);
      return;
    }
    for (int64_t i = 0; i < batch; i++) {
      const float *Ai = A + (batchA == 1 ? 0 : i * m * k);
      const float *Bi = B + (batchB == 1 ? 0 : i * k * n);
      float *Ci = C + i * m * n;
      if (k == 0) {
        std::fill(Ci, Ci + m * n, 0.0f);
        continue;
      }
      dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, Ai, ta ? m : k, Bi, tb ? k : n, 0.0f, Ci, n);
      if (status != dnnl_success) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string(status));
    }
  });
}

// matmulImplementation(batchA, batchB, M, N, K, transposeA, transposeB): the oneDNN implementation a bf16 product of this shape uses
Napi::Value MatMulImplementation(const Napi::CallbackInfo &info) {
  std::string impl;
  guarded(info, "matmulImplementation", [&] {
    Args a(info, "matmulImplementation");
    const MatMulKey key{a.integer(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.boolean(5) ? 1 : 0, a.boolean(6) ? 1 : 0};
    impl = cachedPlan<MatMulKey, MatMulPlan>(key, [&] { return std::make_unique<MatMulPlan>(key); }).impl;
  });
  return Napi::String::New(info.Env(), impl);
}

}  // namespace

void registerGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("matmulImplementation", Napi::Function::New(env, MatMulImplementation));
}

}  // namespace ktg
