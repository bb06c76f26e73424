// The long questions' threads (services/audit/background_pool.h): they run at the nice value
// asked, so do the threads their tasks start, a task's exception reaches the caller, and as
// many tasks run at once as there are threads.
#include "services/audit/background_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace annals {
namespace {

int own_nice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

TEST(BackgroundPool, RunsTasksAtTheNiceValueAskedAndSoDoTheThreadsTheyStart) {
  const int base = own_nice();
  BackgroundPool pool(2, 10);
  int in_task = -100, in_child = -100;
  std::thread::id task_thread;
  pool.run([&] {
    task_thread = std::this_thread::get_id();
    in_task = own_nice();
    std::thread([&] { in_child = own_nice(); }).join();
  });
  EXPECT_NE(task_thread, std::this_thread::get_id()) << "run on a thread of the pool";
  EXPECT_EQ(in_task, std::min(base + 10, 19));
  EXPECT_EQ(in_child, in_task);
  EXPECT_EQ(own_nice(), base) << "the caller's priority is not touched";
}

TEST(BackgroundPool, ATasksExceptionIsRethrownToItsCaller) {
  BackgroundPool pool(1, 10);
  EXPECT_THROW(pool.run([] { throw std::runtime_error("the store is gone"); }), std::runtime_error);
  int ran = 0;
  pool.run([&] { ++ran; });
  EXPECT_EQ(ran, 1) << "the pool goes on after a task failed";
}

TEST(BackgroundPool, RunsAsManyTasksAtOnceAsItHasThreads) {
  BackgroundPool pool(3, 10);
  std::atomic<int> running = 0, most = 0, arrived = 0;
  auto task = [&] {
    int now = ++running;
    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {}
    ++arrived;
    // All three hold a thread at once (given up after 10 s, when the pool runs fewer).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    --running;
  };
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) callers.emplace_back([&] { pool.run(task); });
  for (auto& c : callers) c.join();
  EXPECT_EQ(most, 3) << "three threads: the fourth task waited its turn";
  EXPECT_EQ(arrived, 4);
}

}  // namespace
}  // namespace annals
