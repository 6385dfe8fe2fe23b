// Handles, argument readers and the error path: how a JS value becomes an at::Tensor and back.
#include "flint.h"

#include <c10/util/Logging.h>
#include <cstdlib>
#include <sstream>

namespace flint {

namespace {
struct AddonData {
  Napi::FunctionReference errorClass;     // TorchError
  Napi::FunctionReference argErrorClass;  // ArgumentError (falls back to errorClass)
};
int64_t gLive = 0;
int64_t gBytes = 0;

int64_t bytesOf(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

const char* dtypeName(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kShort: return "int16";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    default: return c10::toString(s);
  }
}

std::string describeTensor(const at::Tensor& t) {
  if (!t.defined()) return "disposed tensor";
  std::ostringstream s;
  s << dtypeName(t.scalar_type()) << "[";
  for (int64_t d = 0; d < t.dim(); d++) s << (d ? ", " : "") << t.size(d);
  s << "]";
  if (!t.device().is_cpu()) s << " " << t.device();
  return s.str();
}

// At most `max` bytes of s, cut at a UTF-8 character boundary.
std::string shortText(const std::string& s, size_t max = 40) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut--;
  return s.substr(0, cut) + "...";
}

// Numbers through JS's own ToString ("NaN", "-Infinity", "0.1"), which runs no user code.
std::string numberText(const Napi::Value& v) {
  napi_value str;
  size_t len = 0;
  char buf[64];
  if (napi_coerce_to_string(v.Env(), v, &str) != napi_ok ||
      napi_get_value_string_utf8(v.Env(), str, buf, sizeof buf, &len) != napi_ok) {
    return "a number";
  }
  return std::string(buf, len);
}

std::string bigintText(const Napi::Value& v) {
  int64_t x = 0;
  bool lossless = false;
  if (napi_get_value_bigint_int64(v.Env(), v, &x, &lossless) != napi_ok) return "a BigInt";
  return lossless ? std::to_string(x) + "n (a BigInt)" : "a BigInt";
}

// Reading array elements can run user code (getters, proxies); a throw there must not leak out.
std::string arrayText(const Napi::Value& v) {
  napi_env env = v.Env();
  uint32_t n = 0;
  if (napi_get_array_length(env, v, &n) != napi_ok) return "an array";
  std::string out = "[";
  for (uint32_t i = 0; i < n && i < 8; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      return "an array of length " + std::to_string(n);
    }
    out += (i ? ", " : "") + describeValue(Napi::Value(env, e), 1);
  }
  if (n > 8) out += ", ...";
  return out + "]";
}
}  // namespace

std::string describeValue(const Napi::Value& v, int depth) {
  switch (v.Type()) {
    case napi_external: {
      auto* h = v.As<Napi::External<Handle>>().Data();
      return (h && h->magic == kMagic) ? describeTensor(h->t) : "foreign object";
    }
    case napi_number: return numberText(v);
    case napi_bigint: return bigintText(v);
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_string: {
      napi_value str = v;
      size_t len = 0;
      char buf[48];
      if (napi_get_value_string_utf8(v.Env(), str, buf, sizeof buf, &len) != napi_ok) return "a string";
      return "'" + shortText(std::string(buf, len)) + "'";
    }
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_null: return "null";
    case napi_undefined: return "undefined";
    case napi_object: {
      bool isArray = false, isTyped = false;
      napi_is_array(v.Env(), v, &isArray);
      napi_is_typedarray(v.Env(), v, &isTyped);
      if (isArray) return depth == 0 ? arrayText(v) : "[...]";
      return isTyped ? "a TypedArray" : "object";
    }
    default: return "value";
  }
}

std::string describeArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() <= i ? std::string("nothing") : describeValue(info[i], 1);
}

// A basic finalizer (NAPI_EXPERIMENTAL): it runs synchronously during GC rather than in a later
// setImmediate, so a long synchronous loop cannot pile up thousands of pending finalizers and fragment the heap.
static void finalizeHandle(Napi::BasicEnv env, Handle* h) {
  release(env, h);
  delete h;
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* h = new Handle();
  h->nbytes = bytesOf(t);
  h->t = std::move(t);
  Napi::External<Handle> out;
  try {
    out = Napi::External<Handle>::New(env, h, finalizeHandle);
  } catch (...) {  // no external was made, so no finalizer will run: the tensor is freed here, uncounted
    delete h;
    throw;
  }
  gLive++;
  gBytes += h->nbytes;
  // Native bytes count towards V8's heap limit so the GC backstop sees real pressure.
  Napi::MemoryManagement::AdjustExternalMemory(env, h->nbytes);
  return out;
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto out = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) out.Set(static_cast<uint32_t>(i), wrap(env, ts[i]));
  return out;
}

