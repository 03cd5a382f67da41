/* SPDX-License-Identifier: Apache-2.0 */
/* serial_line: meterd's serial port, the way an optical head or a UART would carry bytes: a
 * pseudo-terminal (posix_openpt; a client opens its slave, whose path serial_line_path gives) with
 * the line's baud rate simulated, or a real serial device whose UART sets the pace.
 *
 * The simulation: every character takes 10 bit times (start, 8 data or 7 data + parity, stop) at
 * the current rate, in both directions. What the client writes into the pseudo-terminal arrives
 * at once; the line hands it to the meter one byte at a time, each at the instant its stop bit
 * would have arrived (serial_line_next). What the meter sends is written into the pseudo-terminal
 * only as fast as the line could carry it (serial_line_room: the bytes whose stop bit is past).
 * Times are CLOCK_MONOTONIC nanoseconds, so the schedule does not drift with the wake-ups. A
 * device is not simulated: bytes go and come as the device takes and gives them.
 *
 * meterd keeps the slave open itself, so the master never reports a hang-up between clients; a
 * new client's first bytes are its own (Gurux and meterctl flush the line when they open it). */
#ifndef METERD_SERIAL_LINE_H
#define METERD_SERIAL_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_LINE_IN 1024u /* bytes read from the line at a time */

struct serial_line_stats {
    uint64_t bytes_in, bytes_out;
    uint32_t rate_changes;
};

struct serial_line {
    int fd;       /* the pseudo-terminal's master, or the device; -1 when closed */
    int slave_fd; /* a pseudo-terminal's slave, held open by meterd; -1 for a device */
    bool simulated;
    char path[256];
    uint32_t baud;
    int64_t byte_ns; /* 10 bit times */
    /* towards the meter: bytes read and not yet delivered, and the arrival of the next one */
    uint8_t in[SERIAL_LINE_IN];
    size_t in_len, in_off;
    int64_t in_due_ns;
    /* towards the client: the end of the last character sent (the line is busy until then) */
    int64_t out_end_ns;
    struct serial_line_stats stats;
};

/* Opens "pty" (a pseudo-terminal, simulated at baud) or a device path (set to baud, 8N1, raw).
 * 0, or -1 with the reason in err. */
int serial_line_open(struct serial_line *sl, const char *spec, uint32_t baud, char *err,
                     size_t errcap);
void serial_line_close(struct serial_line *sl);
/* The path a client opens: the pseudo-terminal's slave, or the device. */
const char *serial_line_path(const struct serial_line *sl);
/* A new rate (and for a device 7E1 or 8N1) from now on; 0, or -1 if the device refuses it. */
int serial_line_set(struct serial_line *sl, uint32_t baud, bool seven_e1);

/* Now, CLOCK_MONOTONIC in ns. */
int64_t serial_line_now_ns(void);

/* Whether to poll the line for input: every byte read so far has been delivered. */
bool serial_line_wants_input(const struct serial_line *sl);
/* Reads what the line has (when serial_line_wants_input); 0, or -1 on an error of the device. */
int serial_line_read(struct serial_line *sl, int64_t now_ns);
/* The next byte to deliver, if it has arrived by now: true with *b and its arrival *at_ns. It stays
 * until serial_line_take. */
bool serial_line_next(const struct serial_line *sl, int64_t now_ns, uint8_t *b, int64_t *at_ns);
void serial_line_take(struct serial_line *sl);

/* How many bytes of a reply the line has carried by now (the meter may write that many). start_ns
 * is when the reply became ready: a line that was idle starts sending then. */
size_t serial_line_room(const struct serial_line *sl, int64_t now_ns, int64_t start_ns);
/* Writes p[n] (n from serial_line_room), returns how many went: the line is busy with them. */
size_t serial_line_write(struct serial_line *sl, const uint8_t *p, size_t n, int64_t now_ns,
                         int64_t start_ns);
/* The next instant the line has something for the meter (a byte arrives) or takes one more byte
 * from it (tx_pending): false when neither. */
bool serial_line_deadline(const struct serial_line *sl, bool tx_pending, int64_t start_ns,
                          int64_t *at_ns);

#endif /* METERD_SERIAL_LINE_H */
