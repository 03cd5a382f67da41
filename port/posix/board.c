/* SPDX-License-Identifier: Apache-2.0 */
/* board: meterd's hal (board.h). The flash functions forward to the flash_file's flash_emu, so
 * its NOR rules and counters apply. */
#include "board.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "meterfw/base/error.h"

static int b_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct board *b = ctx;
    return flash_emu_read(&b->flash.emu, addr, buf, len);
}

static int b_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct board *b = ctx;
    return flash_emu_prog(&b->flash.emu, addr, buf, len);
}

static int b_erase(void *ctx, uint32_t sector)
{
    struct board *b = ctx;
    return flash_emu_erase(&b->flash.emu, sector);
}

static bool b_rtc_lost(void *ctx)
{
    const struct board *b = ctx;
    return b->rtc_lost;
}

static int b_temperature(void *ctx, int32_t *milli_c)
{
    const struct board *b = ctx;
    double t = b->temperature(b->temperature_ctx);
    if (!(t > -100.0 && t < 200.0))
        return MFW_E_IO;
    *milli_c = (int32_t)lround(t * 1000.0);
    return MFW_OK;
}

static const char *const relay_name[BOARD_RELAYS] = {"breaker", "load1", "load2"};

bool board_relay_closed(const struct board *b, unsigned r)
{
    if (r >= BOARD_RELAYS)
        return false;
    return b->commanded[r] || (r == MFW_HAL_RELAY_BREAKER && b->welded);
}

static void b_relay_set(void *ctx, unsigned relay, bool closed)
{
    struct board *b = ctx;
    if (relay >= BOARD_RELAYS || !b->has_relay[relay])
        return;
    bool was = board_relay_closed(b, relay);
    b->commanded[relay] = closed;
    bool is = board_relay_closed(b, relay);
    if (was != is || (b->welded && relay == MFW_HAL_RELAY_BREAKER && !closed)) {
        b->changed = b->changed || was != is;
        if (!b->quiet)
            fprintf(stderr, "meterd: relay %s %s%s\n", relay_name[relay], is ? "closed" : "open",
                    is && !closed ? " (commanded open: the contact is welded)" : "");
    }
}

static bool b_relay_sensed(void *ctx, unsigned relay)
{
    const struct board *b = ctx;
    return board_relay_closed(b, relay);
}

static uint32_t b_inputs(void *ctx)
{
    const struct board *b = ctx;
    return b->inputs;
}

static void b_output_set(void *ctx, enum mfw_hal_output out, bool on)
{
    struct board *b = ctx;
    if (out != MFW_HAL_OUT_S0)
        return;
    if (on && !b->s0_on)
        b->s0_pulses++;
    b->s0_on = on;
}

void board_hal(struct board *b, struct mfw_hal *h, bool breaker, unsigned load_relays)
{
    memset(h, 0, sizeof *h);
    h->ctx = b;
    h->flash_read = b_read;
    h->flash_prog = b_prog;
    h->flash_erase = b_erase;
    h->rtc_lost = b_rtc_lost;
    if (b->temperature != NULL)
        h->temperature = b_temperature;
    h->inputs = b_inputs;
    h->output_set = b_output_set;
    b->has_relay[MFW_HAL_RELAY_BREAKER] = breaker;
    b->has_relay[MFW_HAL_RELAY_LOAD1] = load_relays >= 1;
    b->has_relay[MFW_HAL_RELAY_LOAD2] = load_relays >= 2;
    for (unsigned r = 0; r < BOARD_RELAYS; r++)
        b->commanded[r] = r == MFW_HAL_RELAY_BREAKER; /* the breaker closed, as delivered */
    if (breaker || load_relays > 0) {
        h->relay_set = b_relay_set;
        h->relay_sensed = b_relay_sensed;
    }
}
