// Fused scaled-dot-product attention on the Tensor Cores' mma.sync (sm_80 and later), FlashAttention-2
// order, 16-bit inputs, F32 accumulation. For batch b, query head h, key/value head g = h / group:
//   s[i][j] = scale * sum_d q[b][h][i][d] * k[b][g][j][d]  (+ mask, or -Inf where masked / causal / past Lk)
//   out[b][h][i][e] = sum_j softmax_j(s[i][:]) * v[b][g][j][e]
//   lse[b][h][i] = log sum_j exp(s[i][j])  (unvalidated build, where lse is not null; -Inf for a row that sees no key)
//   q (B,Hq,Lq,D), k (B,Hkv,Lk,D), v (B,Hkv,Lk,D), out (B,Hq,Lq,D); D = 64 or 128, unit stride along D;
//   lse (B,Hq,Lq) F32, any strides.
// Causal is bottom-right aligned: query i sees keys j <= i + Lk - Lq.
//
// A block takes 64 rows of one (b, g): row r is query r % Lq of head g * group + r / Lq, so the heads
// of a group share each K/V tile (grouped-query attention without copies), and a decode step (Lq of 1
// to 8) still fills the rows. Each of its 4 warps owns 16 rows: Q stays in registers, S = Q K^T and
// O += P V run on mma.sync, the softmax is online in registers (exp2 with log2(e) folded into the
// scale; in the unvalidated build flushing to 0 below 2^-126, exp2_flushed.cuh). K/V tiles of 64 keys
// stream through two shared-memory buffers with cp.async; blocks of keys that no row of the block
// can see (causal) are never loaded.
//
// Split-KV (flash-decoding): gridDim.z splits the keys; with more than one split each block writes its
// rows' normalised partial output and log2-sum-exp to a workspace, and attention_merge combines them.
//
// The log-sum-exps and the flushing exp2 first passed on an H200 on 2026-12-04 (gpu-runs.md).
#include "../common/mma.cuh"
#include "../common/strided.cuh"
#include "exp2_flushed.cuh"
#define SOFTMAX_EXP2 exp2_flushed
#define LSE_PARAMETERS , float *lse, long long l_b, long long l_h, long long l_i
#define LSE_ARGUMENTS , lse, l_b, l_h, l_i
constexpr float LN2 = 0.6931471805599453f;

