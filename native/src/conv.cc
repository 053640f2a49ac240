// 2-D convolution (NHWC activations, TensorFlow's HWIO filters) forward, backward-data and
// backward-weights on oneDNN. Backward-data is also the forward pass of a transposed convolution.
// Primitives (and the reorders of filters into the layout the chosen implementation wants, and of
// weight gradients back to HWIO) are created once per geometry and precision and cached; filters
// are reordered on every call, since they change each step. In bf16 the primitives read bf16 inputs
// (activations and incoming gradients converted into the plan's scratch buffers, filters converted
// by their reorder) and write f32 outputs, accumulating in f32: the heap, the weights and every
// output stay f32.
#include "common.h"
#include <array>
#include <map>
#include <memory>

namespace ktg {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// N, H, W, CI, KH, KW, CO, OH, OW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight
constexpr size_t kGeometryLength = 17;
using Geometry = std::array<int64_t, kGeometryLength>;

struct Descs {
  // src, dst: f32 NHWC as on the heap; srcLow, dstLow: the same in the compute type (what the
  // primitives read: activations, incoming gradients); weightsAny: compute type, layout of the
  // primitive's choice; diffWeightsAny: f32, layout of its choice
  memory::desc src, srcLow, weightsAny, diffWeightsAny, weightsUser, dst, dstLow;
  memory::dims strides, dilates, padL, padR;
};

Descs describe(const Geometry &g, dt compute) {
  const auto [n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr] = g;
  Descs d;
  d.src = memory::desc({n, ci, h, w}, dt::f32, tag::nhwc);
  d.srcLow = memory::desc({n, ci, h, w}, compute, tag::nhwc);
  d.dst = memory::desc({n, co, oh, ow}, dt::f32, tag::nhwc);
  d.dstLow = memory::desc({n, co, oh, ow}, compute, tag::nhwc);
  d.weightsAny = memory::desc({co, ci, kh, kw}, compute, tag::any);
  d.diffWeightsAny = memory::desc({co, ci, kh, kw}, dt::f32, tag::any);
  d.weightsUser = memory::desc({co, ci, kh, kw}, dt::f32, tag::hwio);
  d.strides = {sh, sw};
  d.dilates = {dh - 1, dw - 1};  // oneDNN counts the gaps between taps
  d.padL = {pt, pl};
  d.padR = {pb, pr};
  return d;
}

/** The primitives of one geometry in one precision; each direction is built on first use. */
struct ConvPlan {
  Descs d;
  bool low;  // bf16: inputs converted into srcLowMem / dstLowMem before each primitive
  memory srcLowMem, dstLowMem;
  convolution_forward::primitive_desc fwdPd;
  convolution_forward fwd;
  memory fwdWeights;  // filter in fwdPd's layout (empty when HWIO is what it wants)
  reorder fwdWeightsReorder;
  bool hasBwdData = false, hasBwdWeights = false;
  convolution_backward_data::primitive_desc bwdDataPd;
  convolution_backward_data bwdData;
  memory bwdDataWeights;
  reorder bwdDataWeightsReorder;
  convolution_backward_weights::primitive_desc bwdWeightsPd;
  convolution_backward_weights bwdWeights;
  memory bwdDiffWeights;
  reorder bwdDiffWeightsReorder;  // bwdDiffWeights → HWIO

  ConvPlan(const Geometry &g, dt compute) : d(describe(g, compute)), low(compute != dt::f32) {
    convolution_forward::desc desc(prop_kind::forward_training, algorithm::convolution_direct, d.srcLow, d.weightsAny, d.dst, d.strides, d.dilates,
                                   d.padL, d.padR);
    fwdPd = convolution_forward::primitive_desc(desc, cpuEngine());
    fwd = convolution_forward(fwdPd);
    if (fwdPd.weights_desc() != d.weightsUser) {
      fwdWeights = memory(fwdPd.weights_desc(), cpuEngine());
      fwdWeightsReorder = reorder(reorder::primitive_desc(cpuEngine(), d.weightsUser, cpuEngine(), fwdPd.weights_desc()));
    }
  }

