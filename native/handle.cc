// Handles, argument readers and the error path: how a JS value becomes an at::Tensor and back.
#include "flint.h"

#include <sstream>

namespace flint {

namespace {
struct AddonData {
  Napi::FunctionReference errorClass;
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

std::string describeValue(const Napi::Value& v, int depth) {
  switch (v.Type()) {
    case napi_external: {
      auto* h = v.As<Napi::External<Handle>>().Data();
      return (h && h->magic == kMagic) ? describeTensor(h->t) : "foreign object";
    }
    case napi_number: {
      std::ostringstream s;
      s << v.As<Napi::Number>().DoubleValue();
      return s.str();
    }
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_string: return "'" + v.As<Napi::String>().Utf8Value() + "'";
    case napi_null: return "null";
    case napi_undefined: return "undefined";
    case napi_object:
      if (v.IsArray() && depth == 0) {
        auto a = v.As<Napi::Array>();
        std::string out = "[";
        uint32_t n = a.Length();
        for (uint32_t i = 0; i < n && i < 8; i++) out += (i ? ", " : "") + describeValue(a.Get(i), 1);
        if (n > 8) out += ", ...";
        return out + "]";
      }
      return v.IsArray() ? "[...]" : "object";
    default: return "value";
  }
}
}  // namespace

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
  gLive++;
  gBytes += h->nbytes;
  // Native bytes count towards V8's heap limit so the GC backstop sees real pressure.
  Napi::MemoryManagement::AdjustExternalMemory(env, h->nbytes);
  return Napi::External<Handle>::New(env, h, finalizeHandle);
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

void throwTorch(const Napi::CallbackInfo& info, const char* op, const std::string& msg) {
  Napi::Env env = info.Env();
  size_t n = info.Length();
  while (n > 0 && info[n - 1].IsUndefined()) n--;  // omitted optional arguments
  std::string inputs;
  for (size_t i = 0; i < n; i++) inputs += (i ? ", " : "") + describeValue(info[i], 0);
  std::string first = msg.substr(0, msg.find("\nException raised from"));
  std::string text = std::string(op) + "(" + inputs + "): " + first;
  auto* data = env.GetInstanceData<AddonData>();
  Napi::Object err;
  if (data && !data->errorClass.IsEmpty()) {
    err = data->errorClass.New({Napi::String::New(env, text)});
  } else {
    err = Napi::Error::New(env, text).Value();
  }
  err.Set("op", Napi::String::New(env, op));
  err.Set("inputs", Napi::String::New(env, inputs));
  err.Set("torchMessage", Napi::String::New(env, first));
  throw Napi::Error(env, err);
}

Handle* handleOf(const Napi::Value& v, size_t i) {
  if (v.Type() != napi_external) {
    throw ArgError("argument " + std::to_string(i) + " must be a tensor, got " + describeValue(v, 1));
  }
  auto* h = v.As<Napi::External<Handle>>().Data();
  if (!h || h->magic != kMagic) throw ArgError("argument " + std::to_string(i) + " is not a Flint tensor");
  return h;
}

double D(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw ArgError("argument " + std::to_string(i) + " must be a number, got " +
                   (info.Length() <= i ? std::string("nothing") : describeValue(info[i], 1)));
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

int64_t I(const Napi::CallbackInfo& info, size_t i) {
  double d = D(info, i);
  if (!std::isfinite(d) || std::floor(d) != d) {
    throw ArgError("argument " + std::to_string(i) + " must be an integer, got " + describeValue(info[i], 1));
  }
  return static_cast<int64_t>(d);
}

bool B(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBoolean()) {
    throw ArgError("argument " + std::to_string(i) + " must be a boolean");
  }
  return info[i].As<Napi::Boolean>().Value();
}

std::string Str(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsString()) throw ArgError("argument " + std::to_string(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// Integral numbers become integer Scalars, others double: so int tensors stay int under `t * 2`, and
// float tensors are not promoted by `t * 2` (PyTorch's rule for Python ints and floats).
static at::Scalar scalarOf(const Napi::Value& v, size_t i) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  throw ArgError("argument " + std::to_string(i) + " must be a number or a tensor, got " + describeValue(v, 1));
}

at::Scalar S(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i) throw ArgError("argument " + std::to_string(i) + " is missing");
  return scalarOf(info[i], i);
}

std::vector<int64_t> IL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of integers");
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || std::floor(d) != d) {
      throw ArgError("argument " + std::to_string(i) + " must be an array of integers, element " + std::to_string(k) +
                     " is " + describeValue(e, 1));
    }
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::vector<at::Tensor> TL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of tensors");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (e.Type() != napi_external) throw ArgError("argument " + std::to_string(i) + ", element " + std::to_string(k) + " is not a tensor");
    Handle* h = handleOf(e, i);
    if (!h->t.defined()) throw ArgError("argument " + std::to_string(i) + ", element " + std::to_string(k) + " is a disposed tensor");
    out.push_back(h->t);
  }
  return out;
}

std::vector<at::Scalar> SL(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of numbers");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Scalar> out;
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(scalarOf(a.Get(k), i));
  return out;
}

at::ScalarType DT(const Napi::CallbackInfo& info, size_t i) {
  int64_t c = I(info, i);
  switch (static_cast<at::ScalarType>(c)) {
    case at::kByte: case at::kChar: case at::kShort: case at::kInt: case at::kLong: case at::kHalf:
    case at::kFloat: case at::kDouble: case at::kBool: case at::kBFloat16:
      return static_cast<at::ScalarType>(c);
    default: throw ArgError("unsupported dtype code " + std::to_string(c));
  }
}

c10::Device DEV(const Napi::CallbackInfo& info, size_t i) {
  c10::Device d(Str(info, i));  // throws c10::Error on a malformed string
  if (d.is_cuda()) {
    int64_t n = at::getNumGPUs();
    if (n == 0) throw ArgError("device '" + Str(info, i) + "' requested but CUDA is not available (libtorch has no usable CUDA device)");
    if (d.has_index() && d.index() >= n) {
      throw ArgError("device '" + Str(info, i) + "' does not exist: " + std::to_string(n) + " CUDA device(s)");
    }
  } else if (!d.is_cpu()) {
    throw ArgError("device '" + Str(info, i) + "' is not supported (use 'cpu', 'cuda' or 'cuda:N')");
  }
  return d;
}

// ---- core exports ----

OP_BEGIN(setErrorClass)
  auto* data = env.GetInstanceData<AddonData>();
  data->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
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
