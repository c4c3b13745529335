// A small fork-join thread pool: the calling (JS) thread is worker 0, helpers spin briefly
// on a generation counter and then sleep on a condition variable, so back-to-back kernels
// hand off in well under a microsecond while an idle process burns no CPU.
//
// Two kinds of run. A static run (parallel) gives thread t the t-th share and waits for every
// helper. A dynamic run (parallel_for, parallel_dynamic) hands out chunks through an atomic
// counter and never waits for a helper that has not started: on a machine with more runnable
// threads than cores a descheduled helper costs nothing, the caller does its share instead.
#pragma once
#include <atomic>
#include <cstdint>

namespace bp {

// Runs fn(ctx, tid, nthreads) on `nthreads` threads (tid 0 is the caller) and waits for all.
typedef void (*TaskFn)(void* ctx, int tid, int nthreads);
void parallel_run(int nthreads, TaskFn fn, void* ctx);
// Runs fn(ctx, tid, nthreads) on the caller and on whichever of nthreads - 1 helpers join
// before the caller's own call returns; fn must claim its work dynamically. Returns once the
// caller's call and those of the helpers that joined have returned.
void parallel_run_dynamic(int nthreads, TaskFn fn, void* ctx);

int num_threads();
// True on a pool thread, and on the caller while it runs a parallel region.
bool inside_parallel();
void set_num_threads(int n);

// A reusable spin barrier for threads inside one static parallel_run.
struct Barrier {
  volatile int count = 0;
  volatile int phase = 0;
  void wait(int nthreads);
};

// Busy-wait step: pause while the wait is short, then give the core away.
void relax(int spin);

// Monotonic nanoseconds, for the pool's own bookkeeping.
int64_t now_ns();
// Tells the pool that the caller of the current dynamic run waited `ns` for helpers inside it
// (e.g. for data they were packing). Together with the wait at the end of the run this feeds
// the throttle: when helpers keep arriving late (their cores are busy with other processes),
// dynamic runs go single-threaded for a while instead of waiting on them.
void note_helper_wait(int64_t ns);

template <typename F>
void parallel(int nthreads, F& f) {
  parallel_run(nthreads, [](void* c, int t, int n) { (*static_cast<F*>(c))(t, n); }, &f);
}

template <typename F>
void parallel_dynamic(int nthreads, F& f) {
  parallel_run_dynamic(nthreads, [](void* c, int t, int n) { (*static_cast<F*>(c))(t, n); }, &f);
}

// Calls fn(begin, end) over chunks of `chunk` elements covering [0, n), on up to nthreads
// threads that claim chunks as they come (a dynamic run).
template <typename F>
void parallel_for(int nthreads, int64_t n, int64_t chunk, F fn) {
  if (chunk < 1) chunk = 1;
  const int64_t chunks = (n + chunk - 1) / chunk;
  if (nthreads > chunks) nthreads = static_cast<int>(chunks);
  if (nthreads <= 1) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
  std::atomic<int64_t> next{0};
  auto task = [&](int, int) {
    for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      const int64_t b = c * chunk;
      fn(b, b + chunk < n ? b + chunk : n);
    }
  };
  parallel_dynamic(nthreads, task);
}

// Splits [0, n) into nthreads near-equal chunks; chunk t is [begin, end).
inline void split_range(int64_t n, int t, int nthreads, int64_t& begin, int64_t& end) {
  int64_t q = n / nthreads, r = n % nthreads;
  begin = t * q + (t < r ? t : r);
  end = begin + q + (t < r ? 1 : 0);
}

}  // namespace bp
