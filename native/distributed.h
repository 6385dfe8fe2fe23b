// Shared by the c10d files (distributed.cc: process groups and collectives; reducer.cc: DDP's gradient buckets).
// Only meaningful when Gloo's headers were found (USE_C10D_GLOO).
#pragma once
#include "flint.h"

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace flint {

constexpr uint32_t kGroupMagic = 0x464c4447;  // "FLDG"

// One process group. The JS side holds it as an external; destroy drops the group (joining Gloo's threads) on a
// worker thread, since a collective still stuck on a dead peer holds it until the timeout.
struct Group {
  uint32_t magic = kGroupMagic;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, size = 0;
};

// Argument i as a live process group (an ArgError otherwise).
Group* groupOf(const Napi::CallbackInfo& info, size_t i);

}  // namespace flint
#endif
