// ptx-target: compute_90a
// Fused attention forward on Hopper (sm_90a: the H100 and H200), FlashAttention-2's algorithm on
// Hopper's instructions, 16-bit inputs, F32 accumulation, head dimension 128. For batch b, query head
// h and its key/value head g = h / (Hq / Hkv):
//   s[i][j] = scale * sum_d q[b][h][i][d] k[b][g][j][d]  (-Inf where causal hides key j, or j >= Lk)
//   out[b][h][i][e] = sum_j softmax_j(s[i][:]) v[b][g][j][e]
//   lse[b][h][i] = log sum_j exp(s[i][j])  (unvalidated build, where lse is not null, any strides)
//   q (B,Hq,Lq,128), k and v (B,Hkv,Lk,128), out (B,Hq,Lq,128), each read through a 4-d tensor map
//   (128, L, H, B) or written with unit stride along the head dimension. Causal is bottom-right
//   aligned: query i sees keys j <= i + Lk - Lq. No masks, no key splits: attention.cu takes those.
//
// A block of three warpgroups (384 threads) takes 128 queries of one head:
//   - warpgroup 0, the producer, gives up registers (setmaxnreg 40); one thread issues the Tensor
//     Memory Accelerator's copies: the queries once, then each block of 128 keys' K and V tiles into a
//     2-stage ring, each tile as two 64-wide halves of the head dimension in the 128-byte swizzle.
//     Key blocks that no query of the block sees (causal) are never loaded.
//   - warpgroups 1 and 2, the consumers, take the registers (setmaxnreg 232): consumer c owns queries
//     64c..64c+63. Per key block n: S_n = Q K_n^T on wgmma (Q and K from shared memory), the online
//     softmax in registers (exp2, log2 e folded into the scale; the output rescaled when the row max
//     grows), O += P_n V_n on wgmma with P from registers and V read N-major through a transposed
//     descriptor.
// FlashAttention-3's two overlaps: each consumer issues S_{n+1} and O += P_n V_n together and runs
// the softmax of S_{n+1} while O += P_n V_n is still in flight; and the two consumers take turns
// issuing their products (ping-pong on two named barriers), so one's softmax runs under the other's
// matrix products. Barriers: q_full; per stage k_full and v_full (the copies landed), k_empty and
// v_empty (both consumers done with the tile: K after S, V after P V).
//
// The log-sum-exps, the softmax on one fused multiply-add and one flushing ex2 an element, and no Q
// copy for a block with no key tile first passed on an H200 on 2026-12-04 (gpu-runs.md).
#include "../common/hopper.cuh"
#include "exp2_flushed.cuh"
#define LSE_PARAMETERS , float *lse, long long l_b, long long l_h, long long l_i
#define LSE_ARGUMENTS , lse, l_b, l_h, l_i

