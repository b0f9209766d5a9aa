// The schedule of the collective check's pairwise tests: a round-robin
// tournament (the circle method). In each round every rank is paired with
// at most one other; over all rounds every two ranks meet exactly once. With
// an odd number of ranks one rank sits out each round.
// Thread safety: pure functions.
#pragma once

namespace trainyard {

// The number of rounds: size - 1 for an even size, size for an odd one
// (0 for size < 2).
int PairRounds(int size);

// Rank `rank`'s partner in `round` (0 <= round < PairRounds(size)), or -1
// when it sits out that round. Symmetric: PairPartner(PairPartner(r)) == r.
int PairPartner(int rank, int size, int round);

}  // namespace trainyard
