/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the DLMS client's response parsers (dlms_client.h): arbitrary bytes as an
 * AARE, RLRE, GET-Response (normal / with-datablock / with-list, then fed to the block
 * reassembler in buffer and sink mode), SET-Response, ACTION-Response, Exception-Response /
 * Confirmed-Service-Error, and as an object list (Association LN attribute 2). The input is
 * copied into an exact-size heap block so ASan sees any read past its end. Checks the contract:
 *   - every view a parser returns lies inside the input;
 *   - a GET-Response-Normal's data is one whole Data value: mfw_axdr_skip over it consumes exactly
 *     data_len, and data + data_len + trailing_len is the end of the APDU;
 *   - a with-list response's count results iterate without error to exactly the end;
 *   - the reassembler never delivers more than the block's raw data, in both modes alike;
 *   - a parsed AARE whose user-information is an InitiateResponse re-encodes (mfw_acse_build_aare)
 *     to an AARE that parses to the same negotiated values.
 * Seeds: LLVMFuzzerInitialize writes captured answers of the Gurux server (w_public_clock.txt:
 * AARE, the clock GET response, RLRE) and hand-made datablock / SET / ACTION / with-list /
 * exception responses into $MFW_FUZZ_SEED_DIR (when set). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/dlms/dlms_client.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_dlms_client: %s\n", what);
        abort();
    }
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return true;
    return p != NULL && p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static size_t sink_total;
static int count_sink(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    (void)p;
    sink_total += n;
    return 0;
}

static void aare_case(const uint8_t *in, size_t n)
{
    struct mfw_acse_aare a;
    if (mfw_dlms_client_parse_aare(in, n, &a) != MFW_OK)
        return;
    check(inside(a.auth_value.p, a.auth_value.len, in, n), "AARE auth value outside the input");
    check(inside(a.user_info_raw.p, a.user_info_raw.len, in, n), "AARE user-info outside");
    if (a.user_info_kind != MFW_ACSE_AARE_UI_INITIATE || a.context < 1 || a.context > 4 ||
        a.result > 2 || a.diag_source < 1 || a.diag_source > 2 || a.has_auth_value ||
        a.has_responding_ap_title || a.has_mechanism)
        return;
    uint8_t buf[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    if (mfw_acse_build_aare(&a, &w) != MFW_OK)
        return;
    struct mfw_acse_aare b;
    check(mfw_dlms_client_parse_aare(buf, w.len, &b) == MFW_OK, "a rebuilt AARE does not parse");
    check(b.result == a.result && b.diag == a.diag && b.context == a.context &&
              b.initiate.conformance == a.initiate.conformance &&
              b.initiate.server_max_pdu == a.initiate.server_max_pdu,
          "a rebuilt AARE differs");
}

static void get_case(const uint8_t *in, size_t n)
{
    struct mfw_dlms_client_get_response r;
    if (mfw_dlms_client_parse_get_response(in, n, &r) != MFW_OK)
        return;
    if (r.type == MFW_XDLMS_GET_NORMAL && r.result.is_data) {
        check(inside(r.result.data, r.result.data_len, in, n), "GET data outside the input");
        check(r.result.data + r.result.data_len + r.trailing_len == in + n, "GET data length");
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, r.result.data, r.result.data_len);
        check(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_MAX) == MFW_OK && mfw_rcursor_left(&rc) == 0,
              "GET data not whole");
        /* the data as an object list */
        mfw_rcursor_init(&rc, r.result.data, r.result.data_len);
        uint32_t count;
        if (mfw_dlms_client_object_list_begin(&rc, &count) == MFW_OK) {
            struct mfw_dlms_client_object o;
            for (uint32_t i = 0; i < count && mfw_dlms_client_object_next(&rc, &o) == MFW_OK; i++)
                check(o.n_attrs <= MFW_DLMS_CLIENT_OBJ_ATTRS_MAX &&
                          o.n_methods <= MFW_DLMS_CLIENT_OBJ_METHODS_MAX,
                      "object counts");
        }
    }
    if (r.type == MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK && r.raw_ok)
        check(inside(r.raw, r.raw_len, in, n), "raw data outside the input");
    if (r.type == MFW_XDLMS_GET_WITH_LIST) {
        check(inside(r.list, r.list_len, in, n), "list outside the input");
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, r.list, r.list_len);
        for (uint32_t i = 0; i < r.count; i++) {
            struct mfw_dlms_client_result res;
            check(mfw_dlms_client_next_result(&rc, &res) == MFW_OK,
                  "a validated list fails to iterate");
        }
        check(mfw_rcursor_left(&rc) == 0, "list does not end at the APDU's end");
    }
    /* reassembly, in both modes */
    static uint8_t buf[1024];
    struct mfw_dlms_client_blocks b1, b2;
    mfw_dlms_client_blocks_init(&b1, buf, sizeof(buf), NULL, NULL);
    sink_total = 0;
    mfw_dlms_client_blocks_init(&b2, NULL, 0, count_sink, NULL);
    int x1 = mfw_dlms_client_blocks_feed(&b1, &r), x2 = mfw_dlms_client_blocks_feed(&b2, &r);
    if (x1 != MFW_E_NOSPACE)
        check(x1 == x2, "buffer and sink modes disagree");
    if (x1 >= 0) {
        size_t want = r.type == MFW_XDLMS_GET_NORMAL ? r.result.data_len : r.raw_len;
        check(b1.len == want && sink_total == want, "delivered bytes");
    }
}

