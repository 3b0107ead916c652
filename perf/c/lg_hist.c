/* lg_hist.c - see lg_hist.h. */
#include "lg_hist.h"

#include <string.h>

static int bucket_of(uint64_t v) {
    if (v < 2 * LG_SUB)
        return (int)v;
    int e = 63 - __builtin_clzll(v);
    int shift = e - LG_SUB_BITS;
    int idx = 2 * LG_SUB + (shift - 1) * LG_SUB + (int)((v >> shift) - LG_SUB);
    return idx < LG_NBUCKETS ? idx : LG_NBUCKETS - 1;
}

static double bucket_mid(int idx) {
    if (idx < 2 * LG_SUB)
        return idx;
    int shift = (idx - 2 * LG_SUB) / LG_SUB + 1;
    uint64_t m = (uint64_t)((idx - 2 * LG_SUB) % LG_SUB + LG_SUB);
    return ((double)(m << shift) + (double)((m + 1) << shift)) / 2.0;
}

void lg_hist_reset(lg_hist_t *h) { memset(h, 0, sizeof(*h)); }

void lg_hist_record(lg_hist_t *h, uint64_t ns) {
    h->bucket[bucket_of(ns)]++;
    h->count++;
    h->sum += ns;
    if (ns > h->max)
        h->max = ns;
}

double lg_hist_percentile_us(const lg_hist_t *h, double p) {
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)h->count);
    if (want >= h->count)
        want = h->count - 1;
    uint64_t seen = 0;
    for (int i = 0; i < LG_NBUCKETS; i++) {
        seen += h->bucket[i];
        if (seen > want) {
            double v = bucket_mid(i);
            if (v > (double)h->max)
                v = (double)h->max;
            return v / 1000.0;
        }
    }
    return h->max / 1000.0;
}

double lg_hist_mean_us(const lg_hist_t *h) {
    return h->count ? (double)h->sum / (double)h->count / 1000.0 : 0.0;
}
