// libFuzzer harness: the produce path's quick schema checks against their
// references (see json_schema_checks.h). A violation aborts.
#include <cstdlib>

#include "json_schema_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!meshd::fuzz::SchemaQuickChecksHold(data, size)) std::abort();
  return 0;
}
