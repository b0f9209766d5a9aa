// Hashes and MACs (OpenSSL's libcrypto behind a small adapter).
// Pure functions; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

namespace trainyard {

std::string Sha256Hex(std::string_view data);               // lowercase hex
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);              // lowercase
bool ConstantTimeEquals(std::string_view a, std::string_view b);
std::string Base64UrlEncode(std::string_view bytes);        // unpadded, URL-safe alphabet
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace trainyard