namespace {
constexpr int ROWS = 64, KEYS = 64, THREADS = 128;
constexpr float LOG2E = 1.4426950408889634f;

// Rows of D 16-bit elements in 16-byte chunks; the chunk's low 3 bits are XORed with the row's, so
// ldmatrix over 8 rows at one chunk and the copies of one row's chunks avoid bank conflicts.
template <int D> __device__ __forceinline__ int swizzled(int row, int chunk) {
    return row * D + ((chunk ^ (row & 7)) << 3);
}

// Copies `count` rows (the rest of the 64 zero-filled) of D elements, row r at src + r * stride.
template <typename T, int D>
__device__ __forceinline__ void load_tile(T* tile, const T* src, long long stride, int count) {
    constexpr int CHUNKS = ROWS * D / 8;
#pragma unroll
    for (int c = threadIdx.x; c < CHUNKS; c += THREADS) {
        int row = c / (D / 8), chunk = c % (D / 8);
        bool in = row < count;
        copy_async_16(tile + swizzled<D>(row, chunk), in ? src + row * stride + chunk * 8 : src, in ? 16 : 0);
    }
}

struct Shape {
    int B, Hq, Hkv, Lq, Lk, group;
};

// The row's query head and position, from its index r in the (b, g) block's rows.
struct Row {
    int head, i;
    bool valid;
};

__device__ __forceinline__ Row row_of(const Shape& s, int g, int r) {
    return Row{g * s.group + r / s.Lq, r % s.Lq, r < s.group * s.Lq};
}

template <typename T, int D>
__device__ void attention(Shape shape, const T* q, long long q_b, long long q_h, long long q_i, const T* k, long long k_b,
                          long long k_h, long long k_j, const T* v, long long v_b, long long v_h, long long v_j,
                          const void* mask, int mask_dtype, long long m_b, long long m_h, long long m_i, long long m_j,
                          int causal, float scale, int keys_per_split, T* out, long long o_b, long long o_h, long long o_i,
                          float* partial_out, float* partial_lse LSE_PARAMETERS) {
    T* q_tile = reinterpret_cast<T*>(dynamic_shared);
    T* k_tiles = q_tile + ROWS * D;
    T* v_tiles = k_tiles + 2 * KEYS * D;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int b = blockIdx.y / shape.Hkv, g = blockIdx.y % shape.Hkv;
    const int total_rows = shape.group * shape.Lq;
    // Causal grids run their blocks last-first: those see the most keys.
    const int row_block = causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
    const int r0 = row_block * ROWS;
    const float scale_log2 = scale * LOG2E;

    // Keys [key_begin, key_end) of this split; causal trims the end to what the block's last query sees.
    const int key_begin = blockIdx.z * keys_per_split;
    int key_end = min(shape.Lk, key_begin + keys_per_split);
    const int r_last = min(r0 + ROWS, total_rows) - 1;
    const int i_max = r0 / shape.Lq != r_last / shape.Lq ? shape.Lq - 1 : r_last % shape.Lq;
    if (causal) {
        key_end = min(key_end, i_max + shape.Lk - shape.Lq + 1);
    }

    // Q: rows of several heads, so one copy per row.
    for (int c = threadIdx.x; c < ROWS * D / 8; c += THREADS) {
        int row = c / (D / 8), chunk = c % (D / 8);
        Row rq = row_of(shape, g, r0 + row);
        const T* src = q + b * q_b + rq.head * q_h + rq.i * q_i + chunk * 8;
        copy_async_16(q_tile + swizzled<D>(row, chunk), rq.valid ? src : q, rq.valid ? 16 : 0);
    }
    const T* k_base = k + b * k_b + g * k_h;
    const T* v_base = v + b * v_b + g * v_h;
    if (key_begin < key_end) {
        load_tile<T, D>(k_tiles, k_base + key_begin * k_j, k_j, min(KEYS, key_end - key_begin));
        load_tile<T, D>(v_tiles, v_base + key_begin * v_j, v_j, min(KEYS, key_end - key_begin));
    }
    copy_async_commit();

    // This thread's two rows: warp * 16 + lane / 4, and 8 further.
    Row mine[2];
    long long mask_row[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        mine[h] = row_of(shape, g, r0 + warp * 16 + (lane >> 2) + h * 8);
        mask_row[h] = b * m_b + mine[h].head * m_h + mine[h].i * m_i;
    }
    const int first_i = row_of(shape, g, r0).i;  // the smallest i in the block is its first row's, or 0
    const int min_i = r0 / shape.Lq != r_last / shape.Lq ? 0 : first_i;

    uint32_t qf[D / 16][4];
    float o[D / 8][4] = {};
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};

    int buffer = 0;
    for (int kv0 = key_begin; kv0 < key_end; kv0 += KEYS, buffer ^= 1) {
        copy_async_wait<0>();
        __syncthreads();  // this tile has landed, and every warp is done with the other buffer
        if (kv0 == key_begin) {
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                load_matrix_x4(qf[kk], q_tile + swizzled<D>(warp * 16 + (lane & 15), kk * 2 + (lane >> 4)));
            }
        }
        if (kv0 + KEYS < key_end) {
            int next = kv0 + KEYS;
            load_tile<T, D>(k_tiles + (buffer ^ 1) * KEYS * D, k_base + next * k_j, k_j, min(KEYS, key_end - next));
            load_tile<T, D>(v_tiles + (buffer ^ 1) * KEYS * D, v_base + next * v_j, v_j, min(KEYS, key_end - next));
        }
        copy_async_commit();
        const T* k_tile = k_tiles + buffer * KEYS * D;
        const T* v_tile = v_tiles + buffer * KEYS * D;

        // S = Q K^T: 16 rows x 64 keys per warp, in (k-step, key pair) order, each K fragment loaded
        // one mma pair ahead of its use.
        constexpr int S_STEPS = D / 16 * 4;
        float s[8][4] = {};
        uint32_t kf[2][4];
        load_matrix_x4(kf[0], k_tile + swizzled<D>((lane & 7) + ((lane >> 4) << 3), (lane >> 3) & 1));
#pragma unroll
        for (int step = 0; step < S_STEPS; ++step) {
            const int kk = step / 4, j = step % 4;
            if (step + 1 < S_STEPS) {
                const int kk1 = (step + 1) / 4, j1 = (step + 1) % 4;
                load_matrix_x4(kf[(step + 1) & 1],
                               k_tile + swizzled<D>(j1 * 16 + (lane & 7) + ((lane >> 4) << 3), kk1 * 2 + ((lane >> 3) & 1)));
            }
            mma_16816<T>(s[2 * j], qf[kk], kf[step & 1][0], kf[step & 1][1]);
            mma_16816<T>(s[2 * j + 1], qf[kk], kf[step & 1][2], kf[step & 1][3]);
        }

