// libtorch's own distributed engine (c10d): a Gloo process group over a TCPStore or FileStore rendezvous.
// Collectives are issued on the JS thread, so every rank issues them in the same order (c10d's rule), and waited
// for on a libuv worker thread, so the event loop keeps running; each settles a Promise. A dead or stalled peer
// makes Gloo fail the work within the group's timeout: the promise rejects with Gloo's message.
// Built with -DUSE_C10D_GLOO when Gloo's headers are found (scripts/build-native.mjs); without them distInit
// reports that this build has no Gloo.
#include "distributed.h"

#include <chrono>
#include <memory>
#include <utility>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#endif

namespace flint {

#ifdef USE_C10D_GLOO
Group* groupOf(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].Type() != napi_external) throw ArgError(argName(i), "a process group", describeArg(info, i));
  auto* g = info[i].As<Napi::External<Group>>().Data();
  if (g == nullptr || g->magic != kGroupMagic) throw ArgError(argName(i), "a process group", describeArg(info, i));
  if (!g->pg) throw ArgError(argName(i), "a live process group", "a destroyed one");
  return g;
}

namespace {

// PyTorch 2.x gave createDeviceForHostname a lazyInit argument: call whichever this libtorch has.
template <typename PG>
auto deviceForHostname(const std::string& host, int) -> decltype(PG::createDeviceForHostname(host, false)) {
  return PG::createDeviceForHostname(host, false);
}
template <typename PG>
auto deviceForHostname(const std::string& host, long) {
  return PG::createDeviceForHostname(host);
}
template <typename PG>
auto deviceForInterface(const std::string& name, int) -> decltype(PG::createDeviceForInterface(name, false)) {
  return PG::createDeviceForInterface(name, false);
}
template <typename PG>
auto deviceForInterface(const std::string& name, long) {
  return PG::createDeviceForInterface(name);
}

struct InitArgs {
  std::string kind;  // "tcp" or "file"
  std::string where;  // host (tcp) or path (file)
  int port = 0;
  int rank = 0, size = 1;
  int64_t timeoutMs = 0;
  std::string deviceKind;  // "hostname", "interface" or "default": where Gloo's own sockets bind
  std::string deviceValue;
};

// Rendezvous and the group's full mesh of connections both block until every rank arrives (or the timeout):
// done off the JS thread.
class InitWorker : public Napi::AsyncWorker {
 public:
  InitWorker(Napi::Env env, InitArgs a)
      : Napi::AsyncWorker(env, "flint.distInit"), deferred_(Napi::Promise::Deferred::New(env)), a_(std::move(a)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      const std::chrono::milliseconds timeout(a_.timeoutMs);
      c10::intrusive_ptr<c10d::Store> store;
      if (a_.kind == "tcp") {
        c10d::TCPStoreOptions o;
        o.port = static_cast<std::uint16_t>(a_.port);
        o.isServer = a_.rank == 0;
        o.numWorkers = static_cast<std::size_t>(a_.size);
        o.waitWorkers = true;
        o.timeout = timeout;
        store = c10::make_intrusive<c10d::TCPStore>(a_.where, o);
      } else {
        store = c10::make_intrusive<c10d::FileStore>(a_.where, a_.size);
        store->setTimeout(timeout);
      }
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      if (a_.deviceKind == "hostname") opts->devices.push_back(deviceForHostname<c10d::ProcessGroupGloo>(a_.deviceValue, 0));
      else if (a_.deviceKind == "interface") opts->devices.push_back(deviceForInterface<c10d::ProcessGroupGloo>(a_.deviceValue, 0));
      else opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, a_.rank, a_.size, opts);
      group_ = std::make_unique<Group>();
      group_->store = std::move(store);
      group_->pg = std::move(pg);
      group_->rank = a_.rank;
      group_->size = a_.size;
    } catch (const c10::Error& e) {
      SetError(e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Group* g = group_.release();
    deferred_.Resolve(Napi::External<Group>::New(env, g, [](Napi::Env, Group* p) { delete p; }));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  InitArgs a_;
  std::unique_ptr<Group> group_;
};

// Waits for one collective. The tensors are held by value, so a dispose() on the JS side cannot free their memory
// while Gloo still reads or writes it.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, const char* name, c10::intrusive_ptr<c10d::Work> work, std::vector<at::Tensor> keep)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), keep_(std::move(keep)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_->wait();
    } catch (const c10::Error& e) {
      SetError(e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  c10::intrusive_ptr<c10d::Work> work_;
  std::vector<at::Tensor> keep_;
};

// Drops a group: joining Gloo's threads waits for its work, which a dead peer can hold until the timeout.
class DestroyWorker : public Napi::AsyncWorker {
 public:
  DestroyWorker(Napi::Env env, c10::intrusive_ptr<c10d::ProcessGroupGloo> pg, c10::intrusive_ptr<c10d::Store> store)
      : Napi::AsyncWorker(env, "flint.distDestroy"), deferred_(Napi::Promise::Deferred::New(env)), pg_(std::move(pg)), store_(std::move(store)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    pg_.reset();
    store_.reset();
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  Napi::Promise::Deferred deferred_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  c10::intrusive_ptr<c10d::Store> store_;
};

Napi::Value queueWait(Napi::Env env, const char* name, c10::intrusive_ptr<c10d::Work> work, std::vector<at::Tensor> keep) {
  auto* w = new WaitWorker(env, name, std::move(work), std::move(keep));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// The backward of a differentiable all-reduce (sum): the gradient is all-reduced too (every rank's loss depends on
// every rank's input). Runs where libtorch's backward runs (the JS thread, for CPU tensors); ranks reach it in the
// same order, as their graphs are the same.
struct AllReduceSumBackward : torch::autograd::Node {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::vector<int64_t> sizes;
  at::TensorOptions options;
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    // every rank must take part, with or without a gradient of its own
    at::Tensor g = grads[0].defined() ? grads[0].contiguous().clone() : at::zeros(sizes, options);
    std::vector<at::Tensor> v{g};
    pg->allreduce(v)->wait();
    return {g};
  }
  std::string name() const override { return "AllReduceSumBackward"; }
};

c10d::ReduceOp reduceOpArg(const Napi::CallbackInfo& info, size_t i) {
  const int64_t v = I(info, i);
  switch (v) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::AVG;
    case 2: return c10d::ReduceOp::PRODUCT;
    case 3: return c10d::ReduceOp::MIN;
    case 4: return c10d::ReduceOp::MAX;
    default: throw ArgError(argName(i), "a reduce op index below 5", std::to_string(v));
  }
}

// A tensor Gloo can read and write in place: dense and contiguous (c10d's own requirement, checked first so the
// message names the argument).
const at::Tensor& commTensor(const Napi::CallbackInfo& info, size_t i) {
  const at::Tensor& t = T(info, i);
  if (t.layout() != at::kStrided || !t.is_contiguous()) throw ArgError(argName(i), "a dense contiguous tensor", "a non-contiguous one");
  return t;
}

std::vector<at::Tensor> commTensors(const Napi::CallbackInfo& info, size_t i) {
  std::vector<at::Tensor> ts = TL(info, i);
  for (size_t k = 0; k < ts.size(); k++) {
    if (!ts[k].is_contiguous()) throw ArgError(argName(i) + ", element " + std::to_string(k), "a dense contiguous tensor", "a non-contiguous one");
  }
  return ts;
}

}  // namespace

// distInit(kind 'tcp'|'file', hostOrPath, port, rank, worldSize, timeoutMs, deviceKind, deviceValue): Promise<group>.
OP_BEGIN(distInit)
  InitArgs a;
  a.kind = Str(info, 0);
  if (a.kind != "tcp" && a.kind != "file") throw ArgError(argName(0), "'tcp' or 'file'", describeArg(info, 0));
  a.where = Str(info, 1);
  a.port = static_cast<int>(I(info, 2));
  a.rank = static_cast<int>(I(info, 3));
  a.size = static_cast<int>(I(info, 4));
  a.timeoutMs = I(info, 5);
  a.deviceKind = Str(info, 6);
  a.deviceValue = Str(info, 7);
  if (a.size < 1) throw ArgError(argName(4), "a world size >= 1", std::to_string(a.size));
  if (a.rank < 0 || a.rank >= a.size) throw ArgError(argName(3), "a rank in [0, " + std::to_string(a.size) + ")", std::to_string(a.rank));
  if (a.timeoutMs < 1) throw ArgError(argName(5), "a timeout >= 1 ms", std::to_string(a.timeoutMs));
  if (a.kind == "tcp" && (a.port < 1 || a.port > 65535)) throw ArgError(argName(2), "a port in 1..65535", std::to_string(a.port));
  auto* w = new InitWorker(env, std::move(a));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
OP_END

// distDestroy(group): Promise<void>. Gloo's threads are joined off the JS thread.
OP_BEGIN(distDestroy)
  Group* g = groupOf(info, 0);
  auto pg = std::move(g->pg);
  auto store = std::move(g->store);
  auto* w = new DestroyWorker(env, std::move(pg), std::move(store));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
OP_END

// distAllReduce(group, tensors[], opIndex): in place.
OP_BEGIN(distAllReduce)
  Group* g = groupOf(info, 0);
  std::vector<at::Tensor> ts = commTensors(info, 1);
  c10d::AllreduceOptions o;
  o.reduceOp = reduceOpArg(info, 2);
  auto work = g->pg->allreduce(ts, o);
  return queueWait(env, "flint.allReduce", work, ts);
OP_END

// distBroadcast(group, tensor, srcRank): in place.
OP_BEGIN(distBroadcast)
  Group* g = groupOf(info, 0);
  std::vector<at::Tensor> ts{commTensor(info, 1)};
  c10d::BroadcastOptions o;
  o.rootRank = I(info, 2);
  auto work = g->pg->broadcast(ts, o);
  return queueWait(env, "flint.broadcast", work, ts);
OP_END

// distAllGather(group, outputs[worldSize], input): outputs[r] receives rank r's input.
OP_BEGIN(distAllGather)
  Group* g = groupOf(info, 0);
  std::vector<std::vector<at::Tensor>> outs{commTensors(info, 1)};
  std::vector<at::Tensor> in{commTensor(info, 2)};
  auto work = g->pg->allgather(outs, in);
  std::vector<at::Tensor> keep = outs[0];
  keep.push_back(in[0]);
  return queueWait(env, "flint.allGather", work, keep);
OP_END

// distReduceScatter(group, output, inputs[worldSize], opIndex): output receives the reduction of every rank's
// inputs[rank]. Gloo in libtorch 1.13 does not implement it: libtorch's own message says so.
OP_BEGIN(distReduceScatter)
  Group* g = groupOf(info, 0);
  std::vector<at::Tensor> out{commTensor(info, 1)};
  std::vector<std::vector<at::Tensor>> ins{commTensors(info, 2)};
  c10d::ReduceScatterOptions o;
  o.reduceOp = reduceOpArg(info, 3);
  auto work = g->pg->reduce_scatter(out, ins, o);
  std::vector<at::Tensor> keep = ins[0];
  keep.push_back(out[0]);
  return queueWait(env, "flint.reduceScatter", work, keep);
OP_END

// distAllReduceDiff(group, tensor): a new tensor, the sum over ranks, differentiable (its backward all-reduces the
// gradient). Blocks until done (bounded by the group's timeout): it runs inside a forward (SyncBatchNorm).
OP_BEGIN(distAllReduceDiff)
  Group* g = groupOf(info, 0);
  const at::Tensor& x = T(info, 1);
  at::Tensor out;
  {
    at::NoGradGuard noGrad;
    out = x.detach().contiguous().clone();
    std::vector<at::Tensor> v{out};
    g->pg->allreduce(v)->wait();
  }
  if (x.requires_grad() && at::GradMode::is_enabled()) {
    auto node = std::shared_ptr<AllReduceSumBackward>(new AllReduceSumBackward(), torch::autograd::deleteNode);
    node->pg = g->pg;
    node->sizes = x.sizes().vec();
    node->options = x.options();
    node->set_next_edges(torch::autograd::collect_next_edges(x));
    torch::autograd::set_history(out, node);
  }
  return wrap(env, std::move(out));
OP_END

OP_BEGIN(distBarrier)
  Group* g = groupOf(info, 0);
  auto work = g->pg->barrier();
  return queueWait(env, "flint.barrier", work, {});
OP_END

OP_BEGIN(distAvailable)
  return Napi::Boolean::New(env, true);
OP_END

#else  // no Gloo headers at build time: the same exports, each saying so

#define NO_GLOO(name) \
  OP_BEGIN(name)      \
    throw std::runtime_error("this build of Flint has no Gloo (c10d's CPU backend): install libgloo-dev and rebuild (npm run build:native)"); \
  OP_END

NO_GLOO(distInit)
NO_GLOO(distDestroy)
NO_GLOO(distAllReduce)
NO_GLOO(distBroadcast)
NO_GLOO(distAllGather)
NO_GLOO(distReduceScatter)
NO_GLOO(distBarrier)
NO_GLOO(distAllReduceDiff)

OP_BEGIN(distAvailable)
  return Napi::Boolean::New(env, false);
OP_END

#endif

void registerDistributed(Napi::Env env, Napi::Object exports) {
  EXPORT(exports, distAvailable);
  EXPORT(exports, distInit);
  EXPORT(exports, distDestroy);
  EXPORT(exports, distAllReduce);
  EXPORT(exports, distBroadcast);
  EXPORT(exports, distAllGather);
  EXPORT(exports, distReduceScatter);
  EXPORT(exports, distBarrier);
  EXPORT(exports, distAllReduceDiff);
}

}  // namespace flint
