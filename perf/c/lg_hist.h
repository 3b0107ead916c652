/* lg_hist.h - the load generator's latency histogram: log-linear, 32 sub-buckets per power of
 * two (~3% resolution), nanosecond samples, percentiles in microseconds. */
#ifndef LG_HIST_H
#define LG_HIST_H
#include <stdint.h>

#define LG_SUB_BITS 5
#define LG_SUB (1 << LG_SUB_BITS)
#define LG_NBUCKETS (2 * LG_SUB + 64 * LG_SUB)

typedef struct {
    uint64_t bucket[LG_NBUCKETS];
    uint64_t count, sum, max;
} lg_hist_t;

void lg_hist_reset(lg_hist_t *h);
void lg_hist_record(lg_hist_t *h, uint64_t ns);
double lg_hist_percentile_us(const lg_hist_t *h, double p);
double lg_hist_mean_us(const lg_hist_t *h);

#endif
