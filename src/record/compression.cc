#include "record/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "base/endian.h"

namespace meshd::record {
namespace {

// A decompressed batch larger than this is treated as hostile (a
// decompression bomb); Kafka's own limit is the 2 GiB int32 range.
constexpr size_t kMaxDecompressedBytes = 512u << 20;

// xerial snappy-java stream framing, which Kafka's snappy codec uses.
constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t kXerialHeaderSize = 16;  // magic + version + compatible version
constexpr size_t kXerialBlockSize = 32 * 1024;

Status TooBig(const char* codec) {
  return Status::Corruption(std::string(codec) + ": decompressed size exceeds " +
                            std::to_string(kMaxDecompressedBytes) + " bytes");
}

Result<std::string> GzipCompress(std::string_view in) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: deflate failed (" + std::to_string(rc) + ")");
  out.resize(produced);
  return out;
}

Result<std::string> GzipDecompress(std::string_view in) {
  z_stream zs{};
  // 15 + 32: detect a gzip or zlib header automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Corruption("gzip: invalid compressed data (" + std::to_string(rc) + ")");
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > kMaxDecompressedBytes) {
      inflateEnd(&zs);
      return TooBig("gzip");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::Corruption("gzip: truncated compressed data");
    }
  }
  inflateEnd(&zs);
  return out;
}

Result<std::string> SnappyCompress(std::string_view in) {
  std::string out(kXerialMagic, sizeof(kXerialMagic));
  char ints[8];
  StoreBE<int32_t>(ints, 1);      // version
  StoreBE<int32_t>(ints + 4, 1);  // minimum compatible version
  out.append(ints, 8);
  std::string block;
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    block.clear();
    snappy::Compress(in.data() + pos, n, &block);
    char len[4];
    StoreBE<int32_t>(len, static_cast<int32_t>(block.size()));
    out.append(len, 4);
    out.append(block);
  }
  return out;
}

Result<std::string> SnappyRaw(std::string_view in, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
    return Status::Corruption("snappy: invalid block header");
  }
  if (out->size() + n > kMaxDecompressedBytes) return TooBig("snappy");
  std::string block;
  if (!snappy::Uncompress(in.data(), in.size(), &block)) {
    return Status::Corruption("snappy: invalid compressed block");
  }
  out->append(block);
  return std::string();
}

Result<std::string> SnappyDecompress(std::string_view in) {
  std::string out;
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    // Plain raw snappy (some older clients).
    MESHD_ASSIGN_OR_RETURN(auto ignored, SnappyRaw(in, &out));
    (void)ignored;
    return out;
  }
  in.remove_prefix(kXerialHeaderSize);
  while (!in.empty()) {
    if (in.size() < 4) return Status::Corruption("snappy: truncated xerial chunk length");
    int32_t len = LoadBE<int32_t>(in.data());
    in.remove_prefix(4);
    if (len < 0 || static_cast<size_t>(len) > in.size()) {
      return Status::Corruption("snappy: xerial chunk length " + std::to_string(len) +
                                " exceeds the remaining " + std::to_string(in.size()) + " bytes");
    }
    MESHD_ASSIGN_OR_RETURN(auto ignored, SnappyRaw(in.substr(0, static_cast<size_t>(len)), &out));
    (void)ignored;
    in.remove_prefix(static_cast<size_t>(len));
  }
  return out;
}

Result<std::string> Lz4Compress(std::string_view in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentSize = in.size();
  std::string out(LZ4F_compressFrameBound(in.size(), &prefs), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return Status::Internal(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> Lz4Decompress(std::string_view in) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Status::Internal("lz4: cannot create decompression context");
  }
  std::string out;
  char buf[64 * 1024];
  const char* src = in.data();
  size_t left = in.size();
  size_t hint = 1;
  Status st;
  while (left > 0 && hint != 0) {
    size_t dst_size = sizeof(buf);
    size_t src_size = left;
    hint = LZ4F_decompress(ctx, buf, &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      st = Status::Corruption(std::string("lz4: ") + LZ4F_getErrorName(hint));
      break;
    }
    out.append(buf, dst_size);
    if (out.size() > kMaxDecompressedBytes) {
      st = TooBig("lz4");
      break;
    }
    src += src_size;
    left -= src_size;
    if (src_size == 0 && dst_size == 0) {
      st = Status::Corruption("lz4: decoder made no progress");
      break;
    }
  }
  if (st.ok() && hint != 0) st = Status::Corruption("lz4: truncated frame");
  LZ4F_freeDecompressionContext(ctx);
  if (!st.ok()) return st;
  return out;
}

Result<std::string> ZstdCompress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view in) {
  // Streaming, because producers may omit the frame content size.
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return Status::Internal("zstd: cannot create stream");
  ZSTD_initDStream(ds);
  std::string out;
  char buf[64 * 1024];
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 1;
  Status st;
  while (input.pos < input.size || rc != 0) {
    ZSTD_outBuffer output{buf, sizeof(buf), 0};
    size_t before = input.pos;
    rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc)) {
      st = Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(rc));
      break;
    }
    out.append(buf, output.pos);
    if (out.size() > kMaxDecompressedBytes) {
      st = TooBig("zstd");
      break;
    }
    if (rc != 0 && input.pos == input.size && output.pos == 0 && before == input.pos) {
      st = Status::Corruption("zstd: truncated frame");
      break;
    }
  }
  ZSTD_freeDStream(ds);
  if (!st.ok()) return st;
  return out;
}

}  // namespace

Result<std::string> Compress(Compression codec, std::string_view input) {
  switch (codec) {
    case Compression::kNone: return std::string(input);
    case Compression::kGzip: return GzipCompress(input);
    case Compression::kSnappy: return SnappyCompress(input);
    case Compression::kLz4: return Lz4Compress(input);
    case Compression::kZstd: return ZstdCompress(input);
  }
  return Status::Unsupported("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<std::string> Decompress(Compression codec, std::string_view input) {
  switch (codec) {
    case Compression::kNone: return std::string(input);
    case Compression::kGzip: return GzipDecompress(input);
    case Compression::kSnappy: return SnappyDecompress(input);
    case Compression::kLz4: return Lz4Decompress(input);
    case Compression::kZstd: return ZstdDecompress(input);
  }
  return Status::Unsupported("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace meshd::record
