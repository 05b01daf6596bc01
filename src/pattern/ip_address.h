#pragma once
// IP addresses and CIDR networks for the `cidr` operator.
//
// An address is 4 bytes (IPv4) or 16 bytes (IPv6), stored left-aligned in a
// 16-byte array. IPv4 values only match IPv4 networks and IPv6 values only
// IPv6 networks (no IPv4-mapped-IPv6 equivalence).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace meshd::pattern {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool ipv6 = false;
};

// Parses a textual address ("10.0.0.1", "2001:db8::1"); nullopt if it is not one.
std::optional<IpAddress> ParseIpAddress(std::string_view text);

struct CidrNetwork {
  IpAddress network;  // host bits cleared
  uint8_t prefix_bits = 0;
};

// Parses "address/prefix-length"; the prefix length must fit the family.
Result<CidrNetwork> ParseCidr(std::string_view text);

// True if `addr` is in the network given by (network bytes, prefix, family).
bool CidrContains(const std::array<uint8_t, 16>& network, uint8_t prefix_bits, bool ipv6,
                  const IpAddress& addr);

}  // namespace meshd::pattern
