// The optimizer loops built for AVX-512F (512-bit vectors); called only when cpuid reports it.
#define BP_OPTIM_SUFFIX avx512
#include "optim_impl.h"
