#include "agent/utf8_cut.h"

namespace trainyard {

size_t Utf8PrefixLength(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the
  // character that straddles the cut; the cut goes before that lead byte
  // unless the character ends exactly at max_bytes.
  size_t cut = max_bytes;
  size_t back = 0;
  while (cut > 0 && back < 3 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
    ++back;
  }
  if ((static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) return max_bytes;  // not UTF-8
  return cut;
}

}  // namespace trainyard
