/* SPDX-License-Identifier: Apache-2.0 */
/* board: meterd's struct hal, the virtual meter's hardware: the file-backed NOR flash
 * (flash_file.h), an RTC whose backup can be flat (--rtc-lost), and the revenue hardware of
 * the model: the supply breaker (--breaker) and the load-control relays (--load-relays), each
 * with an auxiliary contact that reports where it is (a welded breaker contact reads closed
 * whatever it was told), the covers, the magnetic field sensor and the push button (set from
 * the scenario's board events, sim_drive.h), and the S0 pulse output (its pulses counted).
 * A relay that changes is printed on stderr ("meterd: relay breaker open"), the output line an
 * operator watches. */
#ifndef METERD_BOARD_H
#define METERD_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_file.h"
#include "meterfw/hal/hal.h"

#define BOARD_RELAYS 3 /* enum mfw_hal_relay: breaker, load 1, load 2 */

struct board {
    struct flash_file flash;
    bool rtc_lost; /* what hal.rtc_lost() answers: the RTC backup was flat at this power-up */
    /* the temperature sensor beside the shunts (deg C); NULL = none */
    double (*temperature)(const void *ctx);
    const void *temperature_ctx;
    bool has_relay[BOARD_RELAYS]; /* the model's relays (breaker, load 1, load 2) */
    bool commanded[BOARD_RELAYS]; /* where relay_set put each (a latching relay: closed at
                                   * first) */
    bool welded;                  /* the breaker's contact is welded (scenario "welded-relay") */
    uint32_t inputs;              /* enum mfw_hal_input bits (scenario board events) */
    bool changed;                 /* a relay moved since sim_drive last looked */
    bool s0_on;                   /* the S0 output's level */
    uint64_t s0_pulses;           /* its rising edges */
    bool quiet;                   /* no relay lines on stderr */
};

/* Fills h (zeroed first) with the board's functions; ctx = b. breaker / load_relays: the
 * model's options (its relays; without them relay_set / relay_sensed are NULL). */
void board_hal(struct board *b, struct mfw_hal *h, bool breaker, unsigned load_relays);

/* Where relay r's contact is (closed = true): commanded, or closed when welded (the breaker). */
bool board_relay_closed(const struct board *b, unsigned r);

#endif /* METERD_BOARD_H */
