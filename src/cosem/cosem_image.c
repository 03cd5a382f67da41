/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_image: Image transfer (Blue Book 4.4.6 [M], IC 18, version 0), 0.0.44.0.0.255, over the
 * meter's image state machine (meter/image.h); firmware reference section 3:
 *   2 image_block_size (double-long-unsigned): fitted to the server's max receive PDU
 *   3 image_transferred_blocks_status (bit-string, block n = bit n, the first the leftmost)
 *   4 image_first_not_transferred_block_number (double-long-unsigned)
 *   5 image_transfer_enabled (boolean)
 *   6 image_transfer_status (enum 0..7)
 *   7 image_to_activate_info (array of structure {size double-long-unsigned, identification
 *     octet-string, signature octet-string}): the verified image (empty before); its signature
 *     is the port's to check, so the entry carries an empty one
 *   m1 image_transfer_initiate(structure {image_identifier octet-string, image_size u32})
 *   m2 image_block_transfer(structure {image_block_number u32, image_block_value octet-string})
 *   m3 image_verify(integer 0), m4 image_activate(integer 0)
 * A method refused for the transfer's state answers temporary-failure; out-of-range parameters
 * other-reason; the port's failure hardware-fault (mfw_cosem_class_result). Shown only on a meter
 * whose hal has an image port. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/meter/image.h"

static int image_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                     struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_image *im = &c->m->image;
    switch (st->attr) {
    case 2: mfw_axdr_put_u32(w, mfw_image_block_size(c->env->max_pdu)); break;
    case 3: mfw_axdr_put_bitstring(w, im->bits, im->blocks); break;
    case 4: mfw_axdr_put_u32(w, mfw_image_first_missing(im)); break;
    case 5: mfw_axdr_put_bool(w, im->enabled); break;
    case 6: mfw_axdr_put_enum(w, im->status); break;
    default:
        if (im->status != MFW_IMAGE_VERIFIED && im->status != MFW_IMAGE_ACTIVATING) {
            mfw_axdr_put_array_header(w, 0);
            break;
        }
        mfw_axdr_put_array_header(w, 1);
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_u32(w, im->size);
        mfw_axdr_put_octets(w, im->signed_id, im->signed_id_len);
        mfw_axdr_put_octets(w, NULL, 0);
        break;
    }
    return MFW_DAR_SUCCESS;
}

/* structure {u32, octet-string} or {octet-string, u32}: the two methods' parameters, the octets
 * as a view into the request. */
static bool read_pair(struct mfw_rcursor *p, bool u32_first, uint32_t *u, struct mfw_bytes *os)
{
    uint32_t fields = 0;
    struct mfw_axdr_value v;
    if (p == NULL || mfw_axdr_get_structure(p, &fields) != MFW_OK || fields != 2)
        return false;
    if (u32_first && mfw_axdr_get_u32(p, u) != MFW_OK)
        return false;
    if (mfw_axdr_get(p, &v) != MFW_OK || v.tag != MFW_AXDR_OCTET_STRING)
        return false;
    os->p = v.p;
    os->len = v.len;
    if (!u32_first && mfw_axdr_get_u32(p, u) != MFW_OK)
        return false;
    return mfw_rcursor_left(p) == 0;
}

static int image_action(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                        struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    uint32_t u = 0;
    struct mfw_bytes os = {NULL, 0};
    int8_t zero;
    switch (method) {
    case 1:
        if (!read_pair(params, false, &u, &os))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(
            mfw_meter_image_initiate(c->m, os.p, os.len, u, mfw_image_block_size(c->env->max_pdu)));
    case 2:
        if (!read_pair(params, true, &u, &os))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_image_block(c->m, u, os.p, os.len));
    default:
        if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_i8(params, &zero)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(method == 3 ? mfw_meter_image_verify(c->m)
                                                  : mfw_meter_image_activate(c->m));
    }
}

const struct mfw_cosem_class mfw_cosem_image_class = {
    .class_id = MFW_IC_IMAGE_TRANSFER,
    .version = 0,
    .attributes = 7,
    .methods = 4,
    .get_item = image_get,
    .action = image_action,
};
