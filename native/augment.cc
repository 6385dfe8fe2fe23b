// The image loader's batch augmentation on a libuv worker thread, so that it overlaps the training step:
// augmentAsync(x, div, mat, coord, h, w, mode, padding, alignCorners, logitOps) runs fastai's IntToFloatTensor,
// the affine/homography resample (src/vision/affine.ts) and the logit-space lighting (src/vision/lighting.ts), in
// that order, with the draws made beforehand on the JS thread. Each step is the same ATen call, on the same
// operands, as the JS path's, so the result is bitwise the same. Settles a Promise on the main thread, where the
// result gets its handle.
#include "flint.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace flint {

namespace {

// grid_sampler's enum arguments, passed as indices (src/torch/functional.ts's GRID_MODES / GRID_PADDING).
int64_t gridEnum(const Napi::CallbackInfo& info, size_t i, int64_t count) {
  const int64_t v = I(info, i);
  if (v < 0 || v >= count) throw ArgError(argName(i), "an index below " + std::to_string(count), std::to_string(v));
  return v;
}

std::string shapeText(const at::Tensor& t) { return c10::str(c10::toString(t.scalar_type()), t.sizes()); }

// A matrix batch argument: none, or a floating [n, 3, 3] tensor.
at::Tensor matArg(const Napi::CallbackInfo& info, size_t i, int64_t n) {
  at::Tensor m = OT(info, i);
  if (!m.defined()) return m;
  if (m.dim() != 3 || m.size(0) != n || m.size(1) != 3 || m.size(2) != 3 || !at::isFloatingType(m.scalar_type())) {
    throw ArgError(argName(i), "a floating-point tensor [" + std::to_string(n) + ", 3, 3] or null", shapeText(m));
  }
  return m;
}

struct LogitOp {
  bool add;  // add_ (brightness), else mul_ (contrast)
  at::Tensor t;
};

std::vector<LogitOp> logitOpsArg(const Napi::CallbackInfo& info, size_t i, int64_t n) {
  std::vector<LogitOp> ops;
  if (info.Length() <= i || isNil(info[i])) return ops;
  if (!info[i].IsArray()) throw ArgError(argName(i), "an array of [op, tensor] pairs or null", describeArg(info, i));
  auto a = info[i].As<Napi::Array>();
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    std::string where = argName(i) + ", element " + std::to_string(k);
    if (!e.IsArray() || e.As<Napi::Array>().Length() != 2) throw ArgError(where, "an [op, tensor] pair", describeValue(e, 1));
    auto pair = e.As<Napi::Array>();
    Napi::Value op = pair.Get(uint32_t{0});
    std::string name = op.IsString() ? op.As<Napi::String>().Utf8Value() : "";
    if (name != "add" && name != "mul") throw ArgError(where, "the op 'add' or 'mul'", describeValue(op, 1));
    Napi::Value tv = pair.Get(uint32_t{1});
    if (tv.Type() != napi_external) throw ArgError(where, "a tensor [" + std::to_string(n) + ", 1, 1, 1]", describeValue(tv, 1));
    Handle* h = handleOf(tv, i);
    if (!h->t.defined()) throw ArgError(where, "a live tensor", "a disposed tensor");
    const at::Tensor& t = h->t;
    if (t.dim() != 4 || t.size(0) != n || t.size(1) != 1 || t.size(2) != 1 || t.size(3) != 1) {
      throw ArgError(where, "a tensor [" + std::to_string(n) + ", 1, 1, 1]", shapeText(t));
    }
    ops.push_back({name == "add", t});
  }
  return ops;
}

// The checked arguments. The tensors are held by value, so they outlive a dispose() on the JS side while the
// worker runs.
struct AugmentArgs {
  at::Tensor x, mat, coord;
  c10::optional<at::Scalar> div;
  int64_t h = 0, w = 0, mode = 0, padding = 0;
  bool align = true;
  std::vector<LogitOp> logitOps;
};

