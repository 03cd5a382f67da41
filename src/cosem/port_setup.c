/* SPDX-License-Identifier: Apache-2.0 */
/* port_setup: defaults and checks of the serial ports' settings (see
 * include/meterfw/cosem/port_setup.h). */
#include "meterfw/cosem/port_setup.h"

#include <string.h>

#include "meterfw/base/error.h"

static const uint32_t bauds[10] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

uint32_t mfw_port_setup_baud(uint8_t e)
{
    return e < 10 ? bauds[e] : 0u;
}

bool mfw_port_setup_baud_enum(uint32_t baud, uint8_t *e)
{
    for (uint8_t k = 0; k < 10; k++)
        if (bauds[k] == baud) {
            *e = k;
            return true;
        }
    return false;
}

uint16_t mfw_port_setup_physical(const char *serial)
{
    size_t n = 0;
    while (n < 17 && serial[n] != '\0')
        n++;
    uint32_t v = 0, scale = 1;
    unsigned digits = 0;
    /* the last four digits are all that SN % 10000 keeps */
    while (n > 0 && serial[n - 1] >= '0' && serial[n - 1] <= '9' && digits < 4) {
        v += (uint32_t)(serial[n - 1] - '0') * scale;
        scale *= 10;
        digits++;
        n--;
    }
    return digits == 0 ? 0x10u : (uint16_t)(v + 1000u);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    while (n + 1 < cap && src[n] != '\0') {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
}

void mfw_port_setup_default(struct mfw_port_setup *p, const struct mfw_meter_config *mc)
{
    memset(p, 0, sizeof *p);
    struct mfw_port_setup_hdlc *h = &p->hdlc;
    h->comm_speed = 5;
    h->window_tx = h->window_rx = MFW_HDLC_WINDOW_MAX;
    h->max_info_tx = h->max_info_rx = MFW_HDLC_INFO_MAX;
    h->inter_octet_ms = 25;
    h->inactivity_s = 120;
    h->device_address = mfw_port_setup_physical(mc->serial);
    struct mfw_port_setup_local *l = &p->local;
    l->default_mode = MFW_PORT_SETUP_MODE_IEC62056_21;
    l->default_baud = 0;
    l->prop_baud = 5;
    l->response_time = 1;
    copy_text(l->device_address, sizeof l->device_address, mc->serial);
    memcpy(l->flag, "MFW", 4);
    char ident[40];
    copy_text(ident, 5, mc->model == MFW_METER_162M ? "162M" : "382M");
    copy_text(ident + 4, sizeof ident - 4, mc->serial);
    copy_text(l->ident, sizeof l->ident, ident);
}

static bool printable_ident(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0') {
        char c = s[n++];
        if (c < 0x21 || c > 0x7E || c == '/' || c == '!' || c == '(' || c == ')')
            return false;
    }
    return n > 0 && n < cap;
}

static bool letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int mfw_port_setup_check(const struct mfw_port_setup *p)
{
    const struct mfw_port_setup_hdlc *h = &p->hdlc;
    const struct mfw_port_setup_local *l = &p->local;
    /* ranges of IC 23 [M]: windows 1..7 (modulo 8), information 32..2030 (ours: what the buffers
     * hold), inter-octet 20..6000 ms, device address 0x10..0x3FFD (below are reserved, above
     * "calling" and all-station) */
    if (h->comm_speed > 9 || h->window_tx < 1 || h->window_tx > 7 || h->window_rx < 1 ||
        h->window_rx > 7 || h->max_info_tx < 32 || h->max_info_tx > MFW_HDLC_INFO_MAX ||
        h->max_info_rx < 32 || h->max_info_rx > MFW_HDLC_INFO_MAX || h->inter_octet_ms < 20 ||
        h->inter_octet_ms > 6000 || h->device_address < 0x10 || h->device_address > 0x3FFD)
        return MFW_E_RANGE;
    /* IC 19 [M]: the IEC 62056-21 baud rate characters reach 19200 Bd ('6') */
    if (l->default_mode > 2 || l->default_baud > 6 || l->prop_baud > 6 || l->response_time > 1 ||
        !letter(l->flag[0]) || !letter(l->flag[1]) || !letter(l->flag[2]) || l->flag[3] != '\0' ||
        !printable_ident(l->ident, sizeof l->ident) ||
        memchr(l->device_address, '\0', sizeof l->device_address) == NULL)
        return MFW_E_RANGE;
    return MFW_OK;
}