namespace {
constexpr int D = 128, QUERIES = 128, KEYS = 128, STAGES = 2, THREADS = 384;
constexpr int HALF = 64;                           // elements of a 128-byte swizzle row
constexpr int TILE_BYTES = 128 * D * 2;            // a Q, K or V tile: 32 KB
constexpr int HALF_BYTES = TILE_BYTES / 2;         // one 64-wide half of a tile
constexpr int PRODUCER_REGISTERS = 40, CONSUMER_REGISTERS = 232;
constexpr int TURN_BARRIER = 1;                    // named barriers 1 and 2: consumer c's turn to issue
constexpr float LOG2E = 1.4426950408889634f;
constexpr float LN2 = 0.6931471805599453f;

// d += A B for A 64x16 in registers (the A fragment of mma.m16n8k16 per warp: a[0] = A[g][2q..2q+1],
// a[1] = A[g+8][2q..], a[2] = A[g][2q+8..], a[3] = A[g+8][2q+8..], g = lane / 4, q = lane % 4, rows
// offset 16 per warp) and B 16x128 N-major (transposed_descriptor).
template <typename T>
__device__ __forceinline__ void wgmma_64x128x16_transposed_b(float (&d)[64], const uint32_t (&a)[4], uint64_t b);

#define WGMMA_64x128x16_TRANSPOSED_B(T, ptx) \
template <> __device__ __forceinline__ void wgmma_64x128x16_transposed_b<T>(float (&d)[64], const uint32_t (&a)[4], uint64_t b) { \
    asm volatile( \
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n" \
        "wgmma.mma_async.sync.aligned.m64n128k16.f32." ptx "." ptx " " \
        WGMMA_D_64 ", {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n" \
        : WGMMA_ACCUMULATORS_64 \
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b)); \
}

WGMMA_64x128x16_TRANSPOSED_B(__nv_bfloat16, "bf16")
WGMMA_64x128x16_TRANSPOSED_B(__half, "f16")

struct Problem {
    int Hq, Hkv, Lq, Lk, causal;
    float scale_log2;
};

// The ring's barriers: per stage, the copies landed (full) and both consumers done with the tile (empty).
struct Ring {
    uint64_t *q_full, *k_full, *v_full, *k_empty, *v_empty;
};

// The producer: the block's queries, then every key block it needs, K and V tiles into the ring.
__device__ __forceinline__ void produce(const TensorMap& q_map, const TensorMap& k_map, const TensorMap& v_map, int b, int h,
                                        int g, int i0, int blocks, unsigned char* q_tile, unsigned char* k_tiles,
                                        unsigned char* v_tiles, const Ring& ring) {
    // No key tile (causal, Lq > Lk: these queries see no key): the consumers never wait for Q, so no
    // copy of it may be issued, or the block could exit with the bulk copy still in flight.
    if (blocks == 0) {
        return;
    }
    barrier_arrive_expecting(ring.q_full, TILE_BYTES);
    for (int half = 0; half < 2; ++half) {
        copy_tile(q_tile + half * HALF_BYTES, q_map, half * HALF, i0, h, b, ring.q_full);
    }
    for (int n = 0; n < blocks; ++n) {
        const int s = n % STAGES, parity = ((n / STAGES) & 1) ^ 1;
        barrier_wait(&ring.k_empty[s], parity);
        barrier_arrive_expecting(&ring.k_full[s], TILE_BYTES);
        for (int half = 0; half < 2; ++half) {
            copy_tile(k_tiles + s * TILE_BYTES + half * HALF_BYTES, k_map, half * HALF, n * KEYS, g, b, &ring.k_full[s]);
        }
        barrier_wait(&ring.v_empty[s], parity);
        barrier_arrive_expecting(&ring.v_full[s], TILE_BYTES);
        for (int half = 0; half < 2; ++half) {
            copy_tile(v_tiles + s * TILE_BYTES + half * HALF_BYTES, v_map, half * HALF, n * KEYS, g, b, &ring.v_full[s]);
        }
    }
}

// Consumer c waits for its turn to issue matrix products (consumer 0 goes first), then hands the turn
// over: 128 threads sync and the other consumer's 128 arrive on each named barrier.
__device__ __forceinline__ void take_turn(int c) {
    named_barrier(TURN_BARRIER + c, 256);
}

__device__ __forceinline__ void hand_over(int c) {
    named_barrier_arrive(TURN_BARRIER + 1 - c, 256);
}

// Issues sc = Q K^T for this consumer's 64 queries (q_rows: their rows in the Q tile's first half)
// and the 128 keys of k_tile, one commit group.
template <typename T> __device__ __forceinline__ void issue_scores(float (&sc)[64], const unsigned char* q_rows, const unsigned char* k_tile) {
    fence_accumulators(sc);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
        // 16 elements further along D: 32 bytes into a swizzled row (2 descriptor units), or the next half.
        const int half = kk / 4, step = 2 * (kk % 4);
        wgmma_64x128x16<T, false>(sc, descriptor(q_rows + half * HALF_BYTES) + step, descriptor(k_tile + half * HALF_BYTES) + step, kk > 0);
    }
    wgmma_commit();
    fence_accumulators(sc);
}

// Issues o += P V for the 128 keys of v_tile, P's A fragments in pf, one commit group.
template <typename T> __device__ __forceinline__ void issue_values(float (&o)[64], const uint32_t (&pf)[KEYS / 16][4], const unsigned char* v_tile) {
    fence_accumulators(o);
    wgmma_fence();
#pragma unroll
    for (int t = 0; t < KEYS / 16; ++t) {
        // 16 keys further: 16 rows of 128 bytes, 128 descriptor units.
        wgmma_64x128x16_transposed_b<T>(o, pf[t], transposed_descriptor(v_tile, HALF_BYTES) + 128 * t);
    }
    wgmma_commit();
    fence_accumulators(o);
}

// The online softmax over key block key0's raw scores q . k (scale > 0, so their max is the scaled
// scores' max): -Inf past Lk and where causal hides the key; each row's max m (raw) and sum l
// updated; sc replaced by 2^(s scale log2 e - m scale log2 e), one fused multiply-add and one ex2 an
// element; and the factor that rescales the output rows accumulated so far. The quad of lanes sharing
// a row reduces with two shuffles.
__device__ __forceinline__ void online_softmax(float (&sc)[64], float (&m)[2], float (&l)[2], float (&rescale)[2], const Problem& p,
                                               int key0, int first, int row0, int lane) {
    const int shift = p.Lk - p.Lq;
    if (key0 + KEYS > p.Lk || (p.causal && key0 + KEYS - 1 > first + shift)) {
#pragma unroll
        for (int j = 0; j < 16; ++j) {
#pragma unroll
            for (int x = 0; x < 4; ++x) {
                const int key = key0 + 8 * j + 2 * (lane % 4) + (x & 1), row = row0 + 8 * (x >> 1);
                if (key >= p.Lk || (p.causal && key > row + shift)) {
                    sc[4 * j + x] = -INFINITY;
                }
            }
        }
    }
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        float block_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            block_max = fmaxf(block_max, fmaxf(sc[4 * j + 2 * h], sc[4 * j + 2 * h + 1]));
        }
        block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 1));
        block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 2));
        const float m_new = fmaxf(m[h], block_max);
        // In log2 units; a row with nothing visible yet stays at 0.
        const float base = m_new == -INFINITY ? 0.0f : m_new * p.scale_log2;
        rescale[h] = exp2_flushed(m[h] * p.scale_log2 - base);
        m[h] = m_new;
        float sum = 0.0f;
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            sc[4 * j + 2 * h] = exp2_flushed(fmaf(sc[4 * j + 2 * h], p.scale_log2, -base));
            sc[4 * j + 2 * h + 1] = exp2_flushed(fmaf(sc[4 * j + 2 * h + 1], p.scale_log2, -base));
            sum += sc[4 * j + 2 * h] + sc[4 * j + 2 * h + 1];
        }
        l[h] = l[h] * rescale[h] + sum;
    }
}

