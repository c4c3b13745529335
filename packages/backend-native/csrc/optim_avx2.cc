// The optimizer loops built for AVX2 + FMA; called only when cpuid reports both.
#define BP_OPTIM_SUFFIX avx2
#include "optim_impl.h"
