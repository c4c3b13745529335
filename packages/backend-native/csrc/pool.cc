#include "pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <sched.h>
#include <vector>

namespace bp {
namespace {

constexpr int kMaxThreads = 256;
// How long an idle helper spins (pause) and then polls with sched_yield before it sleeps.
constexpr int64_t kSpinNs = 10000;
constexpr int64_t kYieldNs = 500000;
thread_local bool t_inside = false;

// The run word: generation (high 32 bits), closed flag (bit 31), helpers inside (low bits).
constexpr uint64_t kClosed = uint64_t(1) << 31;
constexpr uint64_t kEntered = kClosed - 1;
inline uint32_t gen_of(uint64_t s) { return static_cast<uint32_t>(s >> 32); }

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> state{0};
  std::atomic<int> done{0};  // helpers that finished the current run
  std::atomic<TaskFn> fn{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::atomic<int> active{1};  // threads taking part in the current run, caller included
  std::atomic<bool> stop{false};

  void worker(int tid) {
    t_inside = true;
    uint32_t seen = 0;
    for (;;) {
      // Spin briefly first: a kernel that follows within kSpinNs finds this thread awake
      // (a wake-up through the kernel costs ~5-50 us). Not longer: a helper that spins through
      // the gaps between kernels takes its core from V8's compiler and GC threads, and a
      // training loop's first few hundred steps (while V8 still optimizes them) ran ~15%
      // slower with a 400 us spin than with this one.
      uint64_t s = state.load(std::memory_order_acquire);
      const int64_t t0 = now_ns();
      for (int spin = 1; gen_of(s) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        s = state.load(std::memory_order_acquire);
        if ((spin & 31) == 0 && now_ns() > t0 + kSpinNs) break;
      }
      // Then poll, giving the core to any other runnable thread (sched_yield) until kYieldNs:
      // the gaps between a training step's kernels (JS, single-threaded ops) are mostly tens to
      // hundreds of microseconds, and a helper that sleeps through them leaves its core idle;
      // an idle virtual CPU is halted, and waking it again took 50-70 us per product here. The
      // MLP benchmark's median step rate rose 13% (102k -> 115k samples/s, 8 runs each).
      while (gen_of(s) == seen && now_ns() < t0 + kYieldNs) {
        sched_yield();
        s = state.load(std::memory_order_acquire);
      }
      if (gen_of(s) == seen) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return gen_of(state.load(std::memory_order_acquire)) != seen || stop.load(); });
        s = state.load(std::memory_order_acquire);
      }
      if (stop.load()) return;
      seen = gen_of(s);
      const int n = active.load(std::memory_order_relaxed);
      if (tid >= n) continue;
      // Join unless the run has moved on or its caller has closed it (a dynamic run that
      // finished without this thread): then fn and ctx may already be gone.
      bool joined = false;
      while (gen_of(s) == seen && (s & kClosed) == 0) {
        if (state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
          joined = true;
          break;
        }
      }
      if (!joined) continue;
      fn.load(std::memory_order_relaxed)(ctx.load(std::memory_order_relaxed), tid, n);
      done.fetch_add(1, std::memory_order_release);
      state.fetch_sub(1, std::memory_order_release);
    }
  }

  void ensure(int n) {
    while (static_cast<int>(workers.size()) + 1 < n) {
      int tid = static_cast<int>(workers.size()) + 1;
      workers.emplace_back([this, tid] { worker(tid); });
    }
  }

  // Publishes a run; the previous one has no helper inside (its caller waited for that).
  void publish(int nthreads, TaskFn f, void* c) {
    {
      std::lock_guard<std::mutex> lock(mu);
      fn.store(f, std::memory_order_relaxed);
      ctx.store(c, std::memory_order_relaxed);
      active.store(nthreads, std::memory_order_relaxed);
      done.store(0, std::memory_order_relaxed);
      const uint32_t g = gen_of(state.load(std::memory_order_relaxed)) + 1;
      state.store(static_cast<uint64_t>(g) << 32, std::memory_order_release);
    }
    cv.notify_all();
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop.store(true);
      state.fetch_add(uint64_t(1) << 32);
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

// Throttle of dynamic runs (touched only by the thread that owns the run mutex).
thread_local int64_t t_waited = 0;  // helper waits noted during the caller's fn
double g_waste = 0;                 // moving average of the fraction of a run spent waiting
int g_soloRuns = 0;                 // dynamic runs left to execute single-threaded
constexpr double kWasteLimit = 0.3;
constexpr int kSoloRuns = 64;

std::mutex& run_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

// Pause while the wait is short, then give the core away, so an oversubscribed machine
// (more runnable threads than cores) does not stall on spinners.
void relax(int spin) {
  if (spin < 4000) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    sched_yield();
  }
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void note_helper_wait(int64_t ns) { t_waited += ns; }

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
  std::unique_lock<std::mutex> running(run_mutex(), std::try_to_lock);
  if (!running.owns_lock()) {
    fn(ctx, 0, 1);
    return;
  }
  Pool& p = pool();
  p.ensure(nthreads);
  t_inside = true;
  p.publish(nthreads, fn, ctx);
  fn(ctx, 0, nthreads);
  for (int spin = 0; p.done.load(std::memory_order_acquire) != nthreads - 1; spin++) relax(spin);
  for (int spin = 0; (p.state.load(std::memory_order_acquire) & kEntered) != 0; spin++) relax(spin);
  t_inside = false;
}

void parallel_run_dynamic(int nthreads, TaskFn fn, void* ctx) {
  if (nthreads <= 1 || t_inside) {
    fn(ctx, 0, 1);
    return;
  }
  std::unique_lock<std::mutex> running(run_mutex(), std::try_to_lock);
  if (!running.owns_lock()) {
    fn(ctx, 0, 1);
    return;
  }
  if (g_soloRuns > 0) {
    // Helpers have been arriving late: run alone for a while, then try them again.
    g_soloRuns--;
    t_inside = true;
    fn(ctx, 0, nthreads);
    t_inside = false;
    return;
  }
  Pool& p = pool();
  p.ensure(nthreads);
  t_inside = true;
  t_waited = 0;
  const int64_t t0 = now_ns();
  p.publish(nthreads, fn, ctx);
  fn(ctx, 0, nthreads);
  const int64_t t1 = now_ns();
  // Close the run: a helper that has not joined yet never will.
  uint64_t s = p.state.fetch_or(kClosed, std::memory_order_acq_rel);
  for (int spin = 0; ((s = p.state.load(std::memory_order_acquire)) & kEntered) != 0; spin++) relax(spin);
  const int64_t t2 = now_ns();
  t_inside = false;
  if (t2 - t0 > 20000) {
    g_waste = 0.8 * g_waste + 0.2 * static_cast<double>(t2 - t1 + t_waited) / static_cast<double>(t2 - t0);
    if (g_waste > kWasteLimit) {
      g_soloRuns = kSoloRuns;
      g_waste = 0;
    }
  }
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