// P's accumulators as the A fragments of its 16-key steps, as they lie.
template <typename T> __device__ __forceinline__ void pack_probabilities(uint32_t (&pf)[KEYS / 16][4], const float (&sc)[64]) {
#pragma unroll
    for (int t = 0; t < KEYS / 16; ++t) {
#pragma unroll
        for (int r = 0; r < 4; ++r) {
            pf[t][r] = pack2<T>(sc[8 * t + 2 * r], sc[8 * t + 2 * r + 1]);
        }
    }
}

__device__ __forceinline__ void rescale_rows(float (&o)[64], const float (&rescale)[2]) {
#pragma unroll
    for (int x = 0; x < 64; ++x) {
        o[x] *= rescale[(x >> 1) & 1];
    }
}

// One arrival on a consumer's behalf, by its first thread.
__device__ __forceinline__ void release(uint64_t* barrier, int thread) {
    if (thread == 0) {
        barrier_arrive(barrier);
    }
}

// A consumer: queries i0 + 64c .. i0 + 64c + 63 against every key block, then their output rows.
// Turn n issues S_n and (n > 0) O += P_{n-1} V_{n-1}; the softmax of S_n then runs while the latter
// is in flight, and the output is rescaled once it has landed.
template <typename T>
__device__ __forceinline__ void consume(const Problem& p, int c, int i0, int blocks, const unsigned char* q_tile,
                                        const unsigned char* k_tiles, const unsigned char* v_tiles, const Ring& ring,
                                        T* out_head, long long o_i
                                        , float* lse_head, long long l_i
) {
    const int thread = threadIdx.x % 128, warp = thread / 32, lane = thread % 32;
    const int first = i0 + 64 * c;                        // this consumer's first query
    const int row0 = first + 16 * warp + lane / 4;         // this thread's queries: row0 and row0 + 8
    const unsigned char* q_rows = q_tile + 64 * c * 128;   // its rows of each half of the Q tile
    float o[64], sc[64], m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f}, rescale[2];
    uint32_t pf[KEYS / 16][4];
