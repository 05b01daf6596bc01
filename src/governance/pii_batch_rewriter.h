#pragma once
// Rewrites fetched RecordBatch v2 bytes for a reader without a PII grant:
// every data batch is decoded, each record value goes through the
// PiiMasker, and batches with a changed value are re-encoded with
// RecordBatchBuilder keeping base offset, offset deltas, timestamps, keys,
// headers and producer id/epoch/sequence (uncompressed). Control batches
// and batches whose values did not change are copied byte for byte. A
// partial trailing batch (Fetch may end mid-batch) is dropped, as clients
// would ignore it anyway.

#include <string>

#include "base/status.h"
#include "governance/pii_masker.h"

namespace meshd::governance {

Status RewriteBatches(const PiiMasker& masker, std::string* batches);

}  // namespace meshd::governance
