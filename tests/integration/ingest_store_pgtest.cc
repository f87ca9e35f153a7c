// The ingestion half of the store contract, run against real Postgres: the single-statement
// IngestDelivery under racing connections, deferred events, inbox retention.
#include "engine/pg_workflow_store.h"
#include "tests/common/ingest_conformance.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

struct PgIngestFactory {
  static void Reset() { ResetSharedDatabase(); }
  static std::shared_ptr<WorkflowStore> Open() {
    return std::make_shared<PgWorkflowStore>(SharedDatabaseDsn());  // a connection per handle
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, IngestConformance, PgIngestFactory);

}  // namespace
}  // namespace o2c::testing
