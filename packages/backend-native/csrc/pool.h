// A small fork-join thread pool: the calling (JS) thread is worker 0, helpers spin briefly
// on a generation counter and then sleep on a condition variable, so back-to-back kernels
// hand off in well under a microsecond while an idle process burns no CPU.
#pragma once
#include <cstdint>

namespace bp {

// Runs fn(ctx, tid, nthreads) on `nthreads` threads (tid 0 is the caller) and waits for all.
typedef void (*TaskFn)(void* ctx, int tid, int nthreads);
void parallel_run(int nthreads, TaskFn fn, void* ctx);

int num_threads();
// True on a pool thread, and on the caller while it runs a parallel region.
bool inside_parallel();
void set_num_threads(int n);

// A reusable spin barrier for threads inside one parallel_run.
struct Barrier {
  volatile int count = 0;
  volatile int phase = 0;
  void wait(int nthreads);
};

template <typename F>
void parallel(int nthreads, F& f) {
  parallel_run(nthreads, [](void* c, int t, int n) { (*static_cast<F*>(c))(t, n); }, &f);
}

// Splits [0, n) into nthreads near-equal chunks; chunk t is [begin, end).
inline void split_range(int64_t n, int t, int nthreads, int64_t& begin, int64_t& end) {
  int64_t q = n / nthreads, r = n % nthreads;
  begin = t * q + (t < r ? t : r);
  end = begin + q + (t < r ? 1 : 0);
}

}  // namespace bp