void release(Napi::BasicEnv env, Handle* h) {
  if (!h->t.defined()) return;
  gLive--;
  gBytes -= h->nbytes;
  Napi::MemoryManagement::AdjustExternalMemory(env, -h->nbytes);
  h->t.reset();
}

namespace {
// The inputs as the op saw them: "float32[2, 3], 'x'" (trailing undefined arguments are omitted optionals).
std::string describeInputs(const Napi::CallbackInfo& info) {
  size_t n = info.Length();
  while (n > 0 && info[n - 1].IsUndefined()) n--;
  std::string inputs;
  for (size_t i = 0; i < n; i++) inputs += (i ? ", " : "") + describeValue(info[i], 0);
  return inputs;
}

void setString(napi_env env, napi_value obj, const char* key, const std::string& value) {
  napi_value s;
  if (napi_create_string_utf8(env, value.data(), value.size(), &s) == napi_ok) napi_set_named_property(env, obj, key, s);
}

// An exception left pending by a failed napi call inside the op is replaced by ours (describing the
// inputs and constructing the error call napi, which refuses to run with one pending).
void clearPending(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

// Makes `err` the pending exception with plain napi calls, no Napi::Error (see flint.h).
Napi::Value raise(napi_env env, napi_value err) {
  napi_throw(env, err);
  return Napi::Value(env, nullptr);
}

// new cls(...args), or nullptr when it throws (the exception is cleared) or there is no class.
napi_value construct(napi_env env, const Napi::FunctionReference& cls, const std::vector<std::string>& args) {
  if (cls.IsEmpty()) return nullptr;
  std::vector<napi_value> argv(args.size());
  for (size_t i = 0; i < args.size(); i++) {
    if (napi_create_string_utf8(env, args[i].data(), args[i].size(), &argv[i]) != napi_ok) return nullptr;
  }
  napi_value out;
  if (napi_new_instance(env, cls.Value(), argv.size(), argv.data(), &out) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return nullptr;
  }
  return out;
}

napi_value plainError(napi_env env, const std::string& text) {
  napi_value msg, err;
  napi_create_string_utf8(env, text.data(), text.size(), &msg);
  napi_create_error(env, nullptr, msg, &err);
  return err;
}
}  // namespace

static Napi::Value throwTorchUnsafe(const Napi::CallbackInfo& info, const char* op, const std::string& msg) {
  napi_env env = info.Env();
  clearPending(env);
  std::string inputs = describeInputs(info);
  std::string first = msg.substr(0, msg.find("\nException raised from"));
  std::string text = std::string(op) + "(" + inputs + "): " + first;
  auto* data = info.Env().GetInstanceData<AddonData>();
  napi_value err = data ? construct(env, data->errorClass, {text}) : nullptr;
  if (!err) err = plainError(env, text);
  setString(env, err, "op", op);
  setString(env, err, "inputs", inputs);
  setString(env, err, "torchMessage", first);
  return raise(env, err);
}

static Napi::Value throwArgUnsafe(const Napi::CallbackInfo& info, const char* op, const ArgError& e) {
  napi_env env = info.Env();
  clearPending(env);
  std::string inputs = describeInputs(info);
  auto* data = info.Env().GetInstanceData<AddonData>();
  napi_value err = nullptr;
  if (data && !data->argErrorClass.IsEmpty()) {
    err = construct(env, data->argErrorClass, {op, e.arg, e.expected, e.got});
  } else if (data) {  // an older src/torch that passed only TorchError
    err = construct(env, data->errorClass, {std::string(op) + "(" + inputs + "): " + e.what()});
  }
  if (!err) err = plainError(env, std::string(op) + ": " + e.what());
  setString(env, err, "op", op);
  setString(env, err, "inputs", inputs);
  return raise(env, err);
}

// Building the error allocates (strings, the description of the inputs). Should that itself fail (no memory),
// a bare Error naming the op is thrown instead: an exception escaping here would reach std::terminate.
static Napi::Value fallback(napi_env env, const char* op) {
  clearPending(env);
  napi_throw_error(env, nullptr, op);
  return Napi::Value(env, nullptr);
}

Napi::Value throwTorch(const Napi::CallbackInfo& info, const char* op, const std::string& msg) noexcept {
  napi_env env = info.Env();
  try {
    return throwTorchUnsafe(info, op, msg);
  } catch (...) {
    return fallback(env, op);
  }
}

Napi::Value throwArg(const Napi::CallbackInfo& info, const char* op, const ArgError& e) noexcept {
  napi_env env = info.Env();
  try {
    return throwArgUnsafe(info, op, e);
  } catch (...) {
    return fallback(env, op);
  }
}

Handle* handleOf(const Napi::Value& v, size_t i) {
  if (v.Type() != napi_external) throw ArgError(argName(i), "a tensor", describeValue(v, 1));
  auto* h = v.As<Napi::External<Handle>>().Data();
  if (!h || h->magic != kMagic) throw ArgError(argName(i), "a Flint tensor", "a foreign external");
  return h;
}

double D(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) throw ArgError(argName(i), "a number", describeArg(info, i));
  return info[i].As<Napi::Number>().DoubleValue();
}

