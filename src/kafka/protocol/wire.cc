#include "kafka/protocol/wire.h"

#include <limits>

#include "base/endian.h"
#include "record/varint.h"

namespace meshd::kafka {

Status Reader::Fail(std::string_view what) const {
  return Status::InvalidArgument("kafka decode: " + std::string(what) + " at byte " +
                                 std::to_string(pos_) + " of " + std::to_string(in_.size()));
}

Status Reader::Need(size_t n, const char* what) {
  if (remaining() < n) return Fail(std::string("truncated ") + what);
  return Status::Ok();
}

Status Reader::Int8(int8_t& v) {
  MESHD_TRY(Need(1, "int8"));
  v = static_cast<int8_t>(in_[pos_]);
  pos_ += 1;
  return Status::Ok();
}

Status Reader::Int16(int16_t& v) {
  MESHD_TRY(Need(2, "int16"));
  v = LoadBE<int16_t>(in_.data() + pos_);
  pos_ += 2;
  return Status::Ok();
}

Status Reader::Int32(int32_t& v) {
  MESHD_TRY(Need(4, "int32"));
  v = LoadBE<int32_t>(in_.data() + pos_);
  pos_ += 4;
  return Status::Ok();
}

Status Reader::Int64(int64_t& v) {
  MESHD_TRY(Need(8, "int64"));
  v = LoadBE<int64_t>(in_.data() + pos_);
  pos_ += 8;
  return Status::Ok();
}

Status Reader::Bool(bool& v) {
  int8_t b;
  MESHD_TRY(Int8(b));
  v = b != 0;
  return Status::Ok();
}

Status Reader::UVarint(uint64_t& v) {
  std::string_view rest = in_.substr(pos_);
  size_t before = rest.size();
  if (!record::GetUVarint(&rest, &v)) return Fail("bad unsigned varint");
  pos_ += before - rest.size();
  return Status::Ok();
}

// Classic lengths are int16 (strings) or int32 (bytes, arrays) with -1 = null;
// compact lengths are uvarint N+1 with 0 = null.
Status Reader::Length(bool nullable, int64_t& n, bool int32_length) {
  if (flexible_) {
    uint64_t u;
    MESHD_TRY(UVarint(u));
    if (u > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return Fail("compact length too large");
    }
    n = static_cast<int64_t>(u) - 1;
  } else if (int32_length) {
    int32_t l;
    MESHD_TRY(Int32(l));
    n = l;
  } else {
    int16_t l;
    MESHD_TRY(Int16(l));
    n = l;
  }
  if (n < -1) return Fail("negative length");
  if (n == -1 && !nullable) return Fail("null where a value is required");
  if (n > static_cast<int64_t>(remaining())) return Fail("length beyond end of frame");
  return Status::Ok();
}

Status Reader::Sized(bool nullable, bool int32_length, std::optional<std::string>& v) {
  int64_t n;
  MESHD_TRY(Length(nullable, n, int32_length));
  if (n < 0) {
    v.reset();
    return Status::Ok();
  }
  v.emplace(in_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return Status::Ok();
}

Status Reader::String(std::string& v) {
  std::optional<std::string> s;
  MESHD_TRY(Sized(false, false, s));
  v = std::move(*s);
  return Status::Ok();
}

Status Reader::NullableString(std::optional<std::string>& v) { return Sized(true, false, v); }

Status Reader::Bytes(std::string& v) {
  std::optional<std::string> s;
  MESHD_TRY(Sized(false, true, s));
  v = std::move(*s);
  return Status::Ok();
}

Status Reader::NullableBytes(std::optional<std::string>& v) { return Sized(true, true, v); }

Status Reader::NullableBytes(std::optional<std::string_view>& v) {
  int64_t n;
  MESHD_TRY(Length(true, n, true));
  if (n < 0) {
    v.reset();
    return Status::Ok();
  }
  v.emplace(in_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return Status::Ok();
}

Status Reader::ArrayLength(int64_t& n) { return Length(true, n, true); }

Status Reader::TaggedFields() {
  if (!flexible_) return Status::Ok();
  uint64_t count;
  MESHD_TRY(UVarint(count));
  if (count > remaining()) return Fail("tagged field count beyond end of frame");
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t tag, size;
    MESHD_TRY(UVarint(tag));
    MESHD_TRY(UVarint(size));
    if (size > remaining()) return Fail("tagged field beyond end of frame");
    pos_ += static_cast<size_t>(size);  // no tag we read is defined: skip
  }
  return Status::Ok();
}

Status Writer::Int8(int8_t v) {
  out_->push_back(static_cast<char>(v));
  return Status::Ok();
}

Status Writer::Int16(int16_t v) {
  char b[2];
  StoreBE(b, v);
  out_->append(b, 2);
  return Status::Ok();
}

Status Writer::Int32(int32_t v) {
  char b[4];
  StoreBE(b, v);
  out_->append(b, 4);
  return Status::Ok();
}

Status Writer::Int64(int64_t v) {
  char b[8];
  StoreBE(b, v);
  out_->append(b, 8);
  return Status::Ok();
}

Status Writer::UVarint(uint64_t v) {
  record::PutUVarint(out_, v);
  return Status::Ok();
}

void Writer::WriteLength(int64_t n, bool int32_length) {
  if (flexible_) {
    record::PutUVarint(out_, static_cast<uint64_t>(n + 1));
  } else if (int32_length) {
    Int32(static_cast<int32_t>(n)).IgnoreError();
  } else {
    Int16(static_cast<int16_t>(n)).IgnoreError();
  }
}

void Writer::WriteArrayLength(int64_t n) { WriteLength(n, true); }

Status Writer::String(std::string_view v) {
  WriteLength(static_cast<int64_t>(v.size()), false);
  out_->append(v);
  return Status::Ok();
}

Status Writer::NullableString(const std::optional<std::string>& v) {
  if (!v) {
    WriteLength(-1, false);
    return Status::Ok();
  }
  return String(*v);
}

Status Writer::Bytes(std::string_view v) {
  WriteLength(static_cast<int64_t>(v.size()), true);
  out_->append(v);
  return Status::Ok();
}

Status Writer::NullableBytes(const std::optional<std::string>& v) {
  if (!v) {
    WriteLength(-1, true);
    return Status::Ok();
  }
  return Bytes(*v);
}

Status Writer::NullableBytes(const std::optional<std::string_view>& v) {
  if (!v) {
    WriteLength(-1, true);
    return Status::Ok();
  }
  return Bytes(*v);
}

Status Writer::TaggedFields() {
  if (flexible_) out_->push_back(0);
  return Status::Ok();
}

}  // namespace meshd::kafka
