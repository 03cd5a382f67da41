/* SPDX-License-Identifier: Apache-2.0 */
/* session: a DLMS association over TCP + wrapper (see session.h). */
#include "session.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "hdlc_client.h"
#include "meterfw/base/error.h"

static int fail(struct session *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    return code;
}

static void hexdump(const char *dir, const uint8_t *p, size_t n)
{
    fprintf(stderr, "%s:", dir);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02X", p[i]);
    fputc('\n', stderr);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int session_init(struct session *s, uint16_t client_sap, int timeout_ms)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->client_sap = client_sap;
    s->server_sap = MFW_WRAPPER_WPORT_MANAGEMENT_LD;
    s->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    s->invoke = MFW_DLMS_CLIENT_INVOKE_DEFAULT;
    s->rx = malloc(SESSION_APDU_MAX);
    s->tx = malloc(SESSION_APDU_MAX + MFW_WRAPPER_HEADER_LEN);
    s->plain = malloc(SESSION_APDU_MAX);
    if (!s->rx || !s->tx || !s->plain)
        return fail(s, MFW_E_NOSPACE, "out of memory");
    mfw_wrapper_init(&s->w, s->rx, SESSION_APDU_MAX);
    return MFW_OK;
}

static int tcp_connect(struct session *s, const char *host, uint16_t port)
{
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, portstr, &hints, &res);
    if (g != 0)
        return fail(s, MFW_E_IO, "%s: %s", host, gai_strerror(g));
    int last = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            s->fd = fd;
            break;
        }
        last = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (s->fd < 0)
        return fail(s, MFW_E_IO, "connect %s:%u: %s", host, (unsigned)port, strerror(last));
    return MFW_OK;
}

int session_connect(struct session *s, const char *host, uint16_t port, uint16_t client_sap,
                    int timeout_ms)
{
    int r = session_init(s, client_sap, timeout_ms);
    return r != MFW_OK ? r : tcp_connect(s, host, port);
}

int session_connect_hdlc(struct session *s, const struct session_hdlc *h, const char *host,
                         uint16_t port, uint16_t client_sap, int timeout_ms)
{
    int r = session_init(s, client_sap, timeout_ms);
    if (r != MFW_OK)
        return r;
    if (client_sap > 0x7F)
        return fail(s, MFW_E_ARG, "an HDLC client address is 7 bits: SAP %u", client_sap);
    if (h->device == NULL) {
        if ((r = tcp_connect(s, host, port)) != MFW_OK)
            return r;
    } else {
        char err[256];
        s->fd = hdlc_client_open_serial(h->device, h->baud, h->mode_e, s->ident, sizeof s->ident,
                                        s->timeout_ms, err, sizeof err);
        if (s->fd < 0)
            return fail(s, MFW_E_IO, "%s", err);
    }
    s->hdlc = calloc(1, sizeof *s->hdlc);
    if (s->hdlc == NULL)
        return fail(s, MFW_E_NOSPACE, "out of memory");
    struct hdlc_client_config c = {
        .client = (uint8_t)(client_sap << 1 | 1u),
        .server = {h->upper, h->lower, h->addr_size},
        .propose = {h->info, h->info, h->window, h->window},
        .timeout_ms = s->timeout_ms,
        .trace = false,
    };
    if ((r = hdlc_client_init(s->hdlc, s->fd, h->device == NULL, &c)) != MFW_OK ||
        (r = hdlc_client_connect(s->hdlc)) != MFW_OK)
        return fail(s, r, "HDLC: %s", s->hdlc->err);
    s->bytes_tx = s->hdlc->bytes_tx; /* SNRM / UA are on the line too */
    s->bytes_rx = s->hdlc->bytes_rx;
    return MFW_OK;
}