#pragma unroll
    for (int x = 0; x < 64; ++x) {
        o[x] = 0.0f;
    }
    if (blocks > 0) {
        barrier_wait(ring.q_full, 0);
        if (c == 1) {
            hand_over(c);
        }
        // Block 0: S_0 alone (the output is still 0: nothing to rescale).
        barrier_wait(&ring.k_full[0], 0);
        take_turn(c);
        issue_scores<T>(sc, q_rows, k_tiles);
        if (c == 0 || blocks > 1) {  // consumer 1's last turn is the last: nobody waits for it
            hand_over(c);
        }
        wgmma_wait<0>();
        fence_accumulators(sc);
        release(&ring.k_empty[0], thread);
        online_softmax(sc, m, l, rescale, p, 0, first, row0, lane);
        pack_probabilities<T>(pf, sc);
        for (int n = 1; n < blocks; ++n) {
            const int s = n % STAGES, parity = (n / STAGES) & 1;
            const int before = (n - 1) % STAGES, before_parity = ((n - 1) / STAGES) & 1;
            barrier_wait(&ring.k_full[s], parity);
            take_turn(c);
            issue_scores<T>(sc, q_rows, k_tiles + s * TILE_BYTES);
            barrier_wait(&ring.v_full[before], before_parity);
            issue_values<T>(o, pf, v_tiles + before * TILE_BYTES);
            if (c == 0 || n < blocks - 1) {
                hand_over(c);
            }
            wgmma_wait<1>();  // S_n, committed first, has landed
            fence_accumulators(sc);
            release(&ring.k_empty[s], thread);
            online_softmax(sc, m, l, rescale, p, n * KEYS, first, row0, lane);
            wgmma_wait<0>();
            fence_accumulators(o);
            release(&ring.v_empty[before], thread);
            rescale_rows(o, rescale);
            pack_probabilities<T>(pf, sc);
        }
        const int last = (blocks - 1) % STAGES;
        barrier_wait(&ring.v_full[last], ((blocks - 1) / STAGES) & 1);
        issue_values<T>(o, pf, v_tiles + last * TILE_BYTES);
        wgmma_wait<0>();
        fence_accumulators(o);
        release(&ring.v_empty[last], thread);
    }

    // out = O / l; a row that saw no key gives 0 / 0 = NaN, as softmax over nothing does, and a
    // log-sum-exp of -Inf.
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        float sum = l[h];
        sum += __shfl_xor_sync(0xffffffff, sum, 1);
        sum += __shfl_xor_sync(0xffffffff, sum, 2);
        const int row = row0 + 8 * h;
        if (row < p.Lq) {
            const float inverse = 1.0f / sum;
            T* at = out_head + row * o_i + 2 * (lane % 4);
#pragma unroll
            for (int j = 0; j < 16; ++j) {
                *reinterpret_cast<uint32_t*>(at + 8 * j) = pack2<T>(o[4 * j + 2 * h] * inverse, o[4 * j + 2 * h + 1] * inverse);
            }
            if (lse_head != nullptr && lane % 4 == 0) {
                lse_head[row * l_i] = sum == 0.0f ? -INFINITY : (m[h] * p.scale_log2 + log2f(sum)) * LN2;
            }
        }
    }
}

