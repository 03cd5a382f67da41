/* A small hand-written JSON writer: only what the report needs, strings escaped per RFC 8259. */
#include "report.h"

#include <math.h>

#include "isotime.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* JSON has no NaN/inf: write null for them. */
static void json_num(FILE *f, double v, int decimals)
{
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v);
    else
        fputs("null", f);
}

static void json_time(FILE *f, mfw_ms_t t)
{
    char buf[ISOTIME_LEN];
    isotime_format(t, buf);
    json_str(f, buf);
}

/* uWh as Wh with exactly 3 decimals, by integer arithmetic (a double would round above 2^53). */
static void json_wh(FILE *f, uint64_t uwh)
{
    uint64_t mwh = uwh / 1000u; /* truncated like the registers shown elsewhere */
    fprintf(f, "%llu.%03llu", (unsigned long long)(mwh / 1000u),
            (unsigned long long)(mwh % 1000u));
}

static const struct {
    const char *key;
    unsigned c;         /* OBIS C of the total; per phase C + 20 * (phase + 1) (IEC 62056-6-1) */
    const char *unit;
} report_qty[EQ_COUNT] = {
    [EQ_AP] = {"A+", 1, "Wh"},     [EQ_AM] = {"A-", 2, "Wh"},
    [EQ_RP] = {"R+", 3, "varh"},   [EQ_RM] = {"R-", 4, "varh"},
    [EQ_RQ1] = {"RQ1", 5, "varh"}, [EQ_RQ2] = {"RQ2", 6, "varh"},
    [EQ_RQ3] = {"RQ3", 7, "varh"}, [EQ_RQ4] = {"RQ4", 8, "varh"},
};

static void json_registers(FILE *f, const struct meter *m, unsigned phase)
{
    unsigned dc = phase == ENERGY_TOTAL ? 0 : 20 * (phase + 1);
    fputs("{", f);
    for (unsigned q = 0; q < EQ_COUNT; q++) {
        fprintf(f, "%s\n      ", q ? "," : "");
        json_str(f, report_qty[q].key);
        fprintf(f, ": {\"obis\": \"1.0.%u.8.0.255\", \"value\": ", report_qty[q].c + dc);
        json_wh(f, meter_energy_uwh(m, phase, (enum energy_qty)q));
        fputs(", \"unit\": ", f);
        json_str(f, report_qty[q].unit);
        fputs("}", f);
    }
    fputs("\n    }", f);
}

void report_json(FILE *f, const struct meter *m, const struct report_info *ri)
{
    unsigned phases = m->cfg.model == METER_162M ? 1 : 3;
    fputs("{\n  \"model\": ", f);
    json_str(f, m->cfg.model == METER_162M ? "162M" : "382M");
    fputs(",\n  \"serial\": ", f);
    json_str(f, m->cfg.serial);
    fputs(",\n  \"scenario\": ", f);
    json_str(f, ri->scenario);
    fputs(",\n  \"start\": ", f);
    json_time(f, ri->start_ms);
    fputs(",\n  \"end\": ", f);
    json_time(f, ri->end_ms);
    fputs(",\n  \"fidelity\": ", f);
    json_str(f, ri->fidelity);
    fputs(",\n  \"registers\": {\n    \"total\": ", f);
    json_registers(f, m, ENERGY_TOTAL);
    for (unsigned p = 0; p < phases; p++) {
        fprintf(f, ",\n    \"L%u\": ", p + 1);
        json_registers(f, m, p);
    }
    fputs("\n  },\n  \"instantaneous\": ", f);
    if (!m->have_values) {
        fputs("null\n}\n", f);
        return;
    }
    const struct metrology_values *v = &m->now_values;
    fputs("{\n    \"frequency_hz\": ", f);
    json_num(f, v->freq_hz, 3);
    fputs(", \"p_w\": ", f);
    json_num(f, v->p, 1);
    fputs(", \"q_var\": ", f);
    json_num(f, v->q, 1);
    fputs(", \"s_va\": ", f);
    json_num(f, v->s, 1);
    fputs(", \"i_n_a\": ", f);
    json_num(f, v->i_n, 3);
    for (unsigned p = 0; p < phases; p++) {
        const struct phase_values *ph = &v->ph[p];
        fprintf(f, ",\n    \"L%u\": {\"voltage_v\": ", p + 1);
        json_num(f, ph->vrms, 2);
        fputs(", \"current_a\": ", f);
        json_num(f, ph->irms, 3);
        fputs(", \"p_w\": ", f);
        json_num(f, ph->p, 1);
        fputs(", \"q_var\": ", f);
        json_num(f, ph->q, 1);
        fputs(", \"s_va\": ", f);
        json_num(f, ph->s, 1);
        fputs(", \"pf\": ", f);
        json_num(f, ph->pf, 3);
        fputs(", \"angle_deg\": ", f);
        json_num(f, ph->angle_deg, 1);
        fprintf(f, ", \"voltage_present\": %s}", ph->voltage_present ? "true" : "false");
    }
    fputs("\n  }\n}\n", f);
}
