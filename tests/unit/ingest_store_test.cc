// The ingestion half of the store contract, run against the in-memory store.
#include "engine/memory_workflow_store.h"
#include "tests/common/ingest_conformance.h"

namespace o2c::testing {
namespace {

struct MemoryIngestFactory {
  static inline std::shared_ptr<MemoryWorkflowStore> store;
  static void Reset() { store = std::make_shared<MemoryWorkflowStore>(); }
  static std::shared_ptr<WorkflowStore> Open() { return store; }  // thread-safe: share it
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, IngestConformance, MemoryIngestFactory);

}  // namespace
}  // namespace o2c::testing
