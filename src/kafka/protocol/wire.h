#pragma once
// Primitive Kafka wire readers and writers with one shared interface, so each
// message is described once (a `Serialize(Io&, Msg&, version)` template) and
// that description both decodes and encodes it.
//
// Reader: bounds-checked; every method returns a non-OK Status (never
// crashes, never allocates more than the input could hold) on malformed or
// truncated input. Writer: appends to a std::string and always succeeds.
// Both know whether the message version is flexible (KIP-482): then strings,
// bytes and arrays are "compact" (uvarint N+1, 0 = null) and structs end in a
// tagged-field section. Not thread-safe; one per message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace meshd::kafka {

class Reader {
 public:
  static constexpr bool kReading = true;

  explicit Reader(std::string_view in, bool flexible = false) : in_(in), flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  void set_flexible(bool f) { flexible_ = f; }
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  std::string_view rest() const { return in_.substr(pos_); }

  Status Int8(int8_t& v);
  Status Int16(int16_t& v);
  Status Int32(int32_t& v);
  Status Int64(int64_t& v);
  Status Bool(bool& v);
  Status UVarint(uint64_t& v);
  Status String(std::string& v);
  Status NullableString(std::optional<std::string>& v);
  Status Bytes(std::string& v);
  Status NullableBytes(std::optional<std::string>& v);
  // As above, but without a copy: `v` points into the input, so it is valid
  // only as long as the input is (Produce records, which can be ~1 MB).
  Status NullableBytes(std::optional<std::string_view>& v);
  // Reads and discards a tagged-field section (flexible versions only; a
  // no-op otherwise). Unknown tags are skipped by size.
  Status TaggedFields();

  // Arrays: `elem(Reader&, T&)` reads one element.
  template <class T, class F>
  Status Array(std::vector<T>& v, F&& elem) {
    int64_t n;
    MESHD_TRY(ArrayLength(n));
    if (n < 0) return Fail("non-nullable array is null");
    return ReadElements(v, n, elem);
  }
  template <class T, class F>
  Status NullableArray(std::optional<std::vector<T>>& v, F&& elem) {
    int64_t n;
    MESHD_TRY(ArrayLength(n));
    if (n < 0) {
      v.reset();
      return Status::Ok();
    }
    v.emplace();
    return ReadElements(*v, n, elem);
  }
  Status Int32Array(std::vector<int32_t>& v) {
    return Array(v, [](Reader& r, int32_t& x) { return r.Int32(x); });
  }
  Status Int64Array(std::vector<int64_t>& v) {
    return Array(v, [](Reader& r, int64_t& x) { return r.Int64(x); });
  }
  Status StringArray(std::vector<std::string>& v) {
    return Array(v, [](Reader& r, std::string& x) { return r.String(x); });
  }

  Status Fail(std::string_view what) const;

 private:
  // -1 = null. Rejects counts larger than the remaining bytes (every element
  // takes at least one byte), so a hostile count cannot force an allocation.
  Status ArrayLength(int64_t& n);
  Status Length(bool nullable, int64_t& n, bool int32_length);
  // Reads a length-prefixed string or bytes field; a null (-1) leaves `v`
  // empty (only when `nullable`).
  Status Sized(bool nullable, bool int32_length, std::optional<std::string>& v);
  template <class T, class F>
  Status ReadElements(std::vector<T>& v, int64_t n, F& elem) {
    v.clear();
    v.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      v.emplace_back();
      MESHD_TRY(elem(*this, v.back()));
    }
    return Status::Ok();
  }
  Status Need(size_t n, const char* what);

  std::string_view in_;
  size_t pos_ = 0;
  bool flexible_;
};

class Writer {
 public:
  static constexpr bool kReading = false;

  explicit Writer(std::string* out, bool flexible = false) : out_(out), flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  void set_flexible(bool f) { flexible_ = f; }

  Status Int8(int8_t v);
  Status Int16(int16_t v);
  Status Int32(int32_t v);
  Status Int64(int64_t v);
  Status Bool(bool v) { return Int8(v ? 1 : 0); }
  Status UVarint(uint64_t v);
  Status String(std::string_view v);
  Status NullableString(const std::optional<std::string>& v);
  Status Bytes(std::string_view v);
  Status NullableBytes(const std::optional<std::string>& v);
  Status NullableBytes(const std::optional<std::string_view>& v);
  // Writes an empty tagged-field section in flexible versions.
  Status TaggedFields();

  template <class T, class F>
  Status Array(const std::vector<T>& v, F&& elem) {
    WriteArrayLength(static_cast<int64_t>(v.size()));
    for (const T& x : v) MESHD_TRY(elem(*this, const_cast<T&>(x)));
    return Status::Ok();
  }
  template <class T, class F>
  Status NullableArray(const std::optional<std::vector<T>>& v, F&& elem) {
    if (!v) {
      WriteArrayLength(-1);
      return Status::Ok();
    }
    return Array(*v, elem);
  }
  Status Int32Array(const std::vector<int32_t>& v) {
    return Array(v, [](Writer& w, int32_t& x) { return w.Int32(x); });
  }
  Status Int64Array(const std::vector<int64_t>& v) {
    return Array(v, [](Writer& w, int64_t& x) { return w.Int64(x); });
  }
  Status StringArray(const std::vector<std::string>& v) {
    return Array(v, [](Writer& w, std::string& x) { return w.String(x); });
  }

 private:
  void WriteArrayLength(int64_t n);
  void WriteLength(int64_t n, bool int32_length);

  std::string* out_;
  bool flexible_;
};

}  // namespace meshd::kafka