static int send_all(struct session *s, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(s->fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(s, MFW_E_IO, "send: %s", strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return MFW_OK;
}

/* The next APDU from the server (frames for another wPort pair are refused). */
static int recv_apdu(struct session *s, const uint8_t **apdu, size_t *len)
{
    int64_t deadline = mono_ms() + s->timeout_ms;
    for (;;) {
        if (s->in_off < s->in_len) {
            size_t used = 0;
            struct mfw_wrapper_frame f;
            int r = mfw_wrapper_feed(&s->w, s->in + s->in_off, s->in_len - s->in_off, &used, &f);
            s->in_off += used;
            if (r < 0)
                return fail(s, MFW_E_FORMAT, "wrapper: %s", mfw_strerror(r));
            if (r == 1) {
                if (f.src_wport != s->server_sap || f.dst_wport != s->client_sap)
                    return fail(s, MFW_E_FORMAT, "a frame from wPort %u to %u, expected %u to %u",
                                f.src_wport, f.dst_wport, s->server_sap, s->client_sap);
                *apdu = f.apdu;
                *len = f.len;
                s->apdus_rx++;
                if (s->trace)
                    hexdump("RX", f.apdu, f.len);
                return MFW_OK;
            }
            continue;
        }
        s->in_off = s->in_len = 0;
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return fail(s, MFW_E_IO, "no answer within %d ms", s->timeout_ms);
        struct pollfd pfd = {s->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return fail(s, MFW_E_IO, "poll: %s", strerror(errno));
        if (pr == 0)
            return fail(s, MFW_E_IO, "no answer within %d ms", s->timeout_ms);
        ssize_t k = recv(s->fd, s->in, sizeof(s->in), 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return fail(s, MFW_E_IO, "recv: %s", strerror(errno));
        if (k == 0)
            return fail(s, MFW_E_IO, "the meter closed the connection");
        s->in_len = (size_t)k;
        s->bytes_rx += (uint64_t)k;
    }
}

static int exchange_plain(struct session *s, const uint8_t *req, size_t len, const uint8_t **resp,
                          size_t *resp_len);

/* A request ciphered as the association's form, the answer deciphered: under the meter's title,
 * its counter above the last one. */
static int exchange_ciphered(struct session *s, const uint8_t *req, size_t len,
                             const uint8_t **resp, size_t *resp_len)
{
    struct session_security *c = &s->sec;
    const struct mfw_security_keys k = {c->ek, c->ak};
    uint8_t tag = c->general ? MFW_SECURITY_GENERAL_GLO : mfw_security_glo_tag(req[0]);
    if (tag == 0)
        return fail(s, MFW_E_ARG, "no ciphered form for APDU %02X", req[0]);
    if (c->ic == UINT32_MAX)
        return fail(s, MFW_E_RANGE, "the invocation counter is exhausted");
    uint8_t *buf = malloc(len + MFW_SECURITY_OVERHEAD_MAX + 8);
    if (!buf)
        return fail(s, MFW_E_NOSPACE, "out of memory");
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, len + MFW_SECURITY_OVERHEAD_MAX + 8);
    int r = mfw_security_cipher(c->crypto, &k, tag, c->title, c->sc, c->ic++, req, len, &w);
    if (r != MFW_OK) {
        free(buf);
        return fail(s, r, "ciphering: %s", mfw_strerror(r));
    }
    if (s->trace)
        hexdump("TX PDU", req, len);
    const uint8_t *a;
    size_t n;
    r = exchange_plain(s, buf, w.len, &a, &n);
    free(buf);
    if (r != MFW_OK)
        return r;
    if (n == 0 || !mfw_security_is_ciphered(a[0])) { /* an exception-response in clear */
        *resp = a;
        *resp_len = n;
        return MFW_OK;
    }
    struct mfw_security_apdu sa;
    size_t pn = 0;
    r = mfw_security_parse(a, n, &sa);
    if (r != MFW_OK)
        return fail(s, MFW_E_FORMAT, "a ciphered answer that does not parse");
    if (sa.has_title && memcmp(sa.title, c->server_title, 8) != 0)
        return fail(s, MFW_E_FORMAT, "a ciphered answer from another system title");
    if (c->have_server_ic && sa.ic <= c->server_ic)
        return fail(s, MFW_E_FORMAT, "the meter's invocation counter %u is not above %u",
                    (unsigned)sa.ic, (unsigned)c->server_ic);
    r = mfw_security_decipher(c->crypto, &k, c->server_title, &sa, s->plain, SESSION_APDU_MAX, &pn);
    if (r != MFW_OK)
        return fail(s, MFW_E_FORMAT, "the meter's answer does not decipher (%s)", mfw_strerror(r));
    c->server_ic = sa.ic;
    c->have_server_ic = true;
    if (s->trace)
        hexdump("RX PDU", s->plain, pn);
    *resp = s->plain;
    *resp_len = pn;
    return MFW_OK;
}

int session_exchange(struct session *s, const uint8_t *req, size_t len, const uint8_t **resp,
                     size_t *resp_len)
{
    if (s->sec.on && len > 0 && req[0] != MFW_ACSE_TAG_AARQ && req[0] != MFW_ACSE_TAG_RLRQ)
        return exchange_ciphered(s, req, len, resp, resp_len);
    return exchange_plain(s, req, len, resp, resp_len);
}

static int exchange_plain(struct session *s, const uint8_t *req, size_t len, const uint8_t **resp,
                          size_t *resp_len)
{
    if (s->fd < 0)
        return fail(s, MFW_E_STATE, "not connected");
    if (s->associated && s->max_pdu && len > s->max_pdu)
        return fail(s, MFW_E_NOSPACE, "request of %zu bytes exceeds the meter's max PDU %u", len,
                    (unsigned)s->max_pdu);
    if (s->hdlc != NULL) { /* the APDU in HDLC I-frames (hdlc_client.h) */
        if (s->trace)
            hexdump("TX", req, len);
        uint64_t tx = s->hdlc->bytes_tx, rx = s->hdlc->bytes_rx;
        int hr = hdlc_client_exchange(s->hdlc, req, len, resp, resp_len);
        s->bytes_tx += s->hdlc->bytes_tx - tx;
        s->bytes_rx += s->hdlc->bytes_rx - rx;
        if (hr != MFW_OK)
            return fail(s, hr, "HDLC: %s", s->hdlc->err);
        s->apdus_tx++;
        s->apdus_rx++;
        if (s->trace)
            hexdump("RX", *resp, *resp_len);
        return MFW_OK;
    }
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, s->tx, SESSION_APDU_MAX + MFW_WRAPPER_HEADER_LEN);
    int r = mfw_wrapper_encode(s->client_sap, s->server_sap, req, len, &w);
    if (r != MFW_OK)
        return fail(s, r, "wrapper: %s", mfw_strerror(r));
    if (s->trace)
        hexdump("TX", req, len);
    r = send_all(s, s->tx, w.len);
    if (r != MFW_OK)
        return r;
    s->bytes_tx += w.len;
    s->apdus_tx++;
    return recv_apdu(s, resp, resp_len);
}

/* Names the error APDU in s->err. */
static int error_apdu(struct session *s, const uint8_t *apdu, size_t len)
{
    struct mfw_dlms_client_error e;
    if (mfw_dlms_client_parse_error(apdu, len, &e) != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed error response");
    if (e.tag == MFW_XDLMS_EXCEPTION_RESPONSE)
        return fail(s, MFW_E_STATE, "exception-response: %s, %s",
                    mfw_dlms_client_state_error_name(e.state_error),
                    mfw_dlms_client_service_error_name(e.service_error));
    return fail(s, MFW_E_STATE, "confirmed-service-error: service %u, error %u/%u",
                (unsigned)e.service, (unsigned)e.error_type, (unsigned)e.value);
}

int session_associate(struct session *s, const char *password)
{
    uint8_t req[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof(req));
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_LOWEST,
                                            .password = NULL,
                                            .password_len = 0,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF};
    if (password) {
        p.mechanism = MFW_ACSE_MECH_LLS;
        p.password = (const uint8_t *)password;
        p.password_len = strlen(password);
    }
    int r = mfw_dlms_client_build_aarq(&p, &w);
    if (r != MFW_OK)
        return fail(s, r, "AARQ: %s",
                    r == MFW_E_ARG ? "password must be 1..127 bytes" : mfw_strerror(r));
    const uint8_t *resp;
    size_t n;
    r = session_exchange(s, req, w.len, &resp, &n);
    if (r != MFW_OK)
        return r;
    struct mfw_acse_aare a;
    if (mfw_dlms_client_parse_aare(resp, n, &a) != MFW_OK) {
        if (n > 0 && (resp[0] == MFW_XDLMS_EXCEPTION_RESPONSE ||
                      resp[0] == MFW_XDLMS_CONFIRMED_SERVICE_ERROR))
            return error_apdu(s, resp, n);
        return fail(s, MFW_E_FORMAT, "malformed AARE");
    }
    if (a.result != MFW_ACSE_RESULT_ACCEPTED) {
        if (a.user_info_kind == MFW_ACSE_AARE_UI_ERROR)
            return fail(s, MFW_E_STATE, "association rejected: %s (initiate error %u)",
                        mfw_dlms_client_aare_diag_name(a.diag_source, a.diag),
                        (unsigned)a.initiate_error);
        return fail(s, MFW_E_STATE, "association rejected: %s",
                    mfw_dlms_client_aare_diag_name(a.diag_source, a.diag));
    }
    if (a.user_info_kind != MFW_ACSE_AARE_UI_INITIATE)
        return fail(s, MFW_E_FORMAT, "AARE without an InitiateResponse");
    s->associated = true;
    s->max_pdu = a.initiate.server_max_pdu;
    s->conformance = a.initiate.conformance;
    return MFW_OK;
}

int session_associate_gmac(struct session *s)
{
    struct session_security *c = &s->sec;
    if (c->crypto == NULL || c->crypto->random == NULL)
        return fail(s, MFW_E_ARG, "no crypto port");
    const struct mfw_security_keys k = {c->ek, c->ak};
    uint8_t ctos[16];
    if (c->crypto->random(c->crypto->ctx, ctos, sizeof ctos) != MFW_OK)
        return fail(s, MFW_E_IO, "no random bytes for the challenge");
    uint8_t req[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof(req));
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_HLS_GMAC,
                                            .password = ctos,
                                            .password_len = sizeof ctos,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF,
                                            .calling_title = c->title,
                                            .crypto = c->crypto,
                                            .keys = &k,
                                            .sc = c->sc,
                                            .ic = c->ic++};
    int r = mfw_dlms_client_build_aarq(&p, &w);
    if (r != MFW_OK)
        return fail(s, r, "AARQ: %s", mfw_strerror(r));
    const uint8_t *resp;
    size_t n;
    r = exchange_plain(s, req, w.len, &resp, &n);
    if (r != MFW_OK)
        return r;
    struct mfw_acse_aare a;
    if (mfw_dlms_client_parse_aare(resp, n, &a) != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed AARE");
    if (a.result != MFW_ACSE_RESULT_ACCEPTED)
        return fail(s, MFW_E_STATE, "association rejected%s: %s",
                    a.result == MFW_ACSE_RESULT_REJECTED_TRANSIENT ? " (transient: try later)" : "",
                    mfw_dlms_client_aare_diag_name(a.diag_source, a.diag));
    /* pass 2: authentication-required, the meter's title and StoC, a glo-initiate-response */
    if (a.diag != MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED || !a.has_responding_ap_title ||
        !a.has_auth_value || a.auth_value.len < MFW_ACSE_CHALLENGE_MIN ||
        a.auth_value.len > MFW_ACSE_CHALLENGE_MAX || a.user_info_kind != MFW_ACSE_AARE_UI_RAW ||
        a.user_info_raw.len < 2 || a.user_info_raw.p[0] != MFW_SECURITY_GLO_INITIATE_RESPONSE)
        return fail(s, MFW_E_FORMAT, "the AARE is not an HLS-GMAC answer");
    memcpy(c->server_title, a.responding_ap_title, 8);
    uint8_t stoc[MFW_ACSE_CHALLENGE_MAX];
    size_t stoc_len = a.auth_value.len;
    memcpy(stoc, a.auth_value.p, stoc_len);
    struct mfw_security_apdu sa;
    uint8_t ini[64];
    size_t il = 0;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, a.user_info_raw.p + 1, a.user_info_raw.len - 1);
    size_t cl = 0;
    if (mfw_axdr_get_length(&rc, &cl) != MFW_OK || cl != mfw_rcursor_left(&rc) ||
        mfw_security_parse_content(rc.p + rc.pos, cl, &sa) != MFW_OK ||
        mfw_security_decipher(c->crypto, &k, c->server_title, &sa, ini, sizeof ini, &il) != MFW_OK)
        return fail(s, MFW_E_FORMAT, "the AARE's glo-initiate-response does not decipher");
    c->server_ic = sa.ic;
    c->have_server_ic = true;
    /* InitiateResponse 08 [qos] version 5F1F 04 00 conf(3) max(2) vaa(2) */
    if (il < 13 || ini[0] != MFW_ACSE_XDLMS_INITIATE_RESPONSE)
        return fail(s, MFW_E_FORMAT, "the AARE's InitiateResponse does not decode");
    size_t o = ini[1] == 1 ? 3 : 2;
    if (il != o + 12 || memcmp(ini + o + 1, "\x5F\x1F\x04\x00", 4) != 0)
        return fail(s, MFW_E_FORMAT, "the AARE's InitiateResponse does not decode");
    s->conformance = (uint32_t)ini[o + 5] << 16 | (uint32_t)ini[o + 6] << 8 | ini[o + 7];
    s->max_pdu = (uint16_t)(ini[o + 8] << 8 | ini[o + 9]);
    c->general = (s->conformance & MFW_ACSE_CONF_GENERAL_PROTECTION) != 0;
    c->on = true;
    /* pass 3: ACTION {15, 0.0.40.0.0.255, 1} octet-string f(StoC) */
    uint8_t params[2 + MFW_SECURITY_F_LEN] = {0x09, MFW_SECURITY_F_LEN};
    r = mfw_security_hls_f(c->crypto, &k, c->title, c->ic++, stoc, stoc_len, params + 2);
    if (r != MFW_OK)
        return fail(s, r, "f(StoC): %s", mfw_strerror(r));
    static const struct mfw_dlms_client_ref hls = {15, {0, 0, 40, 0, 0, 0xFF}, 1};
    mfw_wcursor_init(&w, req, sizeof(req));
    mfw_dlms_client_build_action(s->invoke, &hls, params, sizeof params, &w);
    r = session_exchange(s, req, w.len, &resp, &n);
    if (r != MFW_OK)
        return r;
    struct mfw_dlms_client_action_response ar;
    int pr = mfw_dlms_client_parse_action_response(resp, n, &ar);
    if (pr == MFW_E_STATE)
        return error_apdu(s, resp, n);
    if (pr != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed reply_to_HLS_authentication response");
    if (ar.result != MFW_DAR_SUCCESS)
        return fail(s, MFW_E_STATE, "HLS pass 3 refused: %s",
                    mfw_dlms_client_action_result_name(ar.result));
    /* pass 4: the meter's f(CtoS), under its title */
    struct mfw_rcursor fc;
    uint8_t f[MFW_SECURITY_F_LEN];
    size_t fl = 0;
    if (!ar.has_return || !ar.ret.is_data)
        return fail(s, MFW_E_FORMAT, "no f(CtoS) in the meter's answer");
    mfw_rcursor_init(&fc, ar.ret.data, ar.ret.data_len);
    if (mfw_axdr_get_octets(&fc, sizeof f, f, &fl) != MFW_OK ||
        mfw_security_hls_check(c->crypto, &k, c->server_title, ctos, sizeof ctos, f, fl) != MFW_OK)
        return fail(s, MFW_E_STATE, "the meter's f(CtoS) does not verify: not the meter");
    s->associated = true;
    return MFW_OK;
}

int session_release(struct session *s)
{
    uint8_t req[8];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof(req));
    mfw_dlms_client_build_rlrq(&w);
    const uint8_t *resp;
    size_t n;
    int r = session_exchange(s, req, w.len, &resp, &n);
    if (r != MFW_OK)
        return r;
    struct mfw_acse_rlre rl;
    if (mfw_dlms_client_parse_rlre(resp, n, &rl) != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed RLRE");
    s->associated = false;
    s->sec.on = false;
    return MFW_OK;
}

void session_close(struct session *s)
{
    if (s->hdlc != NULL) {
        if (s->fd >= 0 && s->hdlc->connected) {
            uint64_t tx = s->hdlc->bytes_tx, rx = s->hdlc->bytes_rx;
            (void)hdlc_client_disconnect(s->hdlc); /* DISC: the meter's session ends at once */
            s->bytes_tx += s->hdlc->bytes_tx - tx;
            s->bytes_rx += s->hdlc->bytes_rx - rx;
        }
        hdlc_client_free(s->hdlc);
        free(s->hdlc);
        s->hdlc = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->rx);
    free(s->tx);
    if (s->plain)
        memset(s->plain, 0, SESSION_APDU_MAX);
    free(s->plain);
    s->rx = s->tx = s->plain = NULL;
    memset(&s->sec, 0, sizeof s->sec);
}

struct heapbuf {
    uint8_t *p;
    size_t len, cap;
};

static int heap_sink(void *user, const uint8_t *p, size_t n)
{
    struct heapbuf *h = user;
    if (n > h->cap - h->len) {
        size_t cap = h->cap ? h->cap : 4096;
        while (n > cap - h->len)
            cap *= 2;
        uint8_t *q = realloc(h->p, cap);
        if (!q)
            return MFW_E_NOSPACE;
        h->p = q;
        h->cap = cap;
    }
    memcpy(h->p + h->len, p, n);
    h->len += n;
    return 0;
}

int session_get(struct session *s, const struct mfw_dlms_client_ref *ref,
                const struct mfw_dlms_client_access *access, dlmsc_sink_fn sink, void *user,
                uint8_t **out, size_t *out_len)
{
    uint8_t req[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof(req));
    int r = mfw_dlms_client_build_get(s->invoke, ref, access, &w);
    if (r != MFW_OK)
        return fail(s, r, "GET request: %s", mfw_strerror(r));
    struct heapbuf h = {NULL, 0, 0};
    struct mfw_dlms_client_blocks b;
    mfw_dlms_client_blocks_init(&b, NULL, 0, sink ? sink : heap_sink, sink ? user : &h);
    const uint8_t *resp;
    size_t n;
    r = session_exchange(s, req, w.len, &resp, &n);
    for (;;) {
        if (r != MFW_OK)
            break;
        struct mfw_dlms_client_get_response g;
        int pr = mfw_dlms_client_parse_get_response(resp, n, &g);
        if (pr == MFW_E_STATE) {
            r = error_apdu(s, resp, n);
            break;
        }
        if (pr != MFW_OK) {
            r = fail(s, MFW_E_FORMAT, "malformed GET response");
            break;
        }
        int f = mfw_dlms_client_blocks_feed(&b, &g);
        if (f == 1) {
            r = MFW_OK;
            break;
        }
        if (f == MFW_E_STATE && b.has_dar) {
            r = fail(s, MFW_E_STATE, "%s", mfw_dlms_client_dar_name(b.dar));
            break;
        }
        if (f < 0 || f > 1) {
            r = fail(s, f < 0 ? f : MFW_E_FORMAT, "block transfer: %s",
                     f == MFW_E_FORMAT ? "block out of sequence" : mfw_strerror(f));
            break;
        }
        mfw_wcursor_init(&w, req, sizeof(req));
        mfw_dlms_client_build_get_next(s->invoke, g.block_number, &w);
        r = session_exchange(s, req, w.len, &resp, &n);
    }
    if (r != MFW_OK || sink) {
        free(h.p);
        return r;
    }
    if (out) {
        *out = h.p;
        *out_len = h.len;
    } else {
        free(h.p);
    }
    return MFW_OK;
}

int session_set(struct session *s, const struct mfw_dlms_client_ref *ref, const uint8_t *value,
                size_t len)
{
    uint8_t *req = malloc(len + 32);
    if (!req)
        return fail(s, MFW_E_NOSPACE, "out of memory");
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, len + 32);
    int r = mfw_dlms_client_build_set(s->invoke, ref, NULL, value, len, &w);
    if (r != MFW_OK) {
        free(req);
        return fail(s, r, "SET request: %s", mfw_strerror(r));
    }
    const uint8_t *resp;
    size_t n;
    r = session_exchange(s, req, w.len, &resp, &n);
    free(req);
    if (r != MFW_OK) {
        if (r == MFW_E_NOSPACE)
            snprintf(s->err + strlen(s->err), sizeof(s->err) - strlen(s->err),
                     " (SET with block transfer is not implemented)");
        return r;
    }
    uint8_t invoke, dar;
    int pr = mfw_dlms_client_parse_set_response(resp, n, &invoke, &dar);
    if (pr == MFW_E_STATE)
        return error_apdu(s, resp, n);
    if (pr != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed SET response");
    if (dar != MFW_DAR_SUCCESS)
        return fail(s, MFW_E_STATE, "%s", mfw_dlms_client_dar_name(dar));
    return MFW_OK;
}

int session_action(struct session *s, const struct mfw_dlms_client_ref *ref, const uint8_t *params,
                   size_t len, uint8_t **ret, size_t *ret_len)
{
    uint8_t *req = malloc(len + 32);
    if (!req)
        return fail(s, MFW_E_NOSPACE, "out of memory");
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, len + 32);
    int r = mfw_dlms_client_build_action(s->invoke, ref, params, len, &w);
    if (r != MFW_OK) {
        free(req);
        return fail(s, r, "ACTION request: %s", mfw_strerror(r));
    }
    const uint8_t *resp;
    size_t n;
    r = session_exchange(s, req, w.len, &resp, &n);
    free(req);
    if (r != MFW_OK)
        return r;
    struct mfw_dlms_client_action_response a;
    int pr = mfw_dlms_client_parse_action_response(resp, n, &a);
    if (pr == MFW_E_STATE)
        return error_apdu(s, resp, n);
    if (pr != MFW_OK)
        return fail(s, MFW_E_FORMAT, "malformed ACTION response");
    if (a.result != MFW_DAR_SUCCESS)
        return fail(s, MFW_E_STATE, "%s", mfw_dlms_client_action_result_name(a.result));
    if (ret) {
        *ret = NULL;
        *ret_len = 0;
        if (a.has_return && a.ret.is_data) {
            *ret = malloc(a.ret.data_len);
            if (!*ret)
                return fail(s, MFW_E_NOSPACE, "out of memory");
            memcpy(*ret, a.ret.data, a.ret.data_len);
            *ret_len = a.ret.data_len;
        } else if (a.has_return) {
            return fail(s, MFW_E_STATE, "%s", mfw_dlms_client_dar_name(a.ret.dar));
        }
    }
    return MFW_OK;
}

int session_object_list(struct session *s, struct object_list *ol)
{
    memset(ol, 0, sizeof(*ol));
    static const struct mfw_dlms_client_ref assoc = {15, {0, 0, 40, 0, 0, 0xFF}, 2};
    uint8_t *buf = NULL;
    size_t len = 0;
    int r = session_get(s, &assoc, NULL, NULL, NULL, &buf, &len);
    if (r != MFW_OK)
        return r;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, len);
    uint32_t count;
    if (mfw_dlms_client_object_list_begin(&rc, &count) != MFW_OK) {
        free(buf);
        return fail(s, MFW_E_FORMAT, "object list: not an array");
    }
    ol->objs = calloc(count ? count : 1, sizeof(*ol->objs));
    if (!ol->objs) {
        free(buf);
        return fail(s, MFW_E_NOSPACE, "out of memory");
    }
    for (uint32_t i = 0; i < count; i++) {
        if (mfw_dlms_client_object_next(&rc, &ol->objs[i]) != MFW_OK) {
            free(buf);
            object_list_free(ol);
            return fail(s, MFW_E_FORMAT, "object list: element %u malformed", (unsigned)i + 1);
        }
        ol->n++;
    }
    free(buf);
    return MFW_OK;
}

const struct mfw_dlms_client_object *object_list_find(const struct object_list *ol,
                                                      const uint8_t ln[6])
{
    for (size_t i = 0; i < ol->n; i++)
        if (memcmp(ol->objs[i].ln, ln, 6) == 0)
            return &ol->objs[i];
    return NULL;
}

void object_list_free(struct object_list *ol)
{
    free(ol->objs);
    ol->objs = NULL;
    ol->n = 0;
}
