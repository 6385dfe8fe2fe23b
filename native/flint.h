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

// A bad argument (wrong JS type, disposed tensor, value out of range): becomes the JS ArgumentError
// "op: expected X for ARG, got Z" (fields fn/arg/expected/got, plus op and inputs). libtorch's own
// failures (c10::Error) stay TorchError.
struct ArgError : std::runtime_error {
  std::string arg, expected, got;
  ArgError(std::string arg_, std::string expected_, std::string got_)
      : std::runtime_error("expected " + expected_ + " for " + arg_ + ", got " + got_),
        arg(std::move(arg_)), expected(std::move(expected_)), got(std::move(got_)) {}
};
inline std::string argName(size_t i) { return "argument " + std::to_string(i); }
// A short description of any JS value for messages (never runs user code, never throws).
std::string describeValue(const Napi::Value& v, int depth = 1);
// The description of argument i ("nothing" when it was not passed).
std::string describeArg(const Napi::CallbackInfo& info, size_t i);

Napi::Value wrap(Napi::Env env, at::Tensor t);        // new handle (null for an undefined tensor)
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
void release(Napi::BasicEnv env, Handle* h);               // drop the tensor now (dispose)
// The error path: build the JS error and make it the pending exception, with napi_throw and no reference
// (a Napi::Error C++ exception holds a napi_ref whose deletion waits for the next macrotask, so errors
// caught in a synchronous loop would pile up). The op returns the value this gives; V8 throws the error.
Napi::Value throwTorch(const Napi::CallbackInfo& info, const char* op, const std::string& msg) noexcept;
Napi::Value throwArg(const Napi::CallbackInfo& info, const char* op, const ArgError& e) noexcept;

Handle* handleOf(const Napi::Value& v, size_t i);
inline const at::Tensor& T(const Napi::CallbackInfo& info, size_t i) {
  Handle* h = handleOf(info[i], i);
  if (!h->t.defined()) throw ArgError(argName(i), "a live tensor", "a disposed tensor");
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
    if (d < 0) throw ArgError(argName(i), "a shape of non-negative integers", c10::str(c10::IntArrayRef(s)) + " (negative dimension " + std::to_string(d) + ")");
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
// A seed: an integer in [0, 2^64) (anything else, Infinity included, is refused rather than cast).
uint64_t seedOf(const Napi::CallbackInfo& info, size_t i);
// A generator argument (made by generatorNew), and an optional one: none draws from the default generator.
at::Generator GEN(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Generator> OGEN(const Napi::CallbackInfo& info, size_t i);
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
void registerImage(Napi::Env, Napi::Object);
void registerGenerator(Napi::Env, Napi::Object);
void registerAugment(Napi::Env, Napi::Object);
void registerDistributed(Napi::Env, Napi::Object);
void registerReducer(Napi::Env, Napi::Object);

}  // namespace flint

// Every exported function body sits between OP_BEGIN and OP_END: libtorch's exceptions become a JS TorchError
// and ArgErrors a JS ArgumentError, each naming the op and describing the inputs; nothing reaches V8 as a C++
// exception.
#define OP_BEGIN(name)                                                   \
  static Napi::Value name(const Napi::CallbackInfo& info) {              \
    static const char* kOp = #name;                                      \
    Napi::Env env = info.Env();                                          \
    (void)env;                                                           \
    try {
#define OP_END                                                           \
    } catch (const Napi::Error&) {                                       \
      throw;                                                             \
    } catch (const flint::ArgError& e) {                                 \
      return flint::throwArg(info, kOp, e);                              \
    } catch (const c10::Error& e) {                                      \
      return flint::throwTorch(info, kOp, e.what_without_backtrace());   \
    } catch (const std::exception& e) {                                  \
      return flint::throwTorch(info, kOp, e.what());                     \
    } catch (...) {                                                      \
      return flint::throwTorch(info, kOp, "unknown C++ exception");      \
    }                                                                    \
  }
#define EXPORT(exports, name) exports.Set(#name, Napi::Function::New(env, name, #name))
