/* SPDX-License-Identifier: Apache-2.0 */
/* board: meterd's hal (board.h). The flash functions forward to the flash_file's flash_emu, so
 * its NOR rules and counters apply. */
#include "board.h"

#include <math.h>
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

void board_hal(struct board *b, struct mfw_hal *h)
{
    memset(h, 0, sizeof *h);
    h->ctx = b;
    h->flash_read = b_read;
    h->flash_prog = b_prog;
    h->flash_erase = b_erase;
    h->rtc_lost = b_rtc_lost;
    if (b->temperature != NULL)
        h->temperature = b_temperature;
}
