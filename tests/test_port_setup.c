/* SPDX-License-Identifier: Apache-2.0 */
/* The serial ports' settings (include/meterfw/cosem/port_setup.h) and the two objects that show
 * them, IEC HDLC setup (IC 23, 0.0.22.0.0.255) and IEC local port setup (IC 19, 0.0.20.0.0.255),
 * read over DLMS by the management client with every answer written out by hand:
 * GET-Response-Normal C4 01 C1 00 then the A-XDR Data: enum 16 xx, unsigned 11 xx, long-unsigned
 * 12 hi lo, octet-string 09 len bytes (Blue Book 4.1.5). And the link uses what the object shows:
 * a meter set to window 1 / 128 bytes answers an SNRM that proposes more with UA 128 / 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hdlc_frames.h"
#include "hexbytes.h"

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/cosem/port_setup.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL
#define AARQ_PUBLIC                                                                                \
    "60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 1D FF FF"
#define AARQ_LLS                                                                                   \
    "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01"                \
    " AC 0A 80 08 30 30 30 30 30 30 30 31 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 1D 01 00"

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server s;
    struct mfw_link link;
    uint8_t out[2048];
};
static struct rig R;

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

static void start(const struct mfw_port_setup *ports)
{
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    /* the management client associates with LLS (password 00000001), which a meter
     * takes only when its security configuration enables it (docs/security.md) */
    cfg.security.lls_enabled = true;
    memcpy(cfg.security.lls, "00000001", 8);
    cfg.security.lls_len = 8;
    struct mfw_hal none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mfw_meter_init(&R.m, &cfg, &none, T0), MFW_OK);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    if (ports != NULL)
        cc.ports = *ports;
    assert_int_equal(mfw_cosem_init(&R.cosem, &R.m, &cc), MFW_OK);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(mfw_dlms_server_init(&R.s, &R.cosem, &dc), MFW_OK);
    uint8_t b[128];
    size_t n = hex(AARQ_LLS, b, sizeof b);
    assert_true(mfw_dlms_server_apdu(&R.s, 0, 1, b, n, R.out, sizeof R.out) > 0);
    n = hex(AARQ_PUBLIC, b, sizeof b);
    assert_true(mfw_dlms_server_apdu(&R.s, 1, 16, b, n, R.out, sizeof R.out) > 0);
}

/* GET class obis attr on connection conn: the reply must be want (hex). */
static void get(unsigned conn, uint8_t cls, const uint8_t obis[6], uint8_t attr, const char *want)
{
    uint8_t req[16] = {0xC0, 0x01, 0xC1, 0x00, cls};
    memcpy(req + 5, obis, 6);
    req[11] = attr;
    req[12] = 0x00;
    size_t n = mfw_dlms_server_apdu(&R.s, conn, conn == 0 ? 1 : 16, req, 13, R.out, sizeof R.out);
    uint8_t w[64];
    size_t k = hex(want, w, sizeof w);
    assert_int_equal(n, k);
    assert_memory_equal(R.out, w, k);
}

static const uint8_t HDLC_LN[6] = {0, 0, 22, 0, 0, 255};
static const uint8_t LOCAL_LN[6] = {0, 0, 20, 0, 0, 255};

/* The defaults of a 382M with serial 00000001: IC 23 9600 Bd (5), windows 7, fields 1027
 * (04 03), inter-octet 25 ms (00 19), inactivity 120 s (00 78), device address 1001 (03 E9); IC 19
 * mode 0, 300 Bd (0), proposing 9600 (5), 200 ms (1), address "00000001", no passwords. */
