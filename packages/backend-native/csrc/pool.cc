#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <sched.h>
#include <vector>

namespace bp {
namespace {

constexpr int kMaxThreads = 256;
thread_local bool t_inside = false;

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  int active = 1;  // threads taking part in the current run, caller included
  std::atomic<bool> stop{false};

  void worker(int tid) {
    t_inside = true;
    uint64_t seen = 0;
    for (;;) {
      // Spin first: kernels come in bursts and a wake-up through the kernel costs ~5-50 us.
      uint64_t g = generation.load(std::memory_order_acquire);
      for (int spin = 0; g == seen && spin < 20000; spin++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        g = generation.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return generation.load(std::memory_order_acquire) != seen || stop.load(); });
        g = generation.load(std::memory_order_acquire);
      }
      if (stop.load()) return;
      seen = g;
      if (tid < active) {
        fn(ctx, tid, active);
        pending.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  void ensure(int n) {
    while (static_cast<int>(workers.size()) + 1 < n) {
      int tid = static_cast<int>(workers.size()) + 1;
      workers.emplace_back([this, tid] { worker(tid); });
    }
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop.store(true);
      generation.fetch_add(1);
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
  }
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: helper threads must outlive static teardown
  return *p;
}

int default_threads() {
  const char* env = std::getenv("BACKPROP_THREADS");
  if (env != nullptr && *env != '\0') {
    int n = std::atoi(env);
    if (n >= 1) return n < kMaxThreads ? n : kMaxThreads;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : (hw < kMaxThreads ? static_cast<int>(hw) : kMaxThreads);
}

int g_threads = 0;

// Busy-wait step: pause while the wait is short, then give the core away, so an
// oversubscribed machine (more runnable threads than cores) does not stall on spinners.
inline void relax(int spin) {
  if (spin < 4000) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    sched_yield();
  }
}

}  // namespace

int num_threads() {
  if (g_threads == 0) g_threads = default_threads();
  return g_threads;
}

bool inside_parallel() { return t_inside; }

void set_num_threads(int n) { g_threads = n < 1 ? 1 : (n > kMaxThreads ? kMaxThreads : n); }

void parallel_run(int nthreads, TaskFn fn, void* ctx) {
  // Nested or single-threaded runs execute inline.
  if (nthreads <= 1 || t_inside) {
    fn(ctx, 0, 1);
    return;
  }
  // One parallel region at a time: a second JS thread (worker_threads) runs its kernel inline.
  static std::mutex runMu;
  std::unique_lock<std::mutex> running(runMu, std::try_to_lock);
  if (!running.owns_lock()) {
    fn(ctx, 0, 1);
    return;
  }
  Pool& p = pool();
  p.ensure(nthreads);
  t_inside = true;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.fn = fn;
    p.ctx = ctx;
    p.active = nthreads;
    p.pending.store(nthreads - 1, std::memory_order_release);
    p.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p.cv.notify_all();
  fn(ctx, 0, nthreads);
  for (int spin = 0; p.pending.load(std::memory_order_acquire) != 0; spin++) relax(spin);
  t_inside = false;
}

void Barrier::wait(int nthreads) {
  int ph = __atomic_load_n(&phase, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&count, 1, __ATOMIC_ACQ_REL) == nthreads) {
    __atomic_store_n(&count, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&phase, ph + 1, __ATOMIC_RELEASE);
  } else {
    for (int spin = 0; __atomic_load_n(&phase, __ATOMIC_ACQUIRE) == ph; spin++) relax(spin);
  }
}

}  // namespace bp
