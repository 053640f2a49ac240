// Element-wise kernels over whole float32 tensors of the same shape, on oneDNN (multithreaded and
// vectorised, where the wasm backend's element-wise kernels run on one thread): a + b, max(a + b, 0)
// (a residual connection and the ReLU after it, one pass instead of two) and the ReLU gradient from
// the ReLU's output, dx = dy where y > 0 else 0 (one pass instead of tfjs's Step, Cast, Multiply).
// Shapes do not matter, only element counts: tensors are viewed as 1-D.
#include "common.h"
#include <memory>

namespace ktg {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

memory::desc flat(int64_t count) { return memory::desc({count}, dt::f32, tag::a); }

struct AddPlan {
  binary prim;
  AddPlan(int64_t count, bool relu) {
    primitive_attr attr;
    if (relu) {
      post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    binary::desc d(algorithm::binary_add, flat(count), flat(count), flat(count));
    prim = binary(binary::primitive_desc(d, attr, cpuEngine()));
  }
};

struct ReluGradPlan {
  eltwise_backward prim;
  explicit ReluGradPlan(int64_t count) {
    eltwise_forward::desc fd(prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, flat(count), 0.f, 0.f);
    eltwise_forward::primitive_desc hint(fd, cpuEngine());
    eltwise_backward::desc bd(algorithm::eltwise_relu_use_dst_for_bwd, flat(count), flat(count), 0.f, 0.f);
    prim = eltwise_backward(eltwise_backward::primitive_desc(bd, cpuEngine(), hint));
  }
};

int64_t countOf(const Args &a, size_t i) {
  const int64_t n = a.integer(i);
  if (n < 1) a.fail("element count must be positive");
  return n;
}

// add(heap, aOffset, bOffset, yOffset, count, relu): y = a + b, or max(a + b, 0) with relu
Napi::Value Add(const Napi::CallbackInfo &info) {
  return guarded(info, "add", [&] {
    Args a(info, "add");
    Heap heap = a.heap(0);
    const int64_t n = countOf(a, 4);
    const bool relu = a.boolean(5);
    float *x0 = heap.floats(a.number(1), n, "add a");
    float *x1 = heap.floats(a.number(2), n, "add b");
    float *y = heap.floats(a.number(3), n, "add y");
    AddPlan &p = cachedPlan<std::pair<int64_t, bool>, AddPlan>({n, relu}, [&] { return std::make_unique<AddPlan>(n, relu); });
    memory m0(flat(n), cpuEngine(), x0), m1(flat(n), cpuEngine(), x1), out(flat(n), cpuEngine(), y);
    p.prim.execute(cpuStream(), {{DNNL_ARG_SRC_0, m0}, {DNNL_ARG_SRC_1, m1}, {DNNL_ARG_DST, out}});
    cpuStream().wait();
  });
}

// reluBackward(heap, yOffset, dyOffset, dxOffset, count): dx = dy where y > 0, else 0 (y = the ReLU's output)
Napi::Value ReluBackward(const Napi::CallbackInfo &info) {
  return guarded(info, "reluBackward", [&] {
    Args a(info, "reluBackward");
    Heap heap = a.heap(0);
    const int64_t n = countOf(a, 4);
    float *y = heap.floats(a.number(1), n, "reluBackward y");
    float *dy = heap.floats(a.number(2), n, "reluBackward dy");
    float *dx = heap.floats(a.number(3), n, "reluBackward dx");
    ReluGradPlan &p = cachedPlan<int64_t, ReluGradPlan>(n, [&] { return std::make_unique<ReluGradPlan>(n); });
    memory dst(flat(n), cpuEngine(), y), diffDst(flat(n), cpuEngine(), dy), diffSrc(flat(n), cpuEngine(), dx);
    p.prim.execute(cpuStream(), {{DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_SRC, diffSrc}});
    cpuStream().wait();
  });
}

}  // namespace

void registerEltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("add", Napi::Function::New(env, Add));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward));
}

}  // namespace ktg