  /** the scratch buffer an f32 input of this shape is converted into (none in f32) */
  memory &lowFor(memory &slot, const memory::desc &desc) {
    if (low && !slot) slot = memory(desc, cpuEngine());
    return slot;
  }

  void buildBwdData() {
    convolution_backward_data::desc desc(algorithm::convolution_direct, d.src, d.weightsAny, d.dstLow, d.strides, d.dilates, d.padL, d.padR);
    bwdDataPd = convolution_backward_data::primitive_desc(desc, cpuEngine(), fwdPd);
    bwdData = convolution_backward_data(bwdDataPd);
    if (bwdDataPd.weights_desc() != d.weightsUser) {
      bwdDataWeights = memory(bwdDataPd.weights_desc(), cpuEngine());
      bwdDataWeightsReorder = reorder(reorder::primitive_desc(cpuEngine(), d.weightsUser, cpuEngine(), bwdDataPd.weights_desc()));
    }
    hasBwdData = true;
  }

  void buildBwdWeights() {
    convolution_backward_weights::desc desc(algorithm::convolution_direct, d.srcLow, d.diffWeightsAny, d.dstLow, d.strides, d.dilates, d.padL,
                                            d.padR);
    bwdWeightsPd = convolution_backward_weights::primitive_desc(desc, cpuEngine(), fwdPd);
    bwdWeights = convolution_backward_weights(bwdWeightsPd);
    if (bwdWeightsPd.diff_weights_desc() != d.weightsUser) {
      bwdDiffWeights = memory(bwdWeightsPd.diff_weights_desc(), cpuEngine());
      bwdDiffWeightsReorder = reorder(reorder::primitive_desc(cpuEngine(), bwdWeightsPd.diff_weights_desc(), cpuEngine(), d.weightsUser));
    }
    hasBwdWeights = true;
  }
};

ConvPlan &planFor(const Geometry &g) {
  const dt compute = computeType();
  return cachedPlan<std::pair<Geometry, dt>, ConvPlan>({g, compute}, [&] { return std::make_unique<ConvPlan>(g, compute); });
}

Geometry readGeometry(const Args &a, size_t first) {
  Geometry g;
  for (size_t i = 0; i < kGeometryLength; i++) g[i] = a.integer(first + i);
  for (size_t i = 0; i < 13; i++)
    if (g[i] < 1) a.fail("sizes, strides and dilations must be positive");
  for (size_t i = 13; i < kGeometryLength; i++)
    if (g[i] < 0) a.fail("padding must be non-negative");
  return g;
}

int64_t srcCount(const Geometry &g) { return g[0] * g[1] * g[2] * g[3]; }
int64_t weightCount(const Geometry &g) { return g[4] * g[5] * g[3] * g[6]; }
int64_t dstCount(const Geometry &g) { return g[0] * g[7] * g[8] * g[6]; }

/** memory in `internal` (if any) holding the user's HWIO filter, reordered by the plan's `toInternal` */
memory filterFor(const memory &internal, const reorder &toInternal, const memory &user) {
  if (!internal) return user;
  toInternal.execute(cpuStream(), const_cast<memory &>(user), const_cast<memory &>(internal));
  return internal;
}

// convForward(heap, xOffset, filterOffset, yOffset, ...geometry)
Napi::Value ConvForward(const Napi::CallbackInfo &info) {
  return guarded(info, "convForward", [&] {
    Args a(info, "convForward");
    Heap heap = a.heap(0);
    Geometry g = readGeometry(a, 4);
    float *x = heap.floats(a.number(1), srcCount(g), "convForward x");
    float *w = heap.floats(a.number(2), weightCount(g), "convForward filter");
    float *y = heap.floats(a.number(3), dstCount(g), "convForward y");
    ConvPlan &p = planFor(g);
    memory src(p.d.src, cpuEngine(), x), user(p.d.weightsUser, cpuEngine(), w), dst(p.d.dst, cpuEngine(), y);
    memory weights = filterFor(p.fwdWeights, p.fwdWeightsReorder, user);
    memory input = converted(src, p.lowFor(p.srcLowMem, p.d.srcLow));
    p.fwd.execute(cpuStream(), {{DNNL_ARG_SRC, input}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    cpuStream().wait();
  });
}

// convBackwardData(heap, dyOffset, filterOffset, dxOffset, ...geometry)
Napi::Value ConvBackwardData(const Napi::CallbackInfo &info) {
  return guarded(info, "convBackwardData", [&] {
    Args a(info, "convBackwardData");
    Heap heap = a.heap(0);
    Geometry g = readGeometry(a, 4);
    float *dy = heap.floats(a.number(1), dstCount(g), "convBackwardData dy");
    float *w = heap.floats(a.number(2), weightCount(g), "convBackwardData filter");
    float *dx = heap.floats(a.number(3), srcCount(g), "convBackwardData dx");
    ConvPlan &p = planFor(g);
    if (!p.hasBwdData) p.buildBwdData();
    memory diffDst(p.d.dst, cpuEngine(), dy), user(p.d.weightsUser, cpuEngine(), w), diffSrc(p.d.src, cpuEngine(), dx);
    memory weights = filterFor(p.bwdDataWeights, p.bwdDataWeightsReorder, user);
    memory gradient = converted(diffDst, p.lowFor(p.dstLowMem, p.d.dstLow));
    p.bwdData.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, gradient}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, diffSrc}});
    cpuStream().wait();
  });
}

