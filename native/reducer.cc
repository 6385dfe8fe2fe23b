// DistributedDataParallel's reducer (PyTorch's c10d Reducer, reduced to what Flint's DDP needs): the parameters'
// gradients in fixed buckets, each all-reduced as soon as backward has accumulated every gradient in it, so the
// communication overlaps the rest of backward. A post-hook on each parameter's gradient accumulator marks it ready;
// buckets are launched in their order only (every rank must issue the same collectives in the same order).
// finish(), after backward, launches what is left (a parameter without a gradient counts as zeros), waits off the
// JS thread, and writes each bucket's average back into the gradients.
#include "distributed.h"

#include <memory>
#include <mutex>
#include <utility>

#ifdef USE_C10D_GLOO
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#endif

namespace flint {

#ifdef USE_C10D_GLOO
namespace {

constexpr uint32_t kReducerMagic = 0x464c4452;  // "FLDR"

struct Reducer {
  uint32_t magic = kReducerMagic;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int worldSize = 1;
  std::vector<at::Tensor> params;
  std::vector<std::vector<size_t>> buckets;  // parameter indices, in launch order
  std::vector<size_t> bucketOf;
  // the hooks, to remove them again
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;
  std::vector<uintptr_t> hookKeys;

  // one round (a backward and its finish); guarded by m, as a CUDA backward runs the hooks on its own threads
  std::mutex m;
  std::vector<bool> ready;
  std::vector<size_t> pending;  // per bucket: parameters not ready yet
  size_t next = 0;              // the next bucket to launch
  std::vector<at::Tensor> flat;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  int64_t launchedInBackward = 0;
  std::string error;  // a misuse found in a hook, reported by finish

  void reset() {
    ready.assign(params.size(), false);
    pending.clear();
    for (const auto& b : buckets) pending.push_back(b.size());
    next = 0;
    flat.assign(buckets.size(), at::Tensor());
    works.assign(buckets.size(), c10::intrusive_ptr<c10d::Work>());
    launchedInBackward = 0;
  }

  // Flattens bucket b's gradients (zeros for a parameter without one) and starts its all-reduce. Holds m.
  void launch(size_t b) {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> parts;
    for (size_t i : buckets[b]) {
      const at::Tensor& g = params[i].grad();
      parts.push_back(g.defined() ? g.detach().reshape({-1}) : at::zeros({params[i].numel()}, params[i].options()));
    }
    flat[b] = at::cat(parts);
    std::vector<at::Tensor> v{flat[b]};
    works[b] = pg->allreduce(v);
  }

  // Launches, in order, every bucket whose gradients are all in. Holds m.
  void launchReady(bool inBackward) {
    while (next < buckets.size() && pending[next] == 0) {
      launch(next++);
      if (inBackward) launchedInBackward++;
    }
  }

  void onReady(size_t i) {
    std::lock_guard<std::mutex> lock(m);
    if (ready[i]) {
      if (error.empty()) {
        error = "a parameter's gradient was accumulated twice before syncGradients(): call it after every backward";
      }
      return;
    }
    ready[i] = true;
    pending[bucketOf[i]]--;
    launchReady(true);
  }
};

// Runs after the parameter's gradient accumulator: the gradient is in param.grad.
struct ReadyHook : torch::autograd::FunctionPostHook {
  std::weak_ptr<Reducer> reducer;
  size_t index;
  ReadyHook(std::weak_ptr<Reducer> r, size_t i) : reducer(std::move(r)), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) override {
    if (auto r = reducer.lock()) r->onReady(index);
    return outputs;
  }
};

// The reducer's JS handle: shared ownership, so a hook running on a backward thread keeps it alive.
struct ReducerHandle {
  uint32_t magic = kReducerMagic;
  std::shared_ptr<Reducer> r;
};

void removeHooks(Reducer& r) {
  for (size_t i = 0; i < r.accumulators.size(); i++) r.accumulators[i]->del_post_hook(r.hookKeys[i]);
  r.accumulators.clear();
  r.hookKeys.clear();
}

std::shared_ptr<Reducer> reducerOf(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].Type() != napi_external) throw ArgError(argName(i), "a DDP reducer", describeArg(info, i));
  auto* h = info[i].As<Napi::External<ReducerHandle>>().Data();
  if (h == nullptr || h->magic != kReducerMagic) throw ArgError(argName(i), "a DDP reducer", describeArg(info, i));
  if (!h->r) throw ArgError(argName(i), "a live DDP reducer", "a released one");
  return h->r;
}

