// Shared by every native file: the tensor handle, argument readers and the error path.
// The addon is deliberately thin: each exported function reads its arguments, calls one ATen function and
// wraps the result. Everything with policy (scopes, formatting, validation of user input) lives in src/torch.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/ScalarOps.h>
#include <torch/version.h>
#include <c10/core/GradMode.h>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flint {

constexpr uint32_t kMagic = 0x464c4e54;  // "FLNT": guards against externals made by other addons

// One JS handle owns one refcounted at::Tensor by value. dispose() resets it; the GC finalizer deletes the
// Handle. Views share storage through libtorch's refcount, so nothing is ever freed twice.
struct Handle {
  uint32_t magic = kMagic;
  int64_t nbytes = 0;
  at::Tensor t;
};

// A bad argument (type, disposed tensor); becomes a TorchError naming the op.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Napi::Value wrap(Napi::Env env, at::Tensor t);        // new handle (null for an undefined tensor)
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
void release(Napi::BasicEnv env, Handle* h);               // drop the tensor now (dispose)
[[noreturn]] void throwTorch(const Napi::CallbackInfo& info, const char* op, const std::string& msg);

Handle* handleOf(const Napi::Value& v, size_t i);
inline const at::Tensor& T(const Napi::CallbackInfo& info, size_t i) {
  Handle* h = handleOf(info[i], i);
  if (!h->t.defined()) throw ArgError("argument " + std::to_string(i) + " is a disposed tensor");
  return h->t;
}
inline bool isNil(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }
// Optional tensor: null/undefined gives an undefined at::Tensor (ATen's "None").
inline at::Tensor OT(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return at::Tensor();
  return T(info, i);
}
inline c10::optional<at::Tensor> OOT(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return T(info, i);
}
double D(const Napi::CallbackInfo& info, size_t i);
int64_t I(const Napi::CallbackInfo& info, size_t i);
bool B(const Napi::CallbackInfo& info, size_t i);
std::string Str(const Napi::CallbackInfo& info, size_t i);
at::Scalar S(const Napi::CallbackInfo& info, size_t i);
inline bool isTensorArg(const Napi::CallbackInfo& info, size_t i) { return info[i].Type() == napi_external; }
// A number argument as a 0-dim "wrapped number" tensor, so it does not promote the other operand's dtype
// (exactly what PyTorch does with Python scalars).
inline at::Tensor TS(const Napi::CallbackInfo& info, size_t i) {
  if (isTensorArg(info, i)) return T(info, i);
  return at::native::wrapped_scalar_tensor(S(info, i));
}
std::vector<int64_t> IL(const Napi::CallbackInfo& info, size_t i);
// A shape for a new tensor: integers, none negative (checked here so the message is the same on every libtorch).
inline std::vector<int64_t> SH(const Napi::CallbackInfo& info, size_t i) {
  std::vector<int64_t> s = IL(info, i);
  for (int64_t d : s) {
    if (d < 0) throw ArgError("negative dimension " + std::to_string(d) + " in shape " + c10::str(c10::IntArrayRef(s)));
  }
  return s;
}
inline c10::optional<std::vector<int64_t>> OIL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return IL(info, i);
}
inline c10::optional<int64_t> OI(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return I(info, i);
}
inline c10::optional<double> OD(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return D(info, i);
}
inline c10::optional<at::Scalar> OS(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return S(info, i);
}
std::vector<at::Tensor> TL(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Scalar> SL(const Napi::CallbackInfo& info, size_t i);
at::ScalarType DT(const Napi::CallbackInfo& info, size_t i);
inline c10::optional<at::ScalarType> ODT(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || isNil(info[i])) return c10::nullopt;
  return DT(info, i);
}
c10::Device DEV(const Napi::CallbackInfo& info, size_t i);
inline at::TensorOptions OPTS(const Napi::CallbackInfo& info, size_t dt, size_t dev) {
  return at::TensorOptions().dtype(DT(info, dt)).device(DEV(info, dev));
}

void registerHandles(Napi::Env, Napi::Object);
void registerRuntime(Napi::Env, Napi::Object);
void registerCreation(Napi::Env, Napi::Object);
void registerPointwise(Napi::Env, Napi::Object);
void registerShape(Napi::Env, Napi::Object);
void registerReduce(Napi::Env, Napi::Object);
void registerLinalgNN(Napi::Env, Napi::Object);
void registerAutograd(Napi::Env, Napi::Object);
void registerHost(Napi::Env, Napi::Object);

}  // namespace flint

// Every exported function body sits between OP_BEGIN and OP_END: libtorch's exceptions and bad arguments
// become a JS TorchError naming the op and describing the inputs; nothing reaches V8 as a C++ exception.
#define OP_BEGIN(name)                                                   \
  static Napi::Value name(const Napi::CallbackInfo& info) {              \
    static const char* kOp = #name;                                      \
    Napi::Env env = info.Env();                                          \
    (void)env;                                                           \
    try {
#define OP_END                                                           \
    } catch (const Napi::Error&) {                                       \
      throw;                                                             \
    } catch (const c10::Error& e) {                                      \
      flint::throwTorch(info, kOp, e.what_without_backtrace());          \
    } catch (const std::exception& e) {                                  \
      flint::throwTorch(info, kOp, e.what());                            \
    }                                                                    \
  }
#define EXPORT(exports, name) exports.Set(#name, Napi::Function::New(env, name, #name))
