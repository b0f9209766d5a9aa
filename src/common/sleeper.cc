#include "common/sleeper.h"

#include <thread>

namespace trainyard {

void RealSleeper::SleepFor(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

}  // namespace trainyard
