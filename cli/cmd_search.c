/*
** cmd_search.c — 'zhs search' (one query or a batch, as text, JSON or TREC
** run lines) and 'zhs eval' (retrieval quality on an evaluation set).
*/
#include "cli.h"
#include "json.h"
#include "json_out.h"
#include "snippet.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FMT_TEXT, FMT_JSON, FMT_TREC };

typedef struct search_cfg {
    int format;
    bool color;
    bool batch, first;          /* --queries; the first query of the batch */
    size_t width;
    zhs_search_options so;
    const char *tag;
    zhs_buf filter;             /* the --filter conditions, joined by spaces */
} search_cfg;

typedef struct session {
    zhs_index *ix;
    zhs_analyzer *an;
    zhs_aliases *aliases;       /* --aliases FILE */
} session;

static int open_session(session *s, const char *index, const char *remote, zhs_error *err)
{
    memset(s, 0, sizeof *s);
    if (remote) {
        /* host:port,host:port */
        char *copy = strdup(remote);
        const char *parts[256];
        size_t n = 0;
        if (!copy) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        for (char *tok = strtok(copy, ","); tok && n < 256; tok = strtok(NULL, ",")) parts[n++] = tok;
        int rc = zhs_index_open_remote(&s->ix, parts, n, 5000, err);
        free(copy);
        if (rc) return rc;
    } else if (zhs_index_open(&s->ix, index, err)) {
        return err->code;
    }
    return zhs_index_open_analyzer(&s->an, s->ix, err);
}

static void close_session(session *s)
{
    zhs_analyzer_close(s->an);
    zhs_index_close(s->ix);
    zhs_aliases_free(s->aliases);
}

/* ---------------------------------------------------------------- output */

/* The version a hit belongs to, after its source line: its date and the
** other versions of its law, so that a reader knows what is in force. */
static void print_version(zhs_buf *o, const zhs_version_info *v, const char *in_force, const zhs_repeal_info *rep)
{
    if (!v->date[0]) {
        if (rep->day[0]) zhs_buf_printf(o, "  repealed from %s by %s", rep->day, rep->by[0] ? rep->by : "(untitled)");
        return;
    }
    zhs_buf_printf(o, "  %s", v->date);
    if (v->versions >= 2 && v->newest) {
        zhs_buf_puts(o, " (older version");
        for (uint32_t i = 1, n = 0; i < v->ndates; i++, n++) zhs_buf_printf(o, "%s %s", n ? "," : ":", v->dates[i]);
        zhs_buf_puts(o, ")");
    } else if (v->versions >= 2) {
        zhs_buf_printf(o, " (not the newest: %s is)", v->dates[0]);
    }
    /* a version adopted on one day and in force on a later one */
    if (in_force[0] && strcmp(in_force, v->date) != 0) zhs_buf_printf(o, ", in force from %s", in_force);
    /* a document another one's text repeals */
    if (rep->day[0]) {
        zhs_buf_printf(o, ", repealed from %s by %s", rep->day, rep->by[0] ? rep->by : "(untitled)");
        if (rep->by_date[0]) zhs_buf_printf(o, " (%s)", rep->by_date);
    }
}

/* The matches of a title or heading, for a hit that has none in its text:
** copied out of r (whose span buffer the next call reuses), at most
** FIELD_SPANS of them. */
#define FIELD_SPANS 16
typedef struct field_marks {
    zhs_span sp[FIELD_SPANS];
    size_t n;
} field_marks;

static int field_marks_of(field_marks *m, zhs_results *r, zhs_analyzer *an, const char *text, zhs_error *err)
{
    const zhs_span *sp;
    size_t n;
    m->n = 0;
    if (zhs_results_highlights_of(&sp, &n, r, an, text, strlen(text), err)) return err->code;
    m->n = n < FIELD_SPANS ? n : FIELD_SPANS;
    if (m->n) memcpy(m->sp, sp, m->n * sizeof *sp);     /* sp may be NULL when n is 0 */
    return ZHS_OK;
}

