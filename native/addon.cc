// The module: every file registers its functions on the exports object.
#include "flint.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  flint::registerHandles(env, exports);
  flint::registerRuntime(env, exports);
  flint::registerCreation(env, exports);
  flint::registerPointwise(env, exports);
  flint::registerShape(env, exports);
  flint::registerReduce(env, exports);
  flint::registerLinalgNN(env, exports);
  flint::registerAutograd(env, exports);
  flint::registerHost(env, exports);
  flint::registerImage(env, exports);
  flint::registerGenerator(env, exports);
  flint::registerAugment(env, exports);
  flint::registerDistributed(env, exports);
  flint::registerReducer(env, exports);
  return exports;
}

NODE_API_MODULE(flint, Init)
