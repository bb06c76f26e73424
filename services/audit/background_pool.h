// The threads the long questions run on: a question over a period (a series, a diff, the
// rotations) reads many points of history and can take tens of milliseconds; on a machine of
// few cores a client looping one would take the cores from everyone asking a state or the
// indicators on a date. Those questions run here, on threads of lower scheduling priority
// (a nice value), so that the short questions are served first when the cores are busy and
// the long ones use what is left; an idle machine gives them every cycle, so alone they are as
// fast as on any thread (README.md, "No question stalls the others").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <future>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace annals {

class BackgroundPool {
 public:
  // Starts `threads` threads (at least 1), each `nice` steps of priority below the process
  // (Linux: setpriority of the thread; a higher nice value is a lower priority, at most 19, and
  // lowering one's own priority needs no privilege). Threads a task starts inherit it.
  BackgroundPool(std::size_t threads, int nice);
  // Finishes the tasks queued, then joins the threads.
  ~BackgroundPool();
  BackgroundPool(const BackgroundPool&) = delete;
  BackgroundPool& operator=(const BackgroundPool&) = delete;

  // Runs `task` on one of the pool's threads and waits for it to finish; an exception it
  // throws is rethrown here. Tasks beyond the number of threads wait their turn, in order.
  void run(const std::function<void()>& task);

 private:
  void work(int nice);
  std::mutex mu_;
  std::condition_variable ready_;
  std::queue<std::packaged_task<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace annals
