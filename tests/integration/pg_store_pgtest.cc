// The store contract, run against real Postgres.
#include "engine/pg_workflow_store.h"
#include "tests/common/store_conformance.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

struct PgStoreFactory {
  static void Reset() { ResetSharedDatabase(); }
  static std::shared_ptr<WorkflowStore> Open() {
    return std::make_shared<PgWorkflowStore>(SharedDatabaseDsn());  // a connection per handle
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreConformance, PgStoreFactory);

}  // namespace
}  // namespace o2c::testing
