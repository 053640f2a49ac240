// Batched matrix product C[b] = op(A[b]) · op(B[b]) (row-major, TensorFlow's BatchMatMul) on
// oneDNN's sgemm. A batch of 1 on either side is broadcast.
#include "common.h"
#include <algorithm>

namespace ktg {
namespace {

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

}  // namespace

void registerGemm(Napi::Env env, Napi::Object exports) { exports.Set("matmul", Napi::Function::New(env, MatMul)); }

}  // namespace ktg
