#pragma once
// Kafka's batch compression codecs: gzip (zlib), snappy in the xerial framing
// Kafka uses (plain raw snappy is accepted on decompress too), lz4 in the LZ4
// frame format, and zstd.

#include <string>
#include <string_view>

#include "base/result.h"
#include "record/record_batch.h"

namespace meshd::record {

Result<std::string> Compress(Compression codec, std::string_view input);
Result<std::string> Decompress(Compression codec, std::string_view input);

}  // namespace meshd::record
