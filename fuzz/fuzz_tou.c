/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for mfw_tou_decode (the persisted time-of-use configuration, tou.h).
 * Checks the contract:
 *   - a refused record returns MFW_E_FORMAT and changes nothing in the target (memcmp against a
 *     copy taken before the call);
 *   - an accepted record re-encodes to exactly the input bytes (the format is canonical: counts,
 *     name lengths and booleans are bounded, special days strictly ordered, no trailing bytes);
 *   - on an accepted record mfw_tou_validate, mfw_tou_tariff_checked (always a tariff 1..MFW_TARIFFS),
 *     mfw_tou_tick and the special-day methods run without a sanitizer report, whatever the
 *     calendar's contents.
 *
 * Seeds: LLVMFuzzerInitialize writes a valid two-season record into $MFW_FUZZ_SEED_DIR (when
 * set) and checks once that it decodes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/clock.h"
#include "meterfw/meter/tou.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_name(struct mfw_tou_name *n, const char *s)
{
    memset(n, 0, sizeof(*n));
    n->len = (uint8_t)strlen(s);
    memcpy(n->b, s, n->len);
}

static void make_seed(struct mfw_tou *t)
{
    mfw_tou_init(t);
    struct mfw_tou_calendar *c = &t->active;
    set_name(&c->name, "SEED");
    c->n_seasons = 2;
    set_name(&c->seasons[0].name, "sum");
    c->seasons[0].start =
        (struct mfw_tou_date_time){{MFW_TOU_YEAR_ANY, 4, 1, MFW_TOU_ANY}, {0, 0, 0}};
    set_name(&c->seasons[0].week_name, "w1");
    set_name(&c->seasons[1].name, "win");
    c->seasons[1].start =
        (struct mfw_tou_date_time){{MFW_TOU_YEAR_ANY, 10, 1, MFW_TOU_ANY}, {0, 0, 0}};
    set_name(&c->seasons[1].week_name, "w2");
    c->n_weeks = 2;
    set_name(&c->weeks[0].name, "w1");
    set_name(&c->weeks[1].name, "w2");
    for (int i = 0; i < 7; i++) {
        c->weeks[0].day_id[i] = i < 5 ? 1 : 2;
        c->weeks[1].day_id[i] = 2;
    }
    c->n_days = 2;
    c->days[0].day_id = 1;
    c->days[0].n = 2;
    c->days[0].actions[0] = (struct mfw_tou_day_action){{6, 0, 0}, 1};
    c->days[0].actions[1] = (struct mfw_tou_day_action){{22, 0, 0}, 2};
    c->days[1].day_id = 2;
    c->days[1].n = 1;
    c->days[1].actions[0] = (struct mfw_tou_day_action){{0, 0, 0}, 3};
    t->passive = t->active;
    t->passive.days[1].actions[0].script_selector = 4;
    t->passive_activation = (struct mfw_tou_date_time){{2026, 6, 1, MFW_TOU_ANY}, {0, 0, 0}};
    t->passive_pending = true;
    struct mfw_tou_special_day x = {1, {MFW_TOU_YEAR_ANY, 12, 25, MFW_TOU_ANY}, 2};
    struct mfw_tou_special_day l = {2, {MFW_TOU_YEAR_ANY, MFW_TOU_ANY, MFW_TOU_DOM_LAST, 5}, 1};
    mfw_tou_special_insert(t, &x);
    mfw_tou_special_insert(t, &l);
}

static void exercise(struct mfw_tou *t)
{
    (void)mfw_tou_validate(&t->active);
    (void)mfw_tou_validate(&t->passive);
    (void)mfw_tou_validate_parts(&t->passive);
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    /* A few instants around a year: new year, the DST days, a season start, a leap day. */
    static const mfw_ms_t instants[] = {
        1767225600000LL, /* 2026-01-01T00:00Z */
        1774746000000LL, /* 2026-03-29T01:00Z (DST begins) */
        1775001599000LL, /* 2026-03-31T23:59:59Z */
        1780264800000LL, /* 2026-05-31T22:00Z = 2026-06-01 00:00 CEST */
        1792890000000LL, /* 2026-10-25T01:00Z (DST ends) */
        1835438400000LL, /* 2028-02-29T12:00Z */
    };
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        struct mfw_local_time lt;
        mfw_clock_local(&c, instants[i], &lt);
        bool bad = false;
        uint8_t tar = mfw_tou_tariff_checked(t, &lt, &bad);
        if (tar < 1 || tar > MFW_TARIFFS || (bad && tar != MFW_TOU_FALLBACK_TARIFF))
            abort();
        bool activated = false;
        (void)mfw_tou_tick(t, &lt, instants[i], &activated);
        tar = mfw_tou_tariff(t, &lt);
        if (tar < 1 || tar > MFW_TARIFFS)
            abort();
    }
    /* IC 11 methods on whatever table was decoded: the order invariant must survive. */
    struct mfw_tou_special_day e = {7, {MFW_TOU_YEAR_ANY, 1, 1, MFW_TOU_ANY}, 1};
    (void)mfw_tou_special_insert(t, &e);
    (void)mfw_tou_special_delete(t, 7);
    for (unsigned i = 1; i < t->n_special; i++)
        if (t->special[i - 1].index >= t->special[i].index)
            abort();
}

static int check(const uint8_t *buf, size_t len)
{
    static struct mfw_tou t, before; /* not on the fuzzer's stack */
    make_seed(&t);
    memcpy(&before, &t, sizeof(t));
    int r = mfw_tou_decode(&t, buf, len);
    if (r != MFW_OK) {
        if (r != MFW_E_FORMAT)
            abort();
        if (memcmp(&t, &before, sizeof(t)) != 0)
            abort(); /* a refused record changes nothing */
        return r;
    }
    static uint8_t out[MFW_TOU_ENCODED_MAX];
    size_t n = 0;
    if (len > MFW_TOU_ENCODED_MAX || mfw_tou_encode(&t, out, sizeof(out), &n) != MFW_OK ||
        n != len || memcmp(out, buf, len) != 0)
        abort(); /* canonical: an accepted record re-encodes to itself */
    exercise(&t);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static struct mfw_tou seed;
    static uint8_t rec[MFW_TOU_ENCODED_MAX];
    size_t n = 0;
    make_seed(&seed);
    if (mfw_tou_validate(&seed.active) != MFW_OK ||
        mfw_tou_encode(&seed, rec, sizeof(rec), &n) != MFW_OK || check(rec, n) != MFW_OK) {
        fprintf(stderr, "fuzz_tou: the seed made by tou_encode does not decode\n");
        abort();
    }
    fuzz_seed_write("fuzz_tou", "tou-valid.bin", rec, n);
    return 0;
}