template <typename T>
__device__ void attention(const TensorMap& q_map, const TensorMap& k_map, const TensorMap& v_map, Problem p, T* out,
                          long long o_b, long long o_h, long long o_i LSE_PARAMETERS) {
    // The swizzle atoms start at 1024-byte boundaries: the host asks for 1 KB more than the tiles and barriers.
    unsigned char* q_tile = dynamic_shared + ((1024 - (shared_address(dynamic_shared) & 1023)) & 1023);
    unsigned char* k_tiles = q_tile + TILE_BYTES;
    unsigned char* v_tiles = k_tiles + STAGES * TILE_BYTES;
    uint64_t* barriers = reinterpret_cast<uint64_t*>(v_tiles + STAGES * TILE_BYTES);
    const Ring ring{barriers, barriers + 1, barriers + 1 + STAGES, barriers + 1 + 2 * STAGES, barriers + 1 + 3 * STAGES};
    if (threadIdx.x == 0) {
        barrier_init(ring.q_full, 1);
#pragma unroll
        for (int s = 0; s < STAGES; ++s) {
            barrier_init(&ring.k_full[s], 1);
            barrier_init(&ring.v_full[s], 1);
            barrier_init(&ring.k_empty[s], 2);
            barrier_init(&ring.v_empty[s], 2);
        }
        barrier_init_visible();
    }
    __syncthreads();

    const int b = blockIdx.z, h = blockIdx.y, g = h / (p.Hq / p.Hkv);
    // Causal grids run their blocks last-first: those see the most keys.
    const int i0 = (p.causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x) * QUERIES;
    const int last = min(i0 + QUERIES, p.Lq) - 1;
    const int key_end = p.causal ? min(p.Lk, last + p.Lk - p.Lq + 1) : p.Lk;
    const int blocks = key_end > 0 ? (key_end + KEYS - 1) / KEYS : 0;
    const int warpgroup = threadIdx.x / 128;
    if (warpgroup == 0) {
        release_registers<PRODUCER_REGISTERS>();
        if (threadIdx.x == 0) {
            produce(q_map, k_map, v_map, b, h, g, i0, blocks, q_tile, k_tiles, v_tiles, ring);
        }
    } else {
        claim_registers<CONSUMER_REGISTERS>();
        consume<T>(p, warpgroup - 1, i0, blocks, q_tile, k_tiles, v_tiles, ring, out + b * o_b + h * o_h, o_i,
                   lse == nullptr ? nullptr : lse + b * l_b + h * l_h, l_i);
    }
}
}  // namespace

// Grid: (query blocks of 128, Hq, B).
#define ATTENTION_KERNEL(name, T)                                                                                             \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) name(                                                          \
        const __grid_constant__ TensorMap q_map, const __grid_constant__ TensorMap k_map,                                    \
        const __grid_constant__ TensorMap v_map, int Hq, int Hkv, int Lq, int Lk, int causal, float scale, T* out,          \
        long long o_b, long long o_h, long long o_i LSE_PARAMETERS) {                                                        \
        attention<T>(q_map, k_map, v_map, Problem{Hq, Hkv, Lq, Lk, causal, scale * LOG2E}, out, o_b, o_h, o_i               \
                     LSE_ARGUMENTS);                                                                                         \
    }

ATTENTION_KERNEL(attention_bf16_d128_sm90a, __nv_bfloat16)
ATTENTION_KERNEL(attention_f16_d128_sm90a, __half)