static void other_cases(const uint8_t *in, size_t n)
{
    struct mfw_acse_rlre rl;
    if (mfw_dlms_client_parse_rlre(in, n, &rl) == MFW_OK)
        check(inside(rl.user_info_raw.p, rl.user_info_raw.len, in, n), "RLRE user-info outside");
    uint8_t inv, dar;
    (void)mfw_dlms_client_parse_set_response(in, n, &inv, &dar);
    struct mfw_dlms_client_action_response a;
    if (mfw_dlms_client_parse_action_response(in, n, &a) == MFW_OK && a.has_return && a.ret.is_data)
        check(inside(a.ret.data, a.ret.data_len, in, n), "ACTION data outside the input");
    struct mfw_dlms_client_error e;
    (void)mfw_dlms_client_parse_error(in, n, &e);
    /* the bytes as an object list */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    uint32_t count;
    if (mfw_dlms_client_object_list_begin(&rc, &count) == MFW_OK) {
        struct mfw_dlms_client_object o;
        for (uint32_t i = 0; i < count && mfw_dlms_client_object_next(&rc, &o) == MFW_OK; i++)
            ;
    }
    check(mfw_dlms_client_dar_name(n ? in[0] : 0) != NULL, "dar name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    if (size)
        memcpy(in, data, size);
    aare_case(in, size);
    get_case(in, size);
    other_cases(in, size);
    free(in);
    return 0;
}

/* ---- seeds ---- */

static const uint8_t s_aare[] = {0x61, 0x29, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08,
                                 0x01, 0x01, 0xA2, 0x03, 0x02, 0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03,
                                 0x02, 0x01, 0x00, 0xBE, 0x10, 0x04, 0x0E, 0x08, 0x00, 0x06, 0x5F,
                                 0x1F, 0x04, 0x00, 0x00, 0x00, 0x18, 0x02, 0x00, 0x00, 0x07};
static const uint8_t s_clock[] = {0xC4, 0x01, 0xC1, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x0B,
                                  0x19, 0x03, 0x10, 0x1A, 0x1E, 0x00, 0x00, 0x00, 0x00,
                                  0x09, 0x0F, 0x09, 0x0C, 0x07, 0xEA, 0x0B, 0x19, 0x03,
                                  0x10, 0x1A, 0x1E, 0x00, 0x00, 0x00, 0x00, 0x09, 0x0F};
static const uint8_t s_rlre[] = {0x63, 0x03, 0x80, 0x01, 0x00};
/* a last GET-Response-With-Datablock by hand: an object list of one clock element (with access
 * selectors on attribute 2), then padding */
static const uint8_t s_block[] = {
    0xC4, 0x02, 0xC1, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x3D, 0x01, 0x01, 0x02, 0x04,
    0x12, 0x00, 0x08, 0x11, 0x00, 0x09, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02,
    0x02, 0x01, 0x02, 0x02, 0x03, 0x0F, 0x01, 0x16, 0x01, 0x00, 0x02, 0x03, 0x0F, 0x02,
    0x16, 0x03, 0x01, 0x01, 0x0F, 0x01, 0x01, 0x02, 0x02, 0x02, 0x0F, 0x01, 0x16, 0x01,
    0x02, 0x02, 0x0F, 0x06, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t s_list[] = {0xC4, 0x03, 0xC2, 0x02, 0x00, 0x06, 0, 0, 0, 5, 0x01, 0x04};
static const uint8_t s_set[] = {0xC5, 0x01, 0xC1, 0x03};
static const uint8_t s_action[] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x11, 0x07};
static const uint8_t s_exc[] = {0xD8, 0x01, 0x06, 0x00, 0x00, 0x01, 0x00};

static const struct {
    const char *name;
    const uint8_t *p;
    size_t n;
} seeds[] = {
    {"aare.bin", s_aare, sizeof(s_aare)},       {"get-clock.bin", s_clock, sizeof(s_clock)},
    {"rlre.bin", s_rlre, sizeof(s_rlre)},       {"get-block.bin", s_block, sizeof(s_block)},
    {"get-list.bin", s_list, sizeof(s_list)},   {"set.bin", s_set, sizeof(s_set)},
    {"action.bin", s_action, sizeof(s_action)}, {"exception.bin", s_exc, sizeof(s_exc)},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
        fuzz_seed_write("fuzz_dlms_client", seeds[i].name, seeds[i].p, seeds[i].n);
    return 0;
}
