#include "pattern/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace meshd::pattern {

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress addr;
  if (text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, buf, addr.bytes.data()) != 1) return std::nullopt;
    addr.ipv6 = true;
  } else {
    if (inet_pton(AF_INET, buf, addr.bytes.data()) != 1) return std::nullopt;
  }
  return addr;
}

Result<CidrNetwork> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("cidr '" + std::string(text) +
                                   "' must be written as address/prefix-length");
  }
  auto addr = ParseIpAddress(text.substr(0, slash));
  if (!addr) {
    return Status::InvalidArgument("cidr '" + std::string(text) + "' has an invalid IP address");
  }
  const std::string_view bits_text = text.substr(slash + 1);
  unsigned bits = 0;
  auto [ptr, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  const unsigned max_bits = addr->ipv6 ? 128 : 32;
  if (bits_text.empty() || ec != std::errc() || ptr != bits_text.data() + bits_text.size() ||
      bits > max_bits) {
    return Status::InvalidArgument("cidr '" + std::string(text) + "' needs a prefix length 0.." +
                                   std::to_string(max_bits));
  }
  CidrNetwork net;
  net.network = *addr;
  net.prefix_bits = static_cast<uint8_t>(bits);
  const unsigned total_bytes = addr->ipv6 ? 16 : 4;
  for (unsigned i = 0; i < total_bytes; ++i) {
    const unsigned bit_start = i * 8;
    if (bit_start >= bits) {
      net.network.bytes[i] = 0;
    } else if (bits - bit_start < 8) {
      net.network.bytes[i] &= static_cast<uint8_t>(0xFF << (8 - (bits - bit_start)));
    }
  }
  return net;
}

bool CidrContains(const std::array<uint8_t, 16>& network, uint8_t prefix_bits, bool ipv6,
                  const IpAddress& addr) {
  if (addr.ipv6 != ipv6) return false;
  unsigned bits = prefix_bits;
  for (unsigned i = 0; bits > 0; ++i) {
    if (bits >= 8) {
      if (addr.bytes[i] != network[i]) return false;
      bits -= 8;
    } else {
      const auto mask = static_cast<uint8_t>(0xFF << (8 - bits));
      return (addr.bytes[i] & mask) == network[i];
    }
  }
  return true;
}

}  // namespace meshd::pattern
