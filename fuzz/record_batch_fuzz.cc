// libFuzzer harness: bytes as produced records through the RecordBatch v2
// parser: header parse, whole-batch validation, splitting (with and without
// a partial tail) and record decoding (including decompression).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "record/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto header = meshd::record::ParseHeader(in);
  (void)header;
  meshd::record::ValidateBatch(in).IgnoreError();
  auto split = meshd::record::SplitBatches(in, /*allow_partial_tail=*/true);
  if (split.ok()) {
    for (std::string_view b : *split) {
      auto records = meshd::record::DecodeRecords(b);
      (void)records;
    }
  }
  auto strict = meshd::record::SplitBatches(in, false);
  (void)strict;
  // Decoding is attempted even when the CRC is wrong: the decoder itself
  // must be safe on arbitrary bytes.
  auto direct = meshd::record::DecodeRecords(in);
  (void)direct;
  return 0;
}
