// The long questions' threads (background_pool.h).
#include "services/audit/background_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace annals {

BackgroundPool::BackgroundPool(std::size_t threads, int nice) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    threads_.emplace_back([this, nice] { work(nice); });
}

BackgroundPool::~BackgroundPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void BackgroundPool::run(const std::function<void()>& task) {
  std::packaged_task<void()> packaged(task);
  std::future<void> done = packaged.get_future();
  {
    std::lock_guard lock(mu_);
    queue_.push(std::move(packaged));
  }
  ready_.notify_one();
  done.get();
}

void BackgroundPool::work(int nice) {
  // On Linux the nice value is the thread's own (PRIO_PROCESS with a thread id). Should it be
  // refused, the thread runs at the process's priority: slower for others, never wrong.
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, tid);  // -1 is a nice value as well as an error
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(now + nice, 19));
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop();
    }
    task();
  }
}

}  // namespace annals