class AugmentWorker : public Napi::AsyncWorker {
 public:
  AugmentWorker(Napi::Env env, AugmentArgs args)
      : Napi::AsyncWorker(env, "flint.augmentAsync"), deferred_(Napi::Promise::Deferred::New(env)), a_(std::move(args)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      at::NoGradGuard noGrad;
      result_ = run();
    } catch (const c10::Error& e) {
      SetError(e.what_without_backtrace());
    } catch (const std::exception& e) {  // std::bad_alloc for a batch that does not fit
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      deferred_.Resolve(wrap(env, std::move(result_)));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  // Each line is the JS path's op, as the addon's exports call it (pointwise.cc, shape.cc, nn.cc...).
  at::Tensor run() {
    at::Tensor y = a_.x;
    if (a_.div) {
      // IntToFloatTensor.encodes: x.dtype === 'float32' ? x.div(div) : x.float().div_(div)
      at::Tensor d = at::native::wrapped_scalar_tensor(*a_.div);
      y = y.scalar_type() == at::kFloat ? at::div(y, d) : y.to(y.device(), at::kFloat, false, false).div_(d);
    }
    if (a_.mat.defined()) y = resample(y);
    if (!a_.logitOps.empty()) {
      // LightingTfm.encodes: logit(x) (libtorch's logit with eps 1e-7), the ops in place in order, sigmoid_
      at::Tensor z = at::logit(y, 1e-7);
      for (const LogitOp& op : a_.logitOps) {
        if (op.add) z.add_(op.t, at::Scalar(1));
        else z.mul_(op.t);
      }
      y = z.sigmoid_();
    }
    return y;
  }

  // AffineCoordTfm.resample, without the pre-shrink (refused before the worker is queued).
  at::Tensor resample(const at::Tensor& src) {
    const int64_t n = src.size(0), ch = src.size(1);
    const at::Tensor &mat = a_.mat, &coord = a_.coord;
    const int64_t h = a_.h, w = a_.w;
    const bool align = a_.align;
    at::Tensor grid;
    if (!coord.defined()) {
      grid = at::affine_grid_generator(mat.narrow(1, 0, 2), {n, ch, h, w}, align);
    } else {
      at::TensorOptions dt = at::TensorOptions().dtype(src.scalar_type()).device(src.device());
      at::Tensor base = at::affine_grid_generator(at::eye(3, 3, dt).narrow(0, 0, 2).unsqueeze(0), {1, 1, h, w}, align)
                            .reshape({h * w, 2})
                            .t();
      at::Tensor pts = at::cat({base, at::ones({1, h * w}, dt)}, 0);
      at::Tensor hom = at::matmul(coord, mat);
      at::Tensor den = at::matmul(hom.narrow(1, 2, 1), pts);
      at::Tensor zero = at::native::wrapped_scalar_tensor(at::Scalar(int64_t{0}));
      at::Tensor use = at::where(at::any(at::eq(den, zero)), mat, hom);
      at::Tensor p = at::matmul(use, pts);
      grid = at::div(p.narrow(1, 0, 2), p.narrow(1, 2, 1)).reshape({n, 2, h, w}).permute({0, 2, 3, 1});
    }
    return at::grid_sampler(src, grid, a_.mode, a_.padding, align);
  }

  Napi::Promise::Deferred deferred_;
  AugmentArgs a_;
  at::Tensor result_;
};

}  // namespace

// augmentAsync(x, div|null, mat|null, coord|null, h, w, mode, padMode, alignCorners, logitOps|null):
// Promise<Handle>. The argument checks throw synchronously; a libtorch failure rejects with its message.
OP_BEGIN(augmentAsync)
  const at::Tensor& x = T(info, 0);
  if (x.dim() != 4 || x.numel() == 0 || !(x.scalar_type() == at::kByte || at::isFloatingType(x.scalar_type()))) {
    throw ArgError(argName(0), "a non-empty uint8 or floating-point image batch [N, C, H, W]", shapeText(x));
  }
  const int64_t n = x.size(0);
  // every check before the worker (and its promise) exists, so a refused call leaves nothing behind
  AugmentArgs a;
  a.x = x;
  if (!isNil(info[1])) {
    double d = D(info, 1);
    if (!(d > 0) || !std::isfinite(d)) throw ArgError(argName(1), "a finite number > 0 or null", describeArg(info, 1));
    a.div = S(info, 1);  // read as the JS path's x.div(div) reads its number
  } else if (!at::isFloatingType(x.scalar_type())) {
    throw ArgError(argName(1), "a divisor (the image batch is not floating-point)", "null");
  }
  a.mat = matArg(info, 2, n);
  a.coord = matArg(info, 3, n);
  if (a.coord.defined() && !a.mat.defined()) throw ArgError(argName(3), "null (there is no mat)", shapeText(a.coord));
  a.h = I(info, 4);
  a.w = I(info, 5);
  a.mode = gridEnum(info, 6, 3);
  a.padding = gridEnum(info, 7, 3);
  a.align = B(info, 8);
  if (a.mat.defined()) {
    if (a.h < 1 || a.w < 1) throw ArgError(argName(4), "a positive output size", std::to_string(a.h) + "x" + std::to_string(a.w));
    // AffineCoordTfm.resample's d: past 1, a bilinear resample may area-average first, which this op does not do
    const double d = std::min(static_cast<double>(x.size(2)) / a.w, static_cast<double>(x.size(3)) / 2) / 2;
    if (a.mode == 0 && d > 1) {
      throw ArgError(argName(5), "an output size the bilinear resample samples without pre-shrinking (d <= 1)",
                     "d = " + std::to_string(d) + " for an input of height " + std::to_string(x.size(2)) +
                         " and an output width " + std::to_string(a.w));
    }
  }
  a.logitOps = logitOpsArg(info, 9, n);
  auto* worker = new AugmentWorker(env, std::move(a));
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
OP_END

void registerAugment(Napi::Env env, Napi::Object exports) { EXPORT(exports, augmentAsync); }

}  // namespace flint
