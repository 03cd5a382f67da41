/* SPDX-License-Identifier: Apache-2.0 */
/* selective_access: decoders of the Profile generic selective access parameters (see
 * selective_access.h). */
#include "meterfw/cosem/selective_access.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

static int finish(struct mfw_rcursor *rc)
{
    if (rc->err != 0 || mfw_rcursor_left(rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

/* capture_object_definition ::= structure{long-unsigned class, octet-string LN, integer attr,
 * long-unsigned data_index} (Blue Book 4.3.6). */
int mfw_selective_access_parse_range(const struct mfw_bytes *params,
                                     struct mfw_selective_access_range *out)
{
    if (params == NULL || params->p == NULL || out == NULL)
        return MFW_E_ARG;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, params->p, params->len);
    uint32_t n = 0;
    size_t ln = 0;
    memset(out, 0, sizeof *out);
    if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 4)
        return MFW_E_FORMAT;
    if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 4 ||
        mfw_axdr_get_u16(&rc, &out->class_id) != MFW_OK ||
        mfw_axdr_get_octets(&rc, 6, out->obis, &ln) != MFW_OK || ln != 6 ||
        mfw_axdr_get_i8(&rc, &out->attr) != MFW_OK ||
        mfw_axdr_get_u16(&rc, &out->data_index) != MFW_OK)
        return MFW_E_FORMAT;
    (void)mfw_axdr_get_raw(&rc, &out->from);
    (void)mfw_axdr_get_raw(&rc, &out->to);
    size_t start = rc.pos;
    if (rc.err != 0 || mfw_axdr_get_array(&rc, &out->n_selected) != MFW_OK)
        return MFW_E_FORMAT;
    rc.pos = start;
    (void)mfw_axdr_get_raw(&rc, &out->selected);
    return finish(&rc);
}

int mfw_selective_access_parse_entry(const struct mfw_bytes *params,
                                     struct mfw_selective_access_entry *out)
{
    if (params == NULL || params->p == NULL || out == NULL)
        return MFW_E_ARG;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, params->p, params->len);
    uint32_t n = 0;
    if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 4 ||
        mfw_axdr_get_u32(&rc, &out->from_entry) != MFW_OK ||
        mfw_axdr_get_u32(&rc, &out->to_entry) != MFW_OK ||
        mfw_axdr_get_u16(&rc, &out->from_value) != MFW_OK ||
        mfw_axdr_get_u16(&rc, &out->to_value) != MFW_OK)
        return MFW_E_FORMAT;
    return finish(&rc);
}