        // Scale into log2 units; mask where a key is past the split, hidden causally, or masked.
        bool edge = mask != nullptr || kv0 + KEYS > key_end || (causal && kv0 + KEYS - 1 > min_i + shape.Lk - shape.Lq);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                float x = s[j][e] * scale_log2;
                if (edge) {
                    const Row& row = mine[e >> 1];
                    int key = kv0 + j * 8 + (lane & 3) * 2 + (e & 1);
                    if (key >= key_end || (causal && key > row.i + shape.Lk - shape.Lq)) {
                        x = -INFINITY;
                    } else if (mask != nullptr && row.valid) {
                        long long at = mask_row[e >> 1] + key * m_j;
                        if (mask_dtype == BOOL) {
                            x = static_cast<const unsigned char*>(mask)[at] ? x : -INFINITY;
                        } else {
                            x += load_float(mask, mask_dtype, at) * LOG2E;
                        }
                    }
                }
                s[j][e] = x;
            }
        }

        // Online softmax per row: the quad of lanes sharing a row reduces with two shuffles.
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            float block_max = -INFINITY;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                block_max = fmaxf(block_max, fmaxf(s[j][2 * h], s[j][2 * h + 1]));
            }
            block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 1));
            block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 2));
            float m_new = fmaxf(m[h], block_max);
            float base = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing visible yet stays at 0
            float rescale = SOFTMAX_EXP2(m[h] - base);
            m[h] = m_new;
            float sum = 0.0f;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                s[j][2 * h] = SOFTMAX_EXP2(s[j][2 * h] - base);
                s[j][2 * h + 1] = SOFTMAX_EXP2(s[j][2 * h + 1] - base);
                sum += s[j][2 * h] + s[j][2 * h + 1];
            }
            l[h] = l[h] * rescale + sum;
#pragma unroll
            for (int j = 0; j < D / 8; ++j) {
                o[j][2 * h] *= rescale;
                o[j][2 * h + 1] *= rescale;
            }
        }

        // O += P V: P's accumulators are already laid out as the A fragments of 16-key steps; each V
        // fragment is loaded one mma pair ahead of its use.
        uint32_t pf[KEYS / 16][4];
#pragma unroll
        for (int t = 0; t < KEYS / 16; ++t) {
            pf[t][0] = pack2<T>(s[2 * t][0], s[2 * t][1]);
            pf[t][1] = pack2<T>(s[2 * t][2], s[2 * t][3]);
            pf[t][2] = pack2<T>(s[2 * t + 1][0], s[2 * t + 1][1]);
            pf[t][3] = pack2<T>(s[2 * t + 1][2], s[2 * t + 1][3]);
        }
        constexpr int V_STEPS = KEYS / 16 * (D / 16);
        uint32_t vf[2][4];
        load_matrix_x4_transposed(vf[0], v_tile + swizzled<D>((lane & 7) + (((lane >> 3) & 1) << 3), lane >> 4));
#pragma unroll
        for (int step = 0; step < V_STEPS; ++step) {
            const int t = step / (D / 16), j = step % (D / 16);
            if (step + 1 < V_STEPS) {
                const int t1 = (step + 1) / (D / 16), j1 = (step + 1) % (D / 16);
                load_matrix_x4_transposed(vf[(step + 1) & 1],
                                          v_tile + swizzled<D>(t1 * 16 + (lane & 7) + (((lane >> 3) & 1) << 3), j1 * 2 + (lane >> 4)));
            }
            mma_16816<T>(o[2 * j], pf[t], vf[step & 1][0], vf[step & 1][1]);
            mma_16816<T>(o[2 * j + 1], pf[t], vf[step & 1][2], vf[step & 1][3]);
        }
    }
    copy_async_wait<0>();

    // out = O / l; a row that saw no key gives 0 / 0 = NaN, as softmax over nothing does.
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        float sum = l[h];
        sum += __shfl_xor_sync(0xffffffff, sum, 1);
        sum += __shfl_xor_sync(0xffffffff, sum, 2);
        const Row& row = mine[h];
        if (!row.valid) {
            continue;
        }
        float inverse = 1.0f / sum;
        int d0 = (lane & 3) * 2;
        if (gridDim.z == 1) {
            T* at = out + b * o_b + row.head * o_h + row.i * o_i + d0;
#pragma unroll
            for (int j = 0; j < D / 8; ++j) {
                *reinterpret_cast<uint32_t*>(at + j * 8) = pack2<T>(o[j][2 * h] * inverse, o[j][2 * h + 1] * inverse);
            }
            if (lse != nullptr && (lane & 3) == 0) {
                lse[b * l_b + row.head * l_h + row.i * l_i] = sum == 0.0f ? -INFINITY : (m[h] + log2f(sum)) * LN2;
            }
        } else {
            long long row_id = ((long long) b * shape.Hq + row.head) * shape.Lq + row.i;
            long long split_rows = (long long) shape.B * shape.Hq * shape.Lq;
            float* at = partial_out + (blockIdx.z * split_rows + row_id) * D + d0;
#pragma unroll
            for (int j = 0; j < D / 8; ++j) {
                *reinterpret_cast<float2*>(at + j * 8) = make_float2(o[j][2 * h] * inverse, o[j][2 * h + 1] * inverse);
            }
            if ((lane & 3) == 0) {
                partial_lse[blockIdx.z * split_rows + row_id] = sum > 0.0f ? m[h] + log2f(sum) : -INFINITY;
            }
        }
    }
}