/* text with its marked spans between open and close */
static void put_marked(zhs_buf *o, const char *text, const field_marks *m, const char *open, const char *close)
{
    size_t at = 0, len = strlen(text);
    for (size_t i = 0; i < m->n; i++) {
        if (m->sp[i].start < at || m->sp[i].end > len) continue;
        zhs_buf_append(o, text + at, m->sp[i].start - at);
        zhs_buf_printf(o, "%s%.*s%s", open, (int)(m->sp[i].end - m->sp[i].start), text + m->sp[i].start, close);
        at = m->sp[i].end;
    }
    zhs_buf_append(o, text + at, len - at);
}

static void print_text(zhs_buf *o, const search_cfg *c, size_t rank, const zhs_hit *h, const zhs_passage *p,
                       const zhs_span *sp, size_t nsp, const zhs_version_info *v, const char *in_force,
                       const zhs_repeal_info *rep, const field_marks *tm, const field_marks *hm)
{
    const char *b = c->color ? "\033[1m" : "", *cy = c->color ? "\033[36m" : "", *dim = c->color ? "\033[2m" : "",
               *rs = c->color ? "\033[0m" : "";
    const char *mo = c->color ? "\033[1;31m" : "[", *mc = c->color ? "\033[0m" : "]";
    zhs_buf_printf(o, "%zu. %s%.3f%s  %s", rank, dim, h->score, rs, b);
    if (!p->title[0]) zhs_buf_puts(o, "(untitled)");
    else put_marked(o, p->title, tm, mo, c->color ? "\033[0m\033[1m" : mc);
    zhs_buf_puts(o, rs);
    if (p->heading[0]) {
        zhs_buf_puts(o, " › ");
        put_marked(o, p->heading, hm, mo, mc);
    }
    if (p->label[0]) zhs_buf_printf(o, "  %s%s%s", cy, p->label, rs);
    zhs_buf_printf(o, "\n   %s%s:%u", dim, cli_display_path(p->path), p->line);
    print_version(o, v, in_force, rep);
    zhs_buf_printf(o, "%s\n   ", rs);
    zhs_snippet(o, p->text, p->text_len, sp, nsp, c->width, c->color ? "\033[1;31m" : "[", c->color ? "\033[0m" : "]");
    zhs_buf_puts(o, "\n");
}

static void json_cstr_out(zhs_buf *o, const char *s)
{
    zhs_json_str(o, s, strlen(s));
}

/* For a query that found nothing as of a day: how many passages of any
** version match, so that the user learns that a version out of force
** then (repealed, or not yet in force) holds the words. */
static uint64_t matches_in_other_versions(session *s, const search_cfg *c, const char *query)
{
    zhs_search_options o = c->so;
    o.as_of = NULL;
    o.all_versions = 1;
    o.k = 1;
    zhs_error err = {0};
    zhs_results *r;
    if (zhs_index_search(&r, s->ix, s->an, query, &o, &err)) return 0;
    uint64_t n = zhs_results_matches(r);
    zhs_results_free(r);
    return n;
}

