// 2^x for the online softmax of both attention kernels: one ex2.approx.ftz on the special function
// unit, where exp2f's ex2.approx.f32 keeps subnormal results at the cost of extra instructions around
// it. Results below 2^-126 flush to 0: probabilities that small weigh nothing beside a row's largest, 1.
#pragma once

__device__ __forceinline__ float exp2_flushed(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}
