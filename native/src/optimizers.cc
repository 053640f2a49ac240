// Optimizer updates for every parameter of a model in one call: SGD with (Nesterov) momentum and
// L2 weight decay, and Adam, with exactly the update rules of tfjs's MomentumOptimizer and
// AdamOptimizer (so results do not depend on the backend). New parameter values go to a separate
// buffer (the caller assigns it); moments are updated in place. Work is split into chunks across the
// OpenMP threads, whatever the tensor sizes.
#include "common.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace ktg {
namespace {

struct Chunk {
  size_t tensor;
  int64_t begin, end;
};

constexpr int64_t kChunk = 16384;

std::vector<Chunk> chunks(const std::vector<int64_t> &sizes) {
  std::vector<Chunk> out;
  for (size_t t = 0; t < sizes.size(); t++)
    for (int64_t b = 0; b < sizes[t]; b += kChunk) out.push_back({t, b, std::min(sizes[t], b + kChunk)});
  return out;
}

/** Reads a table of `width` offsets/sizes per tensor; column `sizeColumn` is the element count. */
struct Table {
  std::vector<std::vector<float *>> ptr;  // per tensor, one pointer per offset column
  std::vector<int64_t> sizes;
  std::vector<double> extra;  // the column after the size (e.g. weight-decay flag)
};

Table readTable(const Args &a, const Heap &heap, size_t index, size_t offsets, const char *fn) {
  size_t length = 0;
  const double *raw = a.doubles(index, &length);
  size_t width = offsets + 2;
  if (length % width != 0) a.fail(std::string("the tensor table must have ") + std::to_string(width) + " numbers per tensor");
  Table t;
  for (size_t row = 0; row < length / width; row++) {
    const double *r = raw + row * width;
    int64_t size = static_cast<int64_t>(r[offsets]);
    if (size < 0 || static_cast<double>(size) != r[offsets]) a.fail("tensor sizes must be non-negative integers");
    std::vector<float *> ptrs;
    for (size_t c = 0; c < offsets; c++) ptrs.push_back(heap.floats(r[c], size, fn));
    t.ptr.push_back(ptrs);
    t.sizes.push_back(size);
    t.extra.push_back(r[offsets + 1]);
  }
  return t;
}

// sgdUpdate(heap, table [variable, newVariable, gradient, accumulator, size, decay 0/1]…, lr, momentum, weightDecay, nesterov)
Napi::Value SgdUpdate(const Napi::CallbackInfo &info) {
  return guarded(info, "sgdUpdate", [&] {
    Args a(info, "sgdUpdate");
    Heap heap = a.heap(0);
    Table t = readTable(a, heap, 1, 4, "sgdUpdate");
    const float lr = static_cast<float>(a.number(2)), m = static_cast<float>(a.number(3)), wd = static_cast<float>(a.number(4));
    const bool nesterov = a.boolean(5);
    std::vector<Chunk> work = chunks(t.sizes);
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < work.size(); i++) {
      const Chunk &c = work[i];
      const float *v = t.ptr[c.tensor][0], *g = t.ptr[c.tensor][2];
      float *out = t.ptr[c.tensor][1], *acc = t.ptr[c.tensor][3];
      const float decay = t.extra[c.tensor] != 0 ? wd : 0.0f;
      for (int64_t j = c.begin; j < c.end; j++) {
        const float grad = g[j] + decay * v[j];
        const float next = m * acc[j] + grad;
        acc[j] = next;
        out[j] = v[j] - lr * (nesterov ? grad + m * next : next);
      }
    }
  });
}

// adamUpdate(heap, table [variable, newVariable, gradient, firstMoment, secondMoment, size, decay 0/1]…, lr, beta1, beta2, epsilon,
//            beta1Power, beta2Power, weightDecay)
Napi::Value AdamUpdate(const Napi::CallbackInfo &info) {
  return guarded(info, "adamUpdate", [&] {
    Args a(info, "adamUpdate");
    Heap heap = a.heap(0);
    Table t = readTable(a, heap, 1, 5, "adamUpdate");
    const float lr = static_cast<float>(a.number(2)), b1 = static_cast<float>(a.number(3)), b2 = static_cast<float>(a.number(4));
    const float eps = static_cast<float>(a.number(5));
    const float c1 = 1.0f / (1.0f - static_cast<float>(a.number(6))), c2 = 1.0f / (1.0f - static_cast<float>(a.number(7)));
    const float wd = static_cast<float>(a.number(8));
    std::vector<Chunk> work = chunks(t.sizes);
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < work.size(); i++) {
      const Chunk &c = work[i];
      const float *v = t.ptr[c.tensor][0], *g = t.ptr[c.tensor][2];
      float *out = t.ptr[c.tensor][1], *m1 = t.ptr[c.tensor][3], *m2 = t.ptr[c.tensor][4];
      const float decay = t.extra[c.tensor] != 0 ? wd : 0.0f;
      for (int64_t j = c.begin; j < c.end; j++) {
        const float grad = g[j] + decay * v[j];
        const float first = b1 * m1[j] + (1.0f - b1) * grad;
        const float second = b2 * m2[j] + (1.0f - b2) * grad * grad;
        m1[j] = first;
        m2[j] = second;
        out[j] = v[j] - lr * (first * c1) / (std::sqrt(second * c2) + eps);
      }
    }
  });
}

}  // namespace

void registerOptimizers(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
}

}  // namespace ktg
