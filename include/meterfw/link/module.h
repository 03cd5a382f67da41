/* SPDX-License-Identifier: Apache-2.0 */
/* module: the meter's communication module slots. The brochure: communication "via modules"
 * (radio, GSM/GPRS, M-Bus, TCP/IP) that can be fitted and retrofitted, and a Consumer
 * Communication Channel module slot outside the meter seal. A module is a table of callbacks
 * (as TinyUSB's class drivers) and a context the caller owns; the slots hold them:
 *
 *   struct mfw_modules ms;
 *   mfw_modules_init(&ms, &meter);
 *   mfw_module_fit(&ms, 1, &mfw_p1_module, &p1, "P1 DSMR 5.0.2");   // attach, logged (200)
 *   n = mfw_module_output(&ms, 1, meter.now, buf, sizeof buf);       // bytes due now, 0: none
 *   mfw_module_input(&ms, 1, bytes, len, meter.now);                 // bytes the module got
 *   mfw_module_remove(&ms, 1);                                       // detach, logged (201)
 *
 * The meter keeps working whatever is fitted or removed: a slot's callbacks are only called
 * through these functions, the meter's registers are read, never written, by a module, and the
 * change is recorded in the meter (mfw_meter_module_changed: the COSEM view 0.0.96.128.s.255 and
 * the standard log). Time is an argument: the meter's time (UTC ms). */
#ifndef METERFW_LINK_MODULE_H
#define METERFW_LINK_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/meter/meter.h"

enum mfw_module_kind {
    MFW_MODULE_NONE = 0,
    MFW_MODULE_WAN = 1,      /* a head-end module: TCP, the push destination */
    MFW_MODULE_P1 = 2,       /* consumer channel: DSMR 5.0.2 P1 telegrams (p1.h) */
    MFW_MODULE_HAN = 3,      /* consumer channel: DLMS push in HDLC, Nordic HAN (han.h) */
    MFW_MODULE_RADIO = 4,    /* wireless M-Bus */
    MFW_MODULE_MBUS = 5,     /* wired M-Bus */
    MFW_MODULE_KIND_MAX = 5, /* kinds above are refused */
};

struct mfw_module_status {
    bool enabled;        /* the module sends (a consumer channel can be disabled) */
    uint32_t frames_out; /* telegrams / frames produced */
    uint64_t bytes_out;  /* bytes produced */
    uint64_t bytes_in;   /* bytes the module received from its side */
    uint32_t refused_in; /* ... of which it did nothing with (an output-only channel) */
    int last_error;      /* the last error of a frame it could not make, MFW_OK if none */
};

/* A module's callbacks. ctx is the module's state (caller-owned). Every callback may be NULL. */
struct mfw_module_ops {
    uint8_t kind; /* enum mfw_module_kind */
    /* the module is fitted to meter m at now: MFW_OK, or an error and the slot stays empty */
    int (*attach)(void *ctx, struct mfw_meter *m, mfw_ms_t now);
    void (*detach)(void *ctx);
    /* bytes from the module's side (a consumer's device, the head-end): how many were taken */
    size_t (*input)(void *ctx, const uint8_t *p, size_t n, mfw_ms_t now);
    /* the bytes due at now into out[cap] (a telegram, a frame): their number, 0 when nothing is
     * due; never more than cap (a frame that does not fit is counted in last_error) */
    size_t (*output)(void *ctx, mfw_ms_t now, uint8_t *out, size_t cap);
    /* the next time output has something (or INT64_MAX when never) */
    mfw_ms_t (*next_due)(const void *ctx);
    void (*status)(const void *ctx, struct mfw_module_status *st);
};

struct mfw_module_slot {
    const struct mfw_module_ops *ops; /* NULL: empty */
    void *ctx;
};

struct mfw_modules {
    struct mfw_meter *meter;
    struct mfw_module_slot slot[MFW_MODULE_SLOTS];
};

/* Every slot empty. MFW_E_ARG for NULL. */
int mfw_modules_init(struct mfw_modules *ms, struct mfw_meter *m);
/* Fits a module in an empty slot: attach, then the meter records it (ident: what it calls
 * itself). MFW_E_ARG (bad slot, no ops, a kind outside 1..MFW_MODULE_KIND_MAX), MFW_E_STATE (the
 * slot holds a module), or attach's error (the slot stays empty). */
int mfw_module_fit(struct mfw_modules *ms, unsigned slot, const struct mfw_module_ops *ops,
                   void *ctx, const char *ident, mfw_ms_t now);
/* Removes the slot's module: detach, then the meter records it. MFW_E_ARG, MFW_E_STATE (empty). */
int mfw_module_remove(struct mfw_modules *ms, unsigned slot);
/* The slot's callbacks (0 / nothing for an empty slot or a bad index). */
size_t mfw_module_output(struct mfw_modules *ms, unsigned slot, mfw_ms_t now, uint8_t *out,
                         size_t cap);
size_t mfw_module_input(struct mfw_modules *ms, unsigned slot, const uint8_t *p, size_t n,
                        mfw_ms_t now);
mfw_ms_t mfw_module_next_due(const struct mfw_modules *ms, unsigned slot);
/* MFW_OK with *st, MFW_E_STATE for an empty slot, MFW_E_ARG. */
int mfw_module_status(const struct mfw_modules *ms, unsigned slot, struct mfw_module_status *st);

/* What the consumer modules share (p1.c, han.c):
 *  - next_multiple: the first instant after now that is offset + k x period (period > 0), the
 *    schedule of a periodic telegram on the meter's clock;
 *  - measured: quantity id of the catalogue (catalog.h) as it is shown, times 10^dec, rounded; 0
 *    when it is not measured, zero or negative; max when it would exceed it. */
mfw_ms_t mfw_module_next_multiple(mfw_ms_t now, mfw_ms_t period, mfw_ms_t offset);
uint64_t mfw_module_measured(struct mfw_meter *m, uint16_t id, unsigned dec, uint64_t max);
/* The kind in a slot (MFW_MODULE_NONE when empty or bad). */
uint8_t mfw_module_kind(const struct mfw_modules *ms, unsigned slot);

#endif /* METERFW_LINK_MODULE_H */