// Waits for every bucket's all-reduce off the JS thread; then, on it, writes the averages into the gradients.
class FinishWorker : public Napi::AsyncWorker {
 public:
  FinishWorker(Napi::Env env, std::shared_ptr<Reducer> r, std::vector<c10::intrusive_ptr<c10d::Work>> works, std::vector<at::Tensor> flat,
               int64_t launched)
      : Napi::AsyncWorker(env, "flint.ddpFinish"),
        deferred_(Napi::Promise::Deferred::New(env)),
        r_(std::move(r)),
        works_(std::move(works)),
        flat_(std::move(flat)),
        launched_(launched) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      for (auto& w : works_) w->wait();
    } catch (const c10::Error& e) {
      SetError(e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  // the gradients are written on the JS thread, where everything else touches them
  void OnOK() override {
    Napi::Env env = Env();
    try {
      at::NoGradGuard noGrad;
      for (size_t b = 0; b < flat_.size(); b++) {
        flat_[b].div_(r_->worldSize);
        int64_t off = 0;
        for (size_t i : r_->buckets[b]) {
          at::Tensor& p = r_->params[i];
          const int64_t n = p.numel();
          at::Tensor avg = flat_[b].narrow(0, off, n).view(p.sizes());
          off += n;
          if (p.grad().defined()) p.mutable_grad().copy_(avg);
          else p.mutable_grad() = avg.clone();
        }
      }
      deferred_.Resolve(Napi::Number::New(env, static_cast<double>(launched_)));
    } catch (const c10::Error& e) {
      deferred_.Reject(Napi::Error::New(env, e.what_without_backtrace()).Value());
    } catch (const std::exception& e) {
      deferred_.Reject(Napi::Error::New(env, e.what()).Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Reducer> r_;
  std::vector<c10::intrusive_ptr<c10d::Work>> works_;
  std::vector<at::Tensor> flat_;
  int64_t launched_;
};

}  // namespace

// ddpReducerNew(group, params[], buckets: number[][]): a reducer whose hooks are on the parameters' gradient
// accumulators from now on. Every parameter index in exactly one bucket; parameters must require grad.
OP_BEGIN(ddpReducerNew)
  Group* g = groupOf(info, 0);
  std::vector<at::Tensor> params = TL(info, 1);
  if (!info[2].IsArray()) throw ArgError(argName(2), "an array of buckets (arrays of parameter indices)", describeArg(info, 2));
  auto r = std::make_shared<Reducer>();
  r->pg = g->pg;
  r->worldSize = g->size;
  r->params = params;
  r->bucketOf.assign(params.size(), SIZE_MAX);
  auto arr = info[2].As<Napi::Array>();
  for (uint32_t b = 0; b < arr.Length(); b++) {
    Napi::Value e = arr.Get(b);
    if (!e.IsArray()) throw ArgError(argName(2) + ", bucket " + std::to_string(b), "an array of parameter indices", describeValue(e, 1));
    std::vector<size_t> bucket;
    auto ix = e.As<Napi::Array>();
    for (uint32_t k = 0; k < ix.Length(); k++) {
      Napi::Value v = ix.Get(k);
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0 && d < static_cast<double>(params.size()) && d == static_cast<double>(static_cast<size_t>(d))) ||
          r->bucketOf[static_cast<size_t>(d)] != SIZE_MAX) {
        throw ArgError(argName(2) + ", bucket " + std::to_string(b), "distinct parameter indices below " + std::to_string(params.size()),
                       describeValue(v, 1));
      }
      bucket.push_back(static_cast<size_t>(d));
      r->bucketOf[static_cast<size_t>(d)] = b;
    }
    r->buckets.push_back(std::move(bucket));
  }
  for (size_t i = 0; i < params.size(); i++) {
    if (r->bucketOf[i] == SIZE_MAX) throw ArgError(argName(2), "every parameter in a bucket", "parameter " + std::to_string(i) + " in none");
    if (!params[i].requires_grad() || !params[i].is_leaf()) throw ArgError(argName(1) + ", element " + std::to_string(i), "a leaf tensor that requires grad", "another tensor");
  }
  r->reset();
  for (size_t i = 0; i < params.size(); i++) {
    std::shared_ptr<torch::autograd::Node> acc = torch::autograd::impl::grad_accumulator(params[i]);
    r->hookKeys.push_back(acc->add_post_hook(std::make_unique<ReadyHook>(r, i)));
    r->accumulators.push_back(std::move(acc));
  }
  return Napi::External<ReducerHandle>::New(env, new ReducerHandle{kReducerMagic, r}, [](Napi::Env, ReducerHandle* h) {
    if (h->r) removeHooks(*h->r);
    delete h;
  });
OP_END

// ddpReducerFinish(reducer): Promise<number of buckets launched during backward>. Launches the rest, waits, averages.
OP_BEGIN(ddpReducerFinish)
  std::shared_ptr<Reducer> r = reducerOf(info, 0);
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  std::vector<at::Tensor> flat;
  int64_t launched = 0;
  {
    std::lock_guard<std::mutex> lock(r->m);
    if (!r->error.empty()) {
      std::string e = std::move(r->error);
      r->error.clear();
      r->reset();
      // this round's collectives cannot match the other ranks' any more: the run cannot go on
      throw std::runtime_error(e);
    }
    for (size_t b = r->next; b < r->buckets.size(); b++) r->pending[b] = 0;
    r->launchReady(false);
    works = std::move(r->works);
    flat = std::move(r->flat);
    launched = r->launchedInBackward;
    r->reset();
  }
  auto* w = new FinishWorker(env, r, std::move(works), std::move(flat), launched);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
OP_END

// ddpReducerRelease(reducer): removes its hooks (the gradients are no longer averaged).
OP_BEGIN(ddpReducerRelease)
  if (info.Length() < 1 || info[0].Type() != napi_external) throw ArgError(argName(0), "a DDP reducer", describeArg(info, 0));
  auto* h = info[0].As<Napi::External<ReducerHandle>>().Data();
  if (h == nullptr || h->magic != kReducerMagic) throw ArgError(argName(0), "a DDP reducer", describeArg(info, 0));
  if (h->r) {
    std::lock_guard<std::mutex> lock(h->r->m);
    removeHooks(*h->r);
  }
  h->r.reset();
  return env.Undefined();
OP_END

#else

#define NO_GLOO(name) \
  OP_BEGIN(name)      \
    throw std::runtime_error("this build of Flint has no Gloo (c10d's CPU backend): install libgloo-dev and rebuild (npm run build:native)"); \
  OP_END

NO_GLOO(ddpReducerNew)
NO_GLOO(ddpReducerFinish)
NO_GLOO(ddpReducerRelease)

#endif

void registerReducer(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, ddpReducerNew);
  EXPORT(exports, ddpReducerFinish);
  EXPORT(exports, ddpReducerRelease);
}

}  // namespace flint