// convBackwardWeights(heap, xOffset, dyOffset, dwOffset, ...geometry)
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo &info) {
  return guarded(info, "convBackwardWeights", [&] {
    Args a(info, "convBackwardWeights");
    Heap heap = a.heap(0);
    Geometry g = readGeometry(a, 4);
    float *x = heap.floats(a.number(1), srcCount(g), "convBackwardWeights x");
    float *dy = heap.floats(a.number(2), dstCount(g), "convBackwardWeights dy");
    float *dw = heap.floats(a.number(3), weightCount(g), "convBackwardWeights dw");
    ConvPlan &p = planFor(g);
    if (!p.hasBwdWeights) p.buildBwdWeights();
    memory src(p.d.src, cpuEngine(), x), diffDst(p.d.dst, cpuEngine(), dy), user(p.d.weightsUser, cpuEngine(), dw);
    memory diffWeights = p.bwdDiffWeights ? p.bwdDiffWeights : user;
    memory input = converted(src, p.lowFor(p.srcLowMem, p.d.srcLow));
    memory gradient = converted(diffDst, p.lowFor(p.dstLowMem, p.d.dstLow));
    p.bwdWeights.execute(cpuStream(), {{DNNL_ARG_SRC, input}, {DNNL_ARG_DIFF_DST, gradient}, {DNNL_ARG_DIFF_WEIGHTS, diffWeights}});
    if (p.bwdDiffWeights) p.bwdDiffWeightsReorder.execute(cpuStream(), diffWeights, user);
    cpuStream().wait();
  });
}

// convImplementations(...geometry): which oneDNN implementation each direction uses (for profiles)
Napi::Value ConvImplementations(const Napi::CallbackInfo &info) {
  Napi::Object out = Napi::Object::New(info.Env());
  guarded(info, "convImplementations", [&] {
    Args a(info, "convImplementations");
    ConvPlan &p = planFor(readGeometry(a, 0));
    if (!p.hasBwdData) p.buildBwdData();
    if (!p.hasBwdWeights) p.buildBwdWeights();
    out.Set("precision", p.low ? "bf16" : "f32");
    out.Set("forward", p.fwdPd.impl_info_str());
    out.Set("backwardData", p.bwdDataPd.impl_info_str());
    out.Set("backwardWeights", p.bwdWeightsPd.impl_info_str());
  });
  return out;
}

}  // namespace

void registerConvolution(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
  exports.Set("convImplementations", Napi::Function::New(env, ConvImplementations));
}

}  // namespace ktg