/* Runs one query and prints it.  Returns the number of hits, or -1 with
** err set. */
static long run_one(session *s, const search_cfg *c, const char *qid, const char *query, zhs_error *err)
{
    size_t qlen = strlen(query);
    if (zhs_utf8_valid_prefix(query, qlen) < qlen)
        return zhs_fail(err, ZHS_EQUERY, "the query is not valid UTF-8 (is the terminal GBK?): "
                        "give the query in UTF-8"), -1;
    zhs_results *r;
    if (zhs_index_search(&r, s->ix, s->an, query, &c->so, err)) return -1;
    size_t n = zhs_results_count(r);
    /* the query was read leniently: say what was ignored (on stderr, so
    ** that scripts reading stdout see the usual output) */
    if (c->format != FMT_JSON)
        for (size_t w = 0; zhs_results_warning(r, w); w++)
            fprintf(stderr, "zhs: warning: %s%s%s\n", qid ? qid : "", qid ? ": " : "", zhs_results_warning(r, w));
    zhs_buf o;
    zhs_buf_init(&o);
    /* Without --count or --exhaustive the search stops counting what it
    ** prunes: the number is then a lower bound, unless the hits are fewer
    ** than asked for (then every match is among them). */
    bool exact = c->so.count_only || c->so.exhaustive || n < c->so.k;
    if (c->batch && c->format == FMT_TEXT)
        zhs_buf_printf(&o, "%s== %s: %s\n", c->first ? "" : "\n", qid ? qid : "", query);
    if (c->format == FMT_TREC && c->so.count_only) {
        cli_trec_id(&o, qid ? qid : "q");
        zhs_buf_printf(&o, " %llu\n", (unsigned long long)zhs_results_matches(r));
    }
    if (c->format == FMT_JSON) {
        zhs_buf_puts(&o, "{");
        if (qid) {
            zhs_buf_puts(&o, "\"qid\":");
            zhs_json_str(&o, qid, strlen(qid));
            zhs_buf_puts(&o, ",");
        }
        zhs_buf_puts(&o, "\"query\":");
        zhs_json_str(&o, query, strlen(query));
        if (zhs_results_warning(r, 0)) {
            zhs_buf_puts(&o, ",\"warnings\":[");
            for (size_t w = 0; zhs_results_warning(r, w); w++) {
                if (w) zhs_buf_putc(&o, ',');
                json_cstr_out(&o, zhs_results_warning(r, w));
            }
            zhs_buf_putc(&o, ']');
        }
        zhs_buf_printf(&o, ",\"matches\":{\"value\":%llu,\"relation\":\"%s\"},\"hits\":[",
                       (unsigned long long)zhs_results_matches(r), exact ? "eq" : "gte");
    } else if (c->format == FMT_TEXT && c->so.count_only) {
        zhs_buf_printf(&o, "%llu passages match\n", (unsigned long long)zhs_results_matches(r));
    }
    long rc = (long)(c->so.count_only ? zhs_results_matches(r) : n);
    const char **trec_ids = c->format == FMT_TREC ? calloc(n + 1, sizeof *trec_ids) : NULL;
    size_t ntrec = 0;
    if (c->format == FMT_TREC && !trec_ids) {
        zhs_results_free(r);
        zhs_buf_free(&o);
        zhs_fail(err, ZHS_ENOMEM, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const zhs_hit *h = zhs_results_hit(r, i);
        zhs_passage p;
        if (zhs_results_passage(&p, r, h->doc, err)) {
            rc = -1;
            break;
        }
        if (c->format == FMT_TREC) {
            if (cli_id_seen(trec_ids, ntrec, p.id)) continue;
            trec_ids[ntrec++] = p.id;     /* lives until zhs_results_free */
            cli_trec_id(&o, qid ? qid : "q");
            zhs_buf_puts(&o, " Q0 ");
            cli_trec_id(&o, p.id);
            zhs_buf_printf(&o, " %zu %.6f %s\n", ntrec, h->score, c->tag);
            continue;
        }
        const zhs_span *sp;
        size_t nsp;
        zhs_version_info ver;
        char since[11];
        zhs_repeal_info rep;
        if (zhs_results_highlights(&sp, &nsp, r, s->an, &p, err) || zhs_results_version(&ver, r, h->doc, err) ||
            zhs_results_in_force(since, r, h->doc, err) || zhs_results_repealed(&rep, r, h->doc, err)) {
            rc = -1;
            break;
        }
        if (c->format == FMT_JSON) {
            if (i) zhs_buf_putc(&o, ',');
            zhs_json_hit(&o, i + 1, h, &p, sp, nsp, c->width, &ver, since, &rep);
        } else {
            /* no match in the text: show where the title or heading matched */
            field_marks tm = {.n = 0}, hm = {.n = 0};
            if (nsp == 0 && (field_marks_of(&tm, r, s->an, p.title, err) || field_marks_of(&hm, r, s->an, p.heading, err))) {
                rc = -1;
                break;
            }
            print_text(&o, c, i + 1, h, &p, sp, nsp, &ver, since, &rep, &tm, &hm);
        }
    }
    if (rc >= 0) {
        if (c->format == FMT_JSON) zhs_buf_puts(&o, "]}\n");
        fwrite(o.data ? o.data : "", 1, o.len, stdout);
    }
    zhs_buf_free(&o);
    free(trec_ids);
    zhs_results_free(r);
    return rc;
}

/* Reads "qid<TAB>query", a JSON object with qid and query, or a plain
** query per line. */
static bool parse_query_line(const char *line, size_t len, size_t lineno, zhs_buf *qid, zhs_buf *query)
{
    zhs_buf_reset(qid);
    zhs_buf_reset(query);
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i < len && line[i] == '{') {
        if (zhs_json_get(query, line, len, "query") != 1) return false;
        if (zhs_json_get(qid, line, len, "qid") != 1) zhs_buf_printf(qid, "%zu", lineno);
        return true;
    }
    const char *tab = memchr(line, '\t', len);
    if (tab) {
        zhs_buf_append(qid, line, (size_t)(tab - line));
        zhs_buf_append(query, tab + 1, len - (size_t)(tab - line) - 1);
        return qid->len > 0;
    }
    zhs_buf_printf(qid, "%zu", lineno);
    zhs_buf_append(query, line, len);
    return true;
}

