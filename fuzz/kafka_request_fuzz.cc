// libFuzzer harness: one Kafka request frame (without the size prefix)
// through the header parser and the per-API body decoder/encoder. Any crash,
// sanitizer report or over-allocation is a bug; decode errors are expected.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kafka/protocol/request_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = meshd::kafka::DecodeAnyRequest(
      std::string_view(reinterpret_cast<const char*>(data), size));
  (void)r;
  return 0;
}