// 2^63: doubles at or beyond it do not fit an int64 (casting them is undefined behaviour).
constexpr double kInt64Bound = 9223372036854775808.0;

int64_t I(const Napi::CallbackInfo& info, size_t i) {
  double d = D(info, i);
  if (!std::isfinite(d) || std::floor(d) != d || d >= kInt64Bound || d < -kInt64Bound) {
    throw ArgError(argName(i), "an integer", describeValue(info[i], 1));
  }
  return static_cast<int64_t>(d);
}

bool B(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBoolean()) throw ArgError(argName(i), "a boolean", describeArg(info, i));
  return info[i].As<Napi::Boolean>().Value();
}

std::string Str(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsString()) throw ArgError(argName(i), "a string", describeArg(info, i));
  return info[i].As<Napi::String>().Utf8Value();
}

// Integral numbers become integer Scalars, others double: so int tensors stay int under `t * 2`, and
// float tensors are not promoted by `t * 2` (PyTorch's rule for Python ints and floats).
static at::Scalar scalarOf(const Napi::Value& v, const std::string& arg) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  throw ArgError(arg, "a number or a tensor", describeValue(v, 1));
}

at::Scalar S(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i) throw ArgError(argName(i), "a number or a tensor", "nothing");
  return scalarOf(info[i], argName(i));
}

std::vector<int64_t> IL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError(argName(i), "an array of integers", describeArg(info, i));
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || std::floor(d) != d || d >= kInt64Bound || d < -kInt64Bound) {
      throw ArgError(argName(i), "an array of integers", describeValue(info[i], 0) + " (element " + std::to_string(k) +
                     " is " + describeValue(e, 1) + ")");
    }
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::vector<at::Tensor> TL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError(argName(i), "an array of tensors", describeArg(info, i));
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    std::string arg = argName(i) + ", element " + std::to_string(k);
    if (e.Type() != napi_external) throw ArgError(arg, "a tensor", describeValue(e, 1));
    Handle* h = handleOf(e, i);
    if (!h->t.defined()) throw ArgError(arg, "a live tensor", "a disposed tensor");
    out.push_back(h->t);
  }
  return out;
}

std::vector<at::Scalar> SL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError(argName(i), "an array of numbers", describeArg(info, i));
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Scalar> out;
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(scalarOf(a.Get(k), argName(i) + ", element " + std::to_string(k)));
  return out;
}

at::ScalarType DT(const Napi::CallbackInfo& info, size_t i) {
  int64_t c = I(info, i);
  switch (static_cast<at::ScalarType>(c)) {
    case at::kByte: case at::kChar: case at::kShort: case at::kInt: case at::kLong: case at::kHalf:
    case at::kFloat: case at::kDouble: case at::kBool: case at::kBFloat16:
      return static_cast<at::ScalarType>(c);
    default: throw ArgError(argName(i), "a supported dtype code", std::to_string(c));
  }
}