static const char search_help[] =
    "usage: zhs search [options] INDEX QUERY\n"
    "       zhs search [options] INDEX --queries FILE\n"
    "       zhs search [options] --remote HOST:PORT[,HOST:PORT...] QUERY\n"
    "Query language (docs/QUERY.md): words (OR, ranked by BM25), \"exact phrase\",\n"
    "+required, -excluded, title:word (the law's title must contain it),\n"
    "article:第二十条; a citation (刑法第二十条, 民法典 第1165条) puts that article\n"
    "first.  Text that is not the language is searched as words, with a warning.  A query\n"
    "that starts with an ASCII '-' goes after '--': zhs search IDX -- '-draft law'.\n"
    "  -k N, -kN             hits to show (default 10)\n"
    "  --json                the same as --format json: one JSON object per query,\n"
    "                        every field; \"matches\" is {\"value\", \"relation\"}: eq\n"
    "                        when exact (--count, --exhaustive, or fewer hits than\n"
    "                        -k), else gte (at least that many)\n"
    "  --format text|json|trec   output format; trec: 'qid Q0 id rank score zhs',\n"
    "                        ids with spaces or '%' written %XX (docs/API.md)\n"
    "  --queries FILE        one query per line, 'qid<TAB>query', or JSONL {qid, query};\n"
    "                        - reads stdin.  A query that fails gets an error line and\n"
    "                        the others are answered (exit 2 then)\n"
    "  --aliases FILE        law-name abbreviations for citations, 'ABBR NAME' a line\n"
    "                        (before the built-in ones, e.g. 个保法 个人信息保护法)\n"
    "  --all-versions        every version of a law (same title, other dates); by\n"
    "                        default only the newest version's passages are searched\n"
    "  --as-of YYYY-MM-DD    the version in force then (the newest in force by then: from\n"
    "                        the day its text names, 本法自…起施行, else its date)\n"
    "  --filter COND         date>=2021-01-01 (also <= > < =), effective>=D (the day in\n"
    "                        force), category=行政法规,\n"
    "                        status=现行有效, issuer=…; repeatable (all must hold);\n"
    "                        category:X status:X issuer:X date>=D also work in the query\n"
    "  --group law           the best passage of each law (title and version)\n"
    "  --per-group N         with --group: up to N passages of each law\n"
    "  --k1 X --b X          BM25 parameters (default: the index's)\n"
    "  --proximity W         weight of the term-proximity bonus (default 1; 0: plain BM25)\n"
    "  --no-expand           search the words as written: no statutes' wording added for\n"
    "                        everyday words (高空抛物: 抛掷物品; docs/RANKING.md), no\n"
    "                        article cited for a crime's name (诈骗罪; docs/QUERY.md)\n"
    "  --count               only count matching passages (text: 'N passages match',\n"
    "                        json: matches, trec: 'qid N' lines)\n"
    "  --exhaustive          score every match (no pruning; for checking)\n"
    "  --width N             snippet width in characters (default 120)\n"
    "  --color, --no-color   highlight with colours (default: when stdout is a terminal\n"
    "                        and NO_COLOR is unset)\n"
    "  --remote HOST:PORT,...  search Xapian shards served by xapian-tcpsrv\n"
    "  --engine native|xapian  accepted for symmetry; the index knows its engine\n"
    "  --                    end of options\n"
    "Exit status: 0 with hits, 1 without, 2 on error.\n";