static void test_defaults_read(void **state)
{
    (void)state;
    start(NULL);
    get(0, 23, HDLC_LN, 1, "C4 01 C1 00 09 06 00 00 16 00 00 FF");
    get(0, 23, HDLC_LN, 2, "C4 01 C1 00 16 05");
    get(0, 23, HDLC_LN, 3, "C4 01 C1 00 11 07");
    get(0, 23, HDLC_LN, 4, "C4 01 C1 00 11 07");
    get(0, 23, HDLC_LN, 5, "C4 01 C1 00 12 04 03");
    get(0, 23, HDLC_LN, 6, "C4 01 C1 00 12 04 03");
    get(0, 23, HDLC_LN, 7, "C4 01 C1 00 12 00 19");
    get(0, 23, HDLC_LN, 8, "C4 01 C1 00 12 00 78");
    get(0, 23, HDLC_LN, 9, "C4 01 C1 00 12 03 E9");
    get(0, 19, LOCAL_LN, 2, "C4 01 C1 00 16 00");
    get(0, 19, LOCAL_LN, 3, "C4 01 C1 00 16 00");
    get(0, 19, LOCAL_LN, 4, "C4 01 C1 00 16 05");
    get(0, 19, LOCAL_LN, 5, "C4 01 C1 00 16 01");
    get(0, 19, LOCAL_LN, 6, "C4 01 C1 00 09 08 30 30 30 30 30 30 30 31");
    get(0, 19, LOCAL_LN, 7, "C4 01 C1 00 09 00");
    get(0, 19, LOCAL_LN, 8, "C4 01 C1 00 09 00");
    get(0, 19, LOCAL_LN, 9, "C4 01 C1 00 09 00");
    /* the public client does not see them: object-unavailable / undefined (a DAR, not data) */
    uint8_t req[13] = {0xC0, 0x01, 0xC1, 0x00, 23, 0, 0, 22, 0, 0, 255, 2, 0};
    size_t n = mfw_dlms_server_apdu(&R.s, 1, 16, req, 13, R.out, sizeof R.out);
    assert_int_equal(n, 5);
    assert_int_equal(R.out[3], 0x01); /* Get-Data-Result: data-access-result */
}

/* SN % 10000 + 1000 from the trailing digits; 0x10 without digits. */
static void test_physical(void **state)
{
    (void)state;
    assert_int_equal(mfw_port_setup_physical("00000001"), 1001);
    assert_int_equal(mfw_port_setup_physical("12345678"), 6678);
    assert_int_equal(mfw_port_setup_physical("A99999"), 10999);
    assert_int_equal(mfw_port_setup_physical("KAM-07"), 1007);
    assert_int_equal(mfw_port_setup_physical("ABC"), 0x10);
    assert_int_equal(mfw_port_setup_physical(""), 0x10);
    assert_int_equal(mfw_port_setup_physical("1234567890123456"), 4456);
}

static void test_baud_enum(void **state)
{
    (void)state;
    static const uint32_t bd[10] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
    for (uint8_t k = 0; k < 10; k++) {
        assert_int_equal(mfw_port_setup_baud(k), bd[k]);
        uint8_t e = 99;
        assert_true(mfw_port_setup_baud_enum(bd[k], &e));
        assert_int_equal(e, k);
    }
    uint8_t e;
    assert_int_equal(mfw_port_setup_baud(10), 0);
    assert_false(mfw_port_setup_baud_enum(14400, &e));
}

