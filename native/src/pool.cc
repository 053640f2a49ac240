// 2-D max pooling (NHWC) forward and backward on oneDNN. TensorFlow's MaxPoolGrad gets the
// forward input and output but no argmax, so the backward pass re-runs the forward in training
// mode into cached scratch memory to get oneDNN's workspace (the argmax), then scatters dy.
// Padded positions never win (as in TensorFlow, where padding counts as −∞).
#include "common.h"
#include <array>
#include <map>
#include <memory>

namespace ktg {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, padBottom, padRight
constexpr size_t kLength = 14;
using Geometry = std::array<int64_t, kLength>;

struct PoolPlan {
  memory::desc src, dst;
  pooling_forward::primitive_desc inferencePd, trainingPd;
  pooling_forward inference, training;
  pooling_backward backward;
  memory scratchDst, workspace;
  bool hasBackward = false;

  explicit PoolPlan(const Geometry &g) {
    const auto [n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr] = g;
    src = memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
    dst = memory::desc({n, c, oh, ow}, dt::f32, tag::nhwc);
    pooling_forward::desc d(prop_kind::forward_inference, algorithm::pooling_max, src, dst, {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
    inferencePd = pooling_forward::primitive_desc(d, cpuEngine());
    inference = pooling_forward(inferencePd);
  }

  void buildBackward(const Geometry &g) {
    const auto [n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr] = g;
    pooling_forward::desc d(prop_kind::forward_training, algorithm::pooling_max, src, dst, {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
    trainingPd = pooling_forward::primitive_desc(d, cpuEngine());
    training = pooling_forward(trainingPd);
    pooling_backward::desc bd(algorithm::pooling_max, src, dst, {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
    backward = pooling_backward(pooling_backward::primitive_desc(bd, cpuEngine(), trainingPd));
    scratchDst = memory(dst, cpuEngine());
    workspace = memory(trainingPd.workspace_desc(), cpuEngine());
    hasBackward = true;
  }
};

PoolPlan &planFor(const Args &a, size_t first, Geometry *out) {
  Geometry g;
  for (size_t i = 0; i < kLength; i++) g[i] = a.integer(first + i);
  for (size_t i = 0; i < 10; i++)
    if (g[i] < 1) a.fail("sizes and strides must be positive");
  for (size_t i = 10; i < kLength; i++)
    if (g[i] < 0) a.fail("padding must be non-negative");
  *out = g;
  return cachedPlan<Geometry, PoolPlan>(g, [&] { return std::make_unique<PoolPlan>(g); });
}

// maxPoolForward(heap, x, y, ...geometry)
Napi::Value Forward(const Napi::CallbackInfo &info) {
  return guarded(info, "maxPoolForward", [&] {
    Args a(info, "maxPoolForward");
    Heap heap = a.heap(0);
    Geometry g;
    PoolPlan &p = planFor(a, 3, &g);
    memory x(p.src, cpuEngine(), heap.floats(a.number(1), g[0] * g[1] * g[2] * g[3], "maxPoolForward x"));
    memory y(p.dst, cpuEngine(), heap.floats(a.number(2), g[0] * g[6] * g[7] * g[3], "maxPoolForward y"));
    p.inference.execute(cpuStream(), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    cpuStream().wait();
  });
}

// maxPoolBackward(heap, x, dy, dx, ...geometry)
Napi::Value Backward(const Napi::CallbackInfo &info) {
  return guarded(info, "maxPoolBackward", [&] {
    Args a(info, "maxPoolBackward");
    Heap heap = a.heap(0);
    Geometry g;
    PoolPlan &p = planFor(a, 4, &g);
    if (!p.hasBackward) p.buildBackward(g);
    memory x(p.src, cpuEngine(), heap.floats(a.number(1), g[0] * g[1] * g[2] * g[3], "maxPoolBackward x"));
    memory dy(p.dst, cpuEngine(), heap.floats(a.number(2), g[0] * g[6] * g[7] * g[3], "maxPoolBackward dy"));
    memory dx(p.src, cpuEngine(), heap.floats(a.number(3), g[0] * g[1] * g[2] * g[3], "maxPoolBackward dx"));
    p.training.execute(cpuStream(), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, p.scratchDst}, {DNNL_ARG_WORKSPACE, p.workspace}});
    p.backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WORKSPACE, p.workspace}, {DNNL_ARG_DIFF_SRC, dx}});
    cpuStream().wait();
  });
}

}  // namespace

void registerPooling(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPoolForward", Napi::Function::New(env, Forward));
  exports.Set("maxPoolBackward", Napi::Function::New(env, Backward));
}

}  // namespace ktg