/* A usage error once --filter may have been read: its buffer goes too. */
#define usage_error(c, ...) (zhs_buf_free(&(c)->filter), cli_usage_error("search", __VA_ARGS__))

int cmd_search(int argc, char **argv)
{
    search_cfg c;
    memset(&c, 0, sizeof c);
    zhs_search_options_default(&c.so);
    c.width = ZHS_SNIPPET_WIDTH;
    c.tag = "zhs";
    c.color = isatty(1) && !getenv("NO_COLOR");
    const char *index = NULL, *query = NULL, *qfile = NULL, *remote = NULL, *afile = NULL;
    bool grouped = false;       /* --group given: --per-group needs it */
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!options || !cli_is_option(argv[i])) {
            if (!index && !remote) index = argv[i];
            else if (!query) query = argv[i];
            else return usage_error(&c, "give the query as one argument (quote it), or use --queries FILE");
        } else if (!strcmp(argv[i], "--")) {
            options = false;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(search_help, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "-k", &v)) {
            if (!cli_parse_size(v, &c.so.k) || c.so.k == 0 || c.so.k > 100000) return usage_error(&c, "-k takes a number from 1 to 100000");
        } else if (cli_opt_flag(argv, i, "--json")) {
            c.format = FMT_JSON;
        } else if (cli_opt_value(argc, argv, &i, "--format", &v)) {
            if (v && !strcmp(v, "text")) c.format = FMT_TEXT;
            else if (v && !strcmp(v, "json")) c.format = FMT_JSON;
            else if (v && !strcmp(v, "trec")) c.format = FMT_TREC;
            else return usage_error(&c, "--format takes text, json or trec");
        } else if (cli_opt_value(argc, argv, &i, "--queries", &v)) {
            if (!v) return usage_error(&c, "--queries needs a file");
            qfile = v;
        } else if (cli_opt_value(argc, argv, &i, "--aliases", &v)) {
            if (!v) return usage_error(&c, "--aliases needs a file");
            afile = v;
        } else if (cli_opt_value(argc, argv, &i, "--remote", &v)) {
            if (!v) return usage_error(&c, "--remote needs HOST:PORT[,HOST:PORT...]");
            remote = v;
        } else if (cli_opt_value(argc, argv, &i, "--proximity", &v)) {
            if (!cli_parse_double(v, &c.so.proximity) || c.so.proximity < 0)
                return usage_error(&c, "--proximity takes a number >= 0 (0: plain BM25)");
            if (c.so.proximity == 0) c.so.proximity = -1;
        } else if (cli_opt_value(argc, argv, &i, "--k1", &v)) {
            if (!cli_parse_double(v, &c.so.k1) || c.so.k1 <= 0) return usage_error(&c, "--k1 takes a positive number");
        } else if (cli_opt_value(argc, argv, &i, "--b", &v)) {
            if (!cli_parse_double(v, &c.so.b) || c.so.b < 0 || c.so.b > 1) return usage_error(&c, "--b takes a number from 0 to 1");
        } else if (cli_opt_value(argc, argv, &i, "--width", &v)) {
            if (!cli_parse_size(v, &c.width) || c.width < 10) return usage_error(&c, "--width takes a number >= 10");
        } else if (cli_opt_value(argc, argv, &i, "--engine", &v)) {
            if (!v || (strcmp(v, "native") && strcmp(v, "xapian"))) return usage_error(&c, "--engine takes native or xapian");
        } else if (cli_opt_flag(argv, i, "--all-versions")) {
            c.so.all_versions = 1;
        } else if (cli_opt_value(argc, argv, &i, "--as-of", &v)) {
            if (!v) return usage_error(&c, "--as-of takes a date, YYYY-MM-DD");
            c.so.as_of = v;
        } else if (cli_opt_value(argc, argv, &i, "--filter", &v)) {
            if (!v || !v[0]) return usage_error(&c, "--filter takes a condition such as date>=2021-01-01 or category=行政法规");
            if (c.filter.len) zhs_buf_putc(&c.filter, ' ');
            zhs_buf_puts(&c.filter, v);
        } else if (cli_opt_value(argc, argv, &i, "--group", &v)) {
            if (!v || strcmp(v, "law")) return usage_error(&c, "--group takes law");
            if (!c.so.group_size) c.so.group_size = 1;
            grouped = true;
        } else if (cli_opt_value(argc, argv, &i, "--per-group", &v)) {
            size_t n;
            if (!cli_parse_size(v, &n) || n == 0 || n > 1000) return usage_error(&c, "--per-group takes a number from 1 to 1000");
            c.so.group_size = (unsigned)n;
        } else if (cli_opt_flag(argv, i, "--no-expand")) {
            c.so.no_expand = 1;
        } else if (cli_opt_flag(argv, i, "--count")) {
            c.so.count_only = 1;
        } else if (cli_opt_flag(argv, i, "--exhaustive")) {
            c.so.exhaustive = 1;
        } else if (cli_opt_flag(argv, i, "--color")) {
            c.color = true;
        } else if (cli_opt_flag(argv, i, "--no-color")) {
            c.color = false;
        } else {
            return usage_error(&c, "unknown option %s (a query that starts with '-' goes after '--')",
                                   argv[i]);
        }
    }
    if (c.so.group_size && !grouped) return usage_error(&c, "--per-group goes with --group law");
    if (c.so.all_versions && c.so.as_of)
        return usage_error(&c, "--all-versions and --as-of exclude each other: every version, or the one in force then");
    if (remote && index && !query) {
        query = index;      /* --remote takes no INDEX: the first argument is the query */
        index = NULL;
    }
    if (!index && !remote) return usage_error(&c, "give the INDEX to search");
    if (!query && !qfile) return usage_error(&c, "give a QUERY or --queries FILE");
    if (query && qfile) return usage_error(&c, "give a QUERY or --queries FILE, not both");
    c.batch = qfile != NULL;
    c.first = true;
    if (c.filter.oom) return usage_error(&c, "out of memory reading --filter");
    c.so.filter = c.filter.len ? zhs_buf_cstr(&c.filter) : NULL;
    if (c.format != FMT_TEXT) c.color = false;
    zhs_error err = {0};
    session s;
    if (open_session(&s, index, remote, &err) || (afile && zhs_aliases_load(&s.aliases, afile, &err))) {
        close_session(&s);
        zhs_buf_free(&c.filter);
        return cli_error(&err);
    }
    c.so.aliases = s.aliases;
    int status = CLI_NOHITS;
    if (query) {
        long n = run_one(&s, &c, NULL, query, &err);
        if (n < 0) status = cli_error(&err);
        else if (n > 0) status = CLI_OK;
        else if (c.format == FMT_TEXT) {
            fprintf(stderr, "no passage matches \"%s\"", query);
            uint64_t other = c.so.as_of ? matches_in_other_versions(&s, &c, query) : 0;
            if (other)
                fprintf(stderr, " in the versions in force on %s (%llu in other versions, repealed or not yet in force: "
                                "--all-versions shows them)", c.so.as_of, (unsigned long long)other);
            fputc('\n', stderr);
        }
    } else {
        FILE *f = strcmp(qfile, "-") ? fopen(qfile, "r") : stdin;
        if (!f) {
            fprintf(stderr, "zhs: cannot open %s: %s\n", qfile, strerror(errno));
            close_session(&s);
            zhs_buf_free(&c.filter);
            return CLI_ERR;
        }
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        ssize_t len;
        zhs_buf qid, q;
        zhs_buf_init(&qid);
        zhs_buf_init(&q);
        bool failed = false;
        /* Queries from a pipe, FIFO or terminal come one at a time: each
        ** answer is written out before the next query is read. */
        struct stat qst;
        bool interactive = fstat(fileno(f), &qst) != 0 || !S_ISREG(qst.st_mode);
        while ((len = getline(&line, &cap, f)) >= 0) {
            lineno++;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
            if (len == 0) continue;
            /* a NUL would end the query there, the rest of the line lost
            ** without a word: refused as the server and the binding do */
            const char *nul = memchr(line, '\0', (size_t)len);
            if (nul) {
                fprintf(stderr, "zhs: %s:%zu: the line contains a NUL byte at byte %zu: remove it\n", qfile, lineno,
                        (size_t)(nul - line) + 1);
                failed = true;
                continue;
            }
            if (!parse_query_line(line, (size_t)len, lineno, &qid, &q)) {
                fprintf(stderr, "zhs: %s:%zu: not a query line (expected text or {\"qid\":…,\"query\":…})\n", qfile, lineno);
                failed = true;
                continue;
            }
            zhs_error e2 = {0};
            long n = run_one(&s, &c, zhs_buf_cstr(&qid), zhs_buf_cstr(&q), &e2);
            c.first = false;
            if (n < 0) {
                /* One bad query never stops the batch: it gets its own
                ** error line (a JSON object in --json) and the rest are
                ** answered; the exit status says that some failed. */
                fprintf(stderr, "zhs: %s:%zu: %s\n", qfile, lineno, e2.message);
                if (c.format == FMT_JSON) {
                    zhs_buf o;
                    zhs_buf_init(&o);
                    zhs_buf_puts(&o, "{\"qid\":");
                    zhs_json_str(&o, zhs_buf_cstr(&qid), qid.len);
                    zhs_buf_puts(&o, ",\"query\":");
                    zhs_json_str(&o, zhs_buf_cstr(&q), q.len);
                    zhs_buf_puts(&o, ",\"error\":");
                    zhs_json_str(&o, e2.message, strlen(e2.message));
                    zhs_buf_printf(&o, ",\"status\":\"%s\"}\n", zhs_status_name(e2.code));
                    fwrite(o.data, 1, o.len, stdout);
                    zhs_buf_free(&o);
                } else if (c.format == FMT_TEXT) {
                    printf("%s== %s: %s\nerror: %s\n", lineno > 1 ? "\n" : "", zhs_buf_cstr(&qid), zhs_buf_cstr(&q),
                           e2.message);
                }
                failed = true;
            } else if (n > 0 && status == CLI_NOHITS) {
                status = CLI_OK;
            }
            if (interactive) fflush(stdout);
        }
        free(line);
        zhs_buf_free(&qid);
        zhs_buf_free(&q);
        if (f != stdin) fclose(f);
        if (failed) status = CLI_ERR;
    }
    close_session(&s);
    zhs_buf_free(&c.filter);
    return status;
}

