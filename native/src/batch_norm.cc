// Training-mode batch normalisation over N·H·W per channel (NHWC), optionally fused with the ReLU
// that follows it, on oneDNN: forward (y, batch mean, biased batch variance, and the ReLU mask as
// workspace) and backward (dx, dγ, dβ).
#include "common.h"
#include <array>
#include <cstring>
#include <unordered_map>
#include <map>
#include <memory>

namespace ktg {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// N, H, W, C, relu (0/1), epsilon bits
using Key = std::array<int64_t, 6>;

struct BnPlan {
  memory::desc data, channel;
  batch_normalization_forward::primitive_desc fwdPd;
  batch_normalization_forward fwd;
  batch_normalization_backward::primitive_desc bwdPd;
  batch_normalization_backward bwd;
  bool hasBwd = false;
  bool relu;
  float epsilon;
  normalization_flags flags;

  BnPlan(int64_t n, int64_t h, int64_t w, int64_t c, bool relu_, float eps) : relu(relu_), epsilon(eps) {
    data = memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
    channel = memory::desc({c}, dt::f32, tag::x);
    flags = normalization_flags::use_scale | normalization_flags::use_shift;
    if (relu) flags = flags | normalization_flags::fuse_norm_relu;
    batch_normalization_forward::desc desc(prop_kind::forward_training, data, epsilon, flags);
    fwdPd = batch_normalization_forward::primitive_desc(desc, cpuEngine());
    fwd = batch_normalization_forward(fwdPd);
  }

  void buildBwd() {
    batch_normalization_backward::desc desc(prop_kind::backward, data, data, epsilon, flags);
    bwdPd = batch_normalization_backward::primitive_desc(desc, cpuEngine(), fwdPd);
    bwd = batch_normalization_backward(bwdPd);
    hasBwd = true;
  }

  size_t workspaceBytes() const { return relu ? fwdPd.workspace_desc().get_size() : 0; }
};

BnPlan &planFor(const Args &a, size_t first) {
  int64_t n = a.integer(first), h = a.integer(first + 1), w = a.integer(first + 2), c = a.integer(first + 3);
  bool relu = a.boolean(first + 4);
  double eps = a.number(first + 5);
  if (n < 1 || h < 1 || w < 1 || c < 1) a.fail("shape must be positive");
  if (!(eps > 0)) a.fail("epsilon must be positive");
  float epsF = static_cast<float>(eps);
  int32_t bits;
  std::memcpy(&bits, &epsF, sizeof bits);
  Key key{n, h, w, c, relu ? 1 : 0, bits};
  return cachedPlan<Key, BnPlan>(key, [&] { return std::make_unique<BnPlan>(n, h, w, c, relu, epsF); });
}

int64_t count(const memory::desc &d) {
  int64_t n = 1;
  for (auto v : d.dims()) n *= v;
  return n;
}

// batchNormWorkspaceBytes(N, H, W, C, relu, epsilon)
Napi::Value WorkspaceBytes(const Napi::CallbackInfo &info) {
  size_t bytes = 0;
  guarded(info, "batchNormWorkspaceBytes", [&] {
    Args a(info, "batchNormWorkspaceBytes");
    bytes = planFor(a, 0).workspaceBytes();
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bytes));
}

// batchNormForward(heap, x, gamma, beta, y, mean, variance, workspace, N, H, W, C, relu, epsilon)
Napi::Value Forward(const Napi::CallbackInfo &info) {
  return guarded(info, "batchNormForward", [&] {
    Args a(info, "batchNormForward");
    Heap heap = a.heap(0);
    BnPlan &p = planFor(a, 8);
    int64_t size = count(p.data), c = p.channel.dims()[0];
    memory x(p.data, cpuEngine(), heap.floats(a.number(1), size, "batchNormForward x"));
    memory gamma(p.channel, cpuEngine(), heap.floats(a.number(2), c, "batchNormForward gamma"));
    memory beta(p.channel, cpuEngine(), heap.floats(a.number(3), c, "batchNormForward beta"));
    memory y(p.data, cpuEngine(), heap.floats(a.number(4), size, "batchNormForward y"));
    memory mean(p.channel, cpuEngine(), heap.floats(a.number(5), c, "batchNormForward mean"));
    memory variance(p.channel, cpuEngine(), heap.floats(a.number(6), c, "batchNormForward variance"));
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x},    {DNNL_ARG_SCALE, gamma},    {DNNL_ARG_SHIFT, beta},
                                         {DNNL_ARG_DST, y},    {DNNL_ARG_MEAN, mean},      {DNNL_ARG_VARIANCE, variance}};
    if (p.relu) args[DNNL_ARG_WORKSPACE] = memory(p.fwdPd.workspace_desc(), cpuEngine(), heap.floats(a.number(7), (p.workspaceBytes() + 3) / 4, "batchNormForward workspace"));
    p.fwd.execute(cpuStream(), args);
    cpuStream().wait();
  });
}

// batchNormBackward(heap, x, dy, mean, variance, gamma, beta, workspace, dx, dgamma, dbeta, N, H, W, C, relu, epsilon)
// (oneDNN 2.6 asks for the shift β as well)
Napi::Value Backward(const Napi::CallbackInfo &info) {
  return guarded(info, "batchNormBackward", [&] {
    Args a(info, "batchNormBackward");
    Heap heap = a.heap(0);
    BnPlan &p = planFor(a, 11);
    if (!p.hasBwd) p.buildBwd();
    int64_t size = count(p.data), c = p.channel.dims()[0];
    memory x(p.data, cpuEngine(), heap.floats(a.number(1), size, "batchNormBackward x"));
    memory dy(p.data, cpuEngine(), heap.floats(a.number(2), size, "batchNormBackward dy"));
    memory mean(p.channel, cpuEngine(), heap.floats(a.number(3), c, "batchNormBackward mean"));
    memory variance(p.channel, cpuEngine(), heap.floats(a.number(4), c, "batchNormBackward variance"));
    memory gamma(p.channel, cpuEngine(), heap.floats(a.number(5), c, "batchNormBackward gamma"));
    memory beta(p.channel, cpuEngine(), heap.floats(a.number(6), c, "batchNormBackward beta"));
    memory dx(p.data, cpuEngine(), heap.floats(a.number(8), size, "batchNormBackward dx"));
    memory dgamma(p.channel, cpuEngine(), heap.floats(a.number(9), c, "batchNormBackward dgamma"));
    memory dbeta(p.channel, cpuEngine(), heap.floats(a.number(10), c, "batchNormBackward dbeta"));
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x},           {DNNL_ARG_DIFF_DST, dy},        {DNNL_ARG_MEAN, mean},
                                         {DNNL_ARG_VARIANCE, variance}, {DNNL_ARG_SCALE, gamma},        {DNNL_ARG_SHIFT, beta},       {DNNL_ARG_DIFF_SRC, dx},
                                         {DNNL_ARG_DIFF_SCALE, dgamma}, {DNNL_ARG_DIFF_SHIFT, dbeta}};
    if (p.relu) args[DNNL_ARG_WORKSPACE] = memory(p.bwdPd.workspace_desc(), cpuEngine(), heap.floats(a.number(7), (p.workspaceBytes() + 3) / 4, "batchNormBackward workspace"));
    p.bwd.execute(cpuStream(), args);
    cpuStream().wait();
  });
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormWorkspaceBytes", Napi::Function::New(env, WorkspaceBytes));
  exports.Set("batchNormForward", Napi::Function::New(env, Forward));
  exports.Set("batchNormBackward", Napi::Function::New(env, Backward));
}

}  // namespace ktg
