/*
** main.c — zhs: dispatch to subcommands, shared option helpers.
*/
#include "cli.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "zhs " ZHS_VERSION " — full-text search for Chinese documents\n"
    "\n"
    "usage: zhs COMMAND [options]\n"
    "\n"
    "  index -o INDEX CORPUS...   build an index of .md/.txt/.jsonl(.gz) files and folders\n"
    "                             (--update: index only what changed since)\n"
    "  search INDEX QUERY         ranked passages (BM25); --queries FILE for a batch\n"
    "  eval INDEX QUERIES.jsonl   Recall@1/5/20 and MRR@10 on an evaluation set\n"
    "  stats INDEX                passages, terms, size by component\n"
    "  check INDEX                verify every checksum and invariant\n"
    "  merge INDEX                merge the segments an update added, dropping deleted passages\n"
    "  add INDEX FILE...          index these files (new or changed) into INDEX; the rest stays\n"
    "  delete INDEX PATH|ID...    delete the passages of files, or passages by id\n"
    "  bench [--corpus PATH]      native vs Xapian (and Lucene): index, latency, quality\n"
    "  analyze [TEXT]             show the analyzer's tokens (stdin without TEXT; --index IDX: as IDX does)\n"
    "  segment                    words of stdin, space-separated, line by line\n"
    "  serve INDEX                HTTP/JSON search service and search page (docs/API.md)\n"
    "\n"
    "Run 'zhs COMMAND --help' for the options of a command.\n";

/* The library's messages say what failed and what to do in its own terms;
** the commands that do it are the CLI's to name. */
static const char *cli_advice(int code)
{
    switch (code) {
    case ZHS_ECORRUPT: return "'zhs check INDEX' names the damage; rebuild with 'zhs index -o INDEX CORPUS...'";
    case ZHS_EVERSION: return "rebuild with 'zhs index -o INDEX CORPUS...'";
    case ZHS_ENOTFOUND: return "build an index with 'zhs index -o INDEX CORPUS...'";
    case ZHS_EANALYZER: return "'zhs search' uses the index's own analyzer; to change analyzer options, rebuild with 'zhs index'";
    case ZHS_ENOMEM: return "'zhs index --ram MB' lowers the memory an index build holds";
    default: return NULL;
    }
}

int cli_error(const zhs_error *err)
{
    fprintf(stderr, "zhs: %s\n", err->message[0] ? err->message : zhs_status_name(err->code));
    const char *advice = cli_advice(err->code);
    if (advice) fprintf(stderr, "zhs: %s\n", advice);
    return CLI_ERR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zhs %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun 'zhs %s --help' for its options.\n", cmd);
    va_end(ap);
    return CLI_ERR;
}

bool cli_opt_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

bool cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return false;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != 0) {
        /* a one-letter option takes its value glued on too: -k5 */
        if (n != 2 || name[0] != '-' || name[1] == '-') return false;
        *value = argv[*i] + n;
        return true;
    }
    if (*i + 1 >= argc) {
        *value = NULL;
        return true;
    }
    *value = argv[++*i];
    return true;
}

bool cli_is_option(const char *arg)
{
    /* "-" alone is stdin, and "-草案" a query that excludes 草案: options
    ** are ASCII */
    unsigned char c = (unsigned char)arg[1];
    return arg[0] == '-' && (c == '-' || (c < 0x80 && (isalnum(c))));
}

void cli_trec_id(zhs_buf *out, const char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (*p <= 0x20 || *p == 0x7F || *p == '%') {
            zhs_buf_putc(out, '%');
            zhs_buf_putc(out, hex[*p >> 4]);
            zhs_buf_putc(out, hex[*p & 15]);
        } else {
            zhs_buf_putc(out, (char)*p);
        }
    }
}

const char *cli_display_path(const char *path)
{
    /* Relative to the working directory when the file is below it (how a
    ** terminal user opens it), else as stored (absolute). */
    char cwd[ZHS_PATH_MAX];
    if (path[0] != '/' || !getcwd(cwd, sizeof cwd)) return path;
    size_t n = strlen(cwd);
    if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/') return path + n + 1;
    return path;
}

bool cli_parse_double(const char *s, double *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno) return false;
    *out = v;
    return true;
}

bool cli_parse_size(const char *s, size_t *out)
{
    if (!s || !*s || *s == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return false;
    *out = (size_t)v;
    return true;
}

bool cli_read_stdin(zhs_buf *b)
{
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, stdin)) > 0)
        if (!zhs_buf_append(b, tmp, n)) return false;
    return !ferror(stdin);
}


int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_ERR : CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        /* Scripts (and the tests) read which engines this build has here. */
        int kind;
        printf("zhs %s (engines: native%s)\n", ZHS_VERSION,
               zhs_engine_from_name(&kind, "xapian", NULL) == ZHS_OK ? " xapian" : "");
        return CLI_OK;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"analyze", cmd_analyze}, {"segment", cmd_segment}, {"index", cmd_index},
        {"search", cmd_search},   {"stats", cmd_stats},     {"check", cmd_check},
        {"eval", cmd_eval},       {"bench", cmd_bench},     {"serve", cmd_serve},
        {"merge", cmd_merge},     {"add", cmd_add},         {"delete", cmd_delete},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "zhs: unknown command '%s'\n\n%s", argv[1], usage);
    return CLI_ERR;
}