/* ---------------------------------------------------------------- eval */

static const char eval_help[] =
    "usage: zhs eval [options] INDEX QUERIES.jsonl\n"
    "Runs every {\"qid\",\"query\",\"relevant\":[ids]} line and prints Recall@1/5/20 and\n"
    "MRR@10, averaged over all queries (a query with no result scores 0), the way\n"
    "../shared/tools/eval_run.py scores a TREC run.  Lines with a \"kind\" (e.g.\n"
    "citation, concept, question) are also scored per kind: MRR@10, Recall@1,\n"
    "Recall@10 (text: a 'by kind' table; --json: \"kinds\").\n"
    "  --k1 X --b X          BM25 parameters (default: the index's)\n"
    "  --proximity W         weight of the term-proximity bonus (default 1; 0: plain BM25)\n"
    "  --run FILE            also write the TREC run (ids with spaces or '%' as %XX)\n"
    "  --json                the figures as one JSON object\n"
    "  --                    end of options\n";

int cmd_eval(int argc, char **argv)
{
    const char *index = NULL, *qpath = NULL, *runpath = NULL;
    zhs_search_options so;
    zhs_search_options_default(&so);
    so.k = 20;
    bool json = false, options = true;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!options || !cli_is_option(argv[i])) {
            if (!index) index = argv[i];
            else if (!qpath) qpath = argv[i];
            else return cli_usage_error("eval", "too many arguments");
        } else if (!strcmp(argv[i], "--")) {
            options = false;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(eval_help, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--proximity", &v)) {
            if (!cli_parse_double(v, &so.proximity) || so.proximity < 0)
                return cli_usage_error("eval", "--proximity takes a number >= 0 (0: plain BM25)");
            if (so.proximity == 0) so.proximity = -1;
        } else if (cli_opt_value(argc, argv, &i, "--k1", &v)) {
            if (!cli_parse_double(v, &so.k1) || so.k1 <= 0) return cli_usage_error("eval", "--k1 takes a positive number");
        } else if (cli_opt_value(argc, argv, &i, "--b", &v)) {
            if (!cli_parse_double(v, &so.b) || so.b < 0 || so.b > 1) return cli_usage_error("eval", "--b takes a number from 0 to 1");
        } else if (cli_opt_value(argc, argv, &i, "--run", &v)) {
            if (!v) return cli_usage_error("eval", "--run needs a file");
            runpath = v;
        } else if (cli_opt_flag(argv, i, "--json")) {
            json = true;
        } else {
            return cli_usage_error("eval", "unknown option %s", argv[i]);
        }
    }
    if (!index || !qpath) return cli_usage_error("eval", "give INDEX and QUERIES.jsonl");
    zhs_error err = {0};
    session s;
    if (open_session(&s, index, NULL, &err)) {
        close_session(&s);
        return cli_error(&err);
    }
    FILE *run = runpath ? fopen(runpath, "w") : NULL;
    if (runpath && !run) {
        fprintf(stderr, "zhs: cannot open %s: %s\n", runpath, strerror(errno));
        close_session(&s);
        return CLI_ERR;
    }
    cli_eval ev;
    int rc = cli_eval_file(&ev, s.ix, s.an, qpath, 0, &so, run, &err);
    if (run && fclose(run) != 0 && !rc) rc = zhs_fail(&err, ZHS_EIO, "cannot write %s: %s", runpath, strerror(errno));
    close_session(&s);
    if (rc) return cli_error(&err);
    if (json) {
        printf("{\"queries\":%zu,\"without_results\":%zu,\"Recall@1\":%.4f,\"Recall@5\":%.4f,\"Recall@20\":%.4f,\"MRR@10\":%.4f,\"seconds\":%.3f",
               ev.queries, ev.empty, ev.r1, ev.r5, ev.r20, ev.mrr, ev.seconds);
        if (ev.nkinds) {
            zhs_buf b;
            zhs_buf_init(&b);
            zhs_buf_puts(&b, ",\"kinds\":{");
            for (size_t i = 0; i < ev.nkinds; i++) {
                const cli_eval_kind *k = &ev.kinds[i];
                if (i) zhs_buf_puts(&b, ",");
                zhs_json_str(&b, k->name, strlen(k->name));
                zhs_buf_printf(&b, ":{\"queries\":%zu,\"MRR@10\":%.4f,\"Recall@1\":%.4f,\"Recall@10\":%.4f}", k->queries,
                               k->mrr, k->r1, k->r10);
            }
            zhs_buf_puts(&b, "}");
            fwrite(b.data, 1, b.len, stdout);
            zhs_buf_free(&b);
        }
        puts("}");
    } else {
        printf("queries\t%zu\t(without results: %zu)\nRecall@1\t%.4f\nRecall@5\t%.4f\nRecall@20\t%.4f\nMRR@10\t%.4f\n",
               ev.queries, ev.empty, ev.r1, ev.r5, ev.r20, ev.mrr);
        if (ev.nkinds) printf("\nby kind\tqueries\tMRR@10\tRecall@1\tRecall@10\n");
        for (size_t i = 0; i < ev.nkinds; i++)
            printf("%s\t%zu\t%.4f\t%.4f\t%.4f\n", ev.kinds[i].name, ev.kinds[i].queries, ev.kinds[i].mrr, ev.kinds[i].r1,
                   ev.kinds[i].r10);
    }
    return CLI_OK;
}
