// Whether a host name stands for this host's loopback device: instances
// started without network namespaces of their own reach each other through
// it (their /etc/hosts maps algo-1..N to 127.0.0.1), so a collective check
// between them cannot tell one instance's network path from another's.
// Thread safety: pure apart from the resolver it calls (getaddrinfo).
#pragma once

#include <string>

namespace trainyard {

// True when every address `host` resolves to is a loopback address
// (127.0.0.0/8 or ::1); false when it resolves to any other address or does
// not resolve at all (the check then runs in full and reports the failure).
bool ResolvesToLoopback(const std::string& host);

}  // namespace trainyard
