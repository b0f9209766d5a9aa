#include "collective/pair_schedule.h"

namespace trainyard {

int PairRounds(int size) {
  if (size < 2) return 0;
  return size % 2 == 0 ? size - 1 : size;
}

int PairPartner(int rank, int size, int round) {
  if (size < 2 || rank < 0 || rank >= size || round < 0 || round >= PairRounds(size)) return -1;
  // Circle method over an even number of seats; with an odd size the extra
  // seat (index `size`) is a bye. Seat m - 1 stays put, the others rotate.
  const int m = size % 2 == 0 ? size : size + 1;
  const int n = m - 1;
  int partner;
  if (rank == n) {
    partner = round;  // the fixed seat meets seat `round`
  } else if (rank == round) {
    partner = n;
  } else {
    partner = ((2 * round - rank) % n + n) % n;  // i + j == 2 * round (mod n)
  }
  return partner >= size ? -1 : partner;
}

}  // namespace trainyard