c10::Device DEV(const Napi::CallbackInfo& info, size_t i) {
  std::string s = Str(info, i);
  c10::Device d = c10::kCPU;
  try {
    d = c10::Device(s);
  } catch (const c10::Error&) {  // a malformed string is the caller's mistake, not libtorch's failure
    throw ArgError(argName(i), "'cpu', 'cuda' or 'cuda:N'", "'" + s + "'");
  }
  if (d.is_cuda()) {
    int64_t n = at::getNumGPUs();
    if (n == 0) throw ArgError(argName(i), "'cpu' (CUDA is not available: libtorch has no usable CUDA device)", "'" + s + "'");
    if (d.has_index() && d.index() >= n) {
      throw ArgError(argName(i), "one of the " + std::to_string(n) + " CUDA device(s)", "'" + s + "', which does not exist");
    }
  } else if (!d.is_cpu()) {
    throw ArgError(argName(i), "'cpu', 'cuda' or 'cuda:N'", "'" + s + "'");
  }
  return d;
}

uint64_t seedOf(const Napi::CallbackInfo& info, size_t i) {
  double d = D(info, i);
  if (!(d >= 0) || d >= 18446744073709551616.0 || std::floor(d) != d) {
    throw ArgError(argName(i), "a non-negative integer seed below 2^64", describeValue(info[i]));
  }
  return static_cast<uint64_t>(d);
}

// ---- core exports ----

// setErrorClass(TorchError, ArgumentError?): the classes the error path constructs.
OP_BEGIN(setErrorClass)
  auto* data = env.GetInstanceData<AddonData>();
  if (info.Length() < 1 || !info[0].IsFunction()) throw ArgError(argName(0), "a class", describeArg(info, 0));
  if (info.Length() > 1 && !isNil(info[1]) && !info[1].IsFunction()) throw ArgError(argName(1), "a class", describeArg(info, 1));
  data->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  data->argErrorClass = info.Length() > 1 && info[1].IsFunction() ? Napi::Persistent(info[1].As<Napi::Function>())
                                                                  : Napi::FunctionReference();
  return env.Undefined();
OP_END

OP_BEGIN(dispose)
  if (info[0].Type() == napi_external) {
    Handle* h = handleOf(info[0], 0);
    release(env, h);
  }
  return env.Undefined();
OP_END

OP_BEGIN(isDisposed)
  return Napi::Boolean::New(env, !handleOf(info[0], 0)->t.defined());
OP_END

OP_BEGIN(memory)
  auto o = Napi::Object::New(env);
  o.Set("liveTensors", Napi::Number::New(env, static_cast<double>(gLive)));
  o.Set("bytes", Napi::Number::New(env, static_cast<double>(gBytes)));
  return o;
OP_END

static Napi::Array intArray(Napi::Env env, c10::IntArrayRef xs) {
  auto out = Napi::Array::New(env, xs.size());
  for (size_t k = 0; k < xs.size(); k++) out.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(xs[k])));
  return out;
}

OP_BEGIN(shape) return intArray(env, T(info, 0).sizes()); OP_END
OP_BEGIN(strides) return intArray(env, T(info, 0).strides()); OP_END

OP_BEGIN(dtype)
  return Napi::Number::New(env, static_cast<int>(T(info, 0).scalar_type()));
OP_END

OP_BEGIN(device)
  return Napi::String::New(env, T(info, 0).device().str());
OP_END

OP_BEGIN(requiresGrad)
  return Napi::Boolean::New(env, T(info, 0).requires_grad());
OP_END

OP_BEGIN(isContiguous)
  return Napi::Boolean::New(env, T(info, 0).is_contiguous());
OP_END

OP_BEGIN(isLeaf)
  return Napi::Boolean::New(env, T(info, 0).is_leaf());
OP_END

void registerHandles(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  // Every c10::Error symbolizes a C++ backtrace when it is made (5-11 ms on libtorch 1.13), which Flint then
  // drops (what_without_backtrace). An empty fetcher makes libtorch's errors cheap; FLINT_CPP_BACKTRACE=1
  // keeps libtorch's default for debugging the engine itself. (A lambda returning std::string picks the
  // string overload on libtorch 2.x, which also has a lazy-Backtrace one.)
  const char* keepBacktraces = std::getenv("FLINT_CPP_BACKTRACE");
  if (keepBacktraces == nullptr || std::string(keepBacktraces) != "1") {
    c10::SetStackTraceFetcher([]() -> std::string { return std::string(); });
  }
  EXPORT(exports, setErrorClass);
  EXPORT(exports, dispose);
  EXPORT(exports, isDisposed);
  EXPORT(exports, memory);
  EXPORT(exports, shape);
  EXPORT(exports, strides);
  EXPORT(exports, dtype);
  EXPORT(exports, device);
  EXPORT(exports, requiresGrad);
  EXPORT(exports, isContiguous);
  EXPORT(exports, isLeaf);
}

}  // namespace flint