// out[row] = sum_s w_s partial[s][row] / sum_s w_s, w_s = 2^(lse_s - max lse): one block per row
// (b, h, i), its threads over D. Splits that saw no key have lse -Inf and weigh nothing. In the
// unvalidated build, where lse is not null, lse[row] = (max lse + log2 sum_s w_s) ln 2.
template <typename T>
__device__ void merge(int Hq, int Lq, int D, int splits, long long rows, const float* partial_out, const float* partial_lse,
                      T* out, long long o_b, long long o_h, long long o_i LSE_PARAMETERS) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        float top = -INFINITY;
        for (int s = 0; s < splits; ++s) {
            top = fmaxf(top, partial_lse[s * rows + row]);
        }
        long long b = row / ((long long) Hq * Lq), h = row / Lq % Hq, i = row % Lq;
        T* at = out + b * o_b + h * o_h + i * o_i;
        if (lse != nullptr && threadIdx.x == 0) {
            float weights = 0.0f;
            for (int s = 0; s < splits; ++s) {
                weights += exp2f(partial_lse[s * rows + row] - top);
            }
            lse[b * l_b + h * l_h + i * l_i] = top == -INFINITY ? -INFINITY : (top + log2f(weights)) * LN2;
        }
        for (int d = threadIdx.x; d < D; d += blockDim.x) {
            float sum = 0.0f, weights = 0.0f;
            for (int s = 0; s < splits; ++s) {
                float lse = partial_lse[s * rows + row];
                if (lse != -INFINITY) {
                    float w = exp2f(lse - top);
                    sum += w * partial_out[(s * rows + row) * D + d];
                    weights += w;
                }
            }
            at[d] = from_float<T>(sum / weights);
        }
    }
}
}  // namespace

#define ATTENTION_KERNEL(name, T, D)                                                                                          \
    extern "C" __global__ void __launch_bounds__(THREADS) name(                                                              \
        int B, int Hq, int Hkv, int Lq, int Lk, const T* q, long long q_b, long long q_h, long long q_i, const T* k,          \
        long long k_b, long long k_h, long long k_j, const T* v, long long v_b, long long v_h, long long v_j,                \
        const void* mask, int mask_dtype, long long m_b, long long m_h, long long m_i, long long m_j, int causal,            \
        float scale, int keys_per_split, T* out, long long o_b, long long o_h, long long o_i, float* partial_out,             \
        float* partial_lse LSE_PARAMETERS) {                                                                                 \
        attention<T, D>(Shape{B, Hq, Hkv, Lq, Lk, Hq / Hkv}, q, q_b, q_h, q_i, k, k_b, k_h, k_j, v, v_b, v_h, v_j, mask,     \
                        mask_dtype, m_b, m_h, m_i, m_j, causal, scale, keys_per_split, out, o_b, o_h, o_i, partial_out,      \
                        partial_lse LSE_ARGUMENTS);                                                                          \
    }

ATTENTION_KERNEL(attention_bf16_d64, __nv_bfloat16, 64)
ATTENTION_KERNEL(attention_bf16_d128, __nv_bfloat16, 128)
ATTENTION_KERNEL(attention_f16_d64, __half, 64)
ATTENTION_KERNEL(attention_f16_d128, __half, 128)

#define MERGE_KERNEL(name, T)                                                                                           \
    extern "C" __global__ void name(int Hq, int Lq, int D, int splits, long long rows, const float* partial_out,       \
                                    const float* partial_lse, T* out, long long o_b, long long o_h,                    \
                                    long long o_i LSE_PARAMETERS) {                                                    \
        merge<T>(Hq, Lq, D, splits, rows, partial_out, partial_lse, out, o_b, o_h, o_i LSE_ARGUMENTS);                \
    }

MERGE_KERNEL(attention_merge_bf16, __nv_bfloat16)
MERGE_KERNEL(attention_merge_f16, __half)