/* The check refuses what the objects' ranges do not allow; mfw_cosem_init refuses it too. */
static void test_check(void **state)
{
    (void)state;
    struct mfw_meter_config mc;
    mfw_meter_default_config(&mc, MFW_METER_162M);
    /* the management client associates with LLS (password 00000001), which a meter
     * takes only when its security configuration enables it (docs/security.md) */
    mc.security.lls_enabled = true;
    memcpy(mc.security.lls, "00000001", 8);
    mc.security.lls_len = 8;
    struct mfw_port_setup p, q;
    mfw_port_setup_default(&p, &mc);
    assert_int_equal(mfw_port_setup_check(&p), MFW_OK);
    assert_string_equal(p.local.ident, "162M00000001");
    struct {
        int field;
        int value;
    } bad[] = {{0, 0},  {0, 8},    {1, 31},   {1, MFW_HDLC_INFO_MAX + 1},
               {2, 19}, {2, 6001}, {3, 0x0F}, {3, 0x3FFE},
               {4, 7},  {5, 3},    {6, 2},    {7, 10}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        q = p;
        int v = bad[k].value;
        switch (bad[k].field) {
        case 0: q.hdlc.window_rx = (uint8_t)v; break;
        case 1: q.hdlc.max_info_tx = (uint16_t)v; break;
        case 2: q.hdlc.inter_octet_ms = (uint16_t)v; break;
        case 3: q.hdlc.device_address = (uint16_t)v; break;
        case 4: q.local.prop_baud = (uint8_t)v; break;
        case 5: q.local.default_mode = (uint8_t)v; break;
        case 6: q.local.response_time = (uint8_t)v; break;
        default: q.hdlc.comm_speed = (uint8_t)v; break;
        }
        assert_int_equal(mfw_port_setup_check(&q), MFW_E_RANGE);
    }
    q = p;
    memcpy(q.local.flag, "M!W", 4);
    assert_int_equal(mfw_port_setup_check(&q), MFW_E_RANGE);
    q = p;
    q.local.ident[0] = '\0';
    assert_int_equal(mfw_port_setup_check(&q), MFW_E_RANGE);
    q = p;
    q.local.ident[2] = '!';
    assert_int_equal(mfw_port_setup_check(&q), MFW_E_RANGE);
    /* through the object model */
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    /* the management client associates with LLS (password 00000001), which a meter
     * takes only when its security configuration enables it (docs/security.md) */
    cfg.security.lls_enabled = true;
    memcpy(cfg.security.lls, "00000001", 8);
    cfg.security.lls_len = 8;
    struct mfw_hal none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mfw_meter_init(&R.m, &cfg, &none, T0), MFW_OK);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.ports = p;
    cc.ports.hdlc.window_tx = 9;
    assert_int_equal(mfw_cosem_init(&R.cosem, &R.m, &cc), MFW_E_ARG);
}

/* Settings of the port's own reach the object and the link alike. */
static void test_settings_used(void **state)
{
    (void)state;
    struct mfw_meter_config mc;
    mfw_meter_default_config(&mc, MFW_METER_382M);
    /* the management client associates with LLS (password 00000001), which a meter
     * takes only when its security configuration enables it (docs/security.md) */
    mc.security.lls_enabled = true;
    memcpy(mc.security.lls, "00000001", 8);
    mc.security.lls_len = 8;
    struct mfw_port_setup p;
    mfw_port_setup_default(&p, &mc);
    p.hdlc.window_tx = p.hdlc.window_rx = 1;
    p.hdlc.max_info_tx = p.hdlc.max_info_rx = 128;
    p.hdlc.device_address = 17;
    p.hdlc.inactivity_s = 30;
    start(&p);
    get(0, 23, HDLC_LN, 3, "C4 01 C1 00 11 01");
    get(0, 23, HDLC_LN, 5, "C4 01 C1 00 12 00 80");
    get(0, 23, HDLC_LN, 9, "C4 01 C1 00 12 00 11");
    struct mfw_link_config lc;
    memset(&lc, 0, sizeof lc);
    assert_int_equal(mfw_link_init(&R.link, &R.s, &lc), MFW_OK);
    int id = mfw_link_open(&R.link, MFW_LINK_HDLC, 0, NULL);
    assert_true(id >= 0);
    /* SNRM to 02 23 (upper 1, lower 17) proposing 2030 / window 7 */
    uint8_t info[32], f[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, info, sizeof info);
    struct mfw_hdlc_params prop = {2030, 2030, 7, 7};
    mfw_hdlc_params_encode(&prop, &w);
    size_t n = tf_build(f, (const uint8_t[]){0x02, 0x23}, 2, 0x21, 0x93, false, info, w.len);
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&R.link, (unsigned)id, f, n, 10, &out), n);
    struct tf_frame r;
    assert_null(tf_parse(out.tx, out.tx_len, 2, &r));
    assert_int_equal(r.control, 0x73);
    /* 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01 */
    uint8_t want[32];
    size_t k =
        hex("81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01", want, sizeof want);
    assert_int_equal(r.n, k);
    assert_memory_equal(r.info, want, k);
    assert_int_equal(mfw_link_sent(&R.link, (unsigned)id, out.tx_len), MFW_OK);
    mfw_ms_t at;
    assert_true(mfw_link_next_deadline(&R.link, &at));
    assert_int_equal(at, 10 + 30000); /* IC 23 inactivity_time_out */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_read), cmocka_unit_test(test_physical),
        cmocka_unit_test(test_baud_enum),     cmocka_unit_test(test_check),
        cmocka_unit_test(test_settings_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
