/*
** cmd_analyze.c — 'zhs analyze' (the analyzer's tokens, like a search
** engine's _analyze) and 'zhs segment' (words for segmentation scoring).
*/
#include "cli.h"
#include "json.h"

#include <stdlib.h>

static const char *kind_name(uint32_t k)
{
    switch (k) {
    case ZHS_TOKEN_WORD: return "word";
    case ZHS_TOKEN_BIGRAM: return "bigram";
    case ZHS_TOKEN_LATIN: return "latin";
    case ZHS_TOKEN_NUMBER: return "number";
    case ZHS_TOKEN_CHAR: return "char";
    default: return "?";
    }
}

void cli_warn_stderr(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "warning: %s\n", message);
}

int cli_analyzer_option(int argc, char **argv, int *i, zhs_analyzer_config *cfg, const char *cmd)
{
    const char *v;
    if (cli_opt_flag(argv, *i, "--no-fold")) cfg->fold_traditional = ZHS_FOLD_NONE;
    else if (cli_opt_value(argc, argv, i, "--fold", &v)) {
        if (v && !strcmp(v, "phrases")) cfg->fold_traditional = ZHS_FOLD_PHRASES;
        else if (v && !strcmp(v, "chars")) cfg->fold_traditional = ZHS_FOLD_CHARS;
        else if (v && !strcmp(v, "none")) cfg->fold_traditional = ZHS_FOLD_NONE;
        else {
            cli_usage_error(cmd, "--fold takes phrases (OpenCC, the default), chars (ICU, one character at a time) or none");
            return -1;
        }
    }
    else if (cli_opt_flag(argv, *i, "--no-bigrams")) cfg->bigrams = 0;
    else if (cli_opt_flag(argv, *i, "--no-words")) cfg->words = 0;
    else if (cli_opt_flag(argv, *i, "--no-chars")) cfg->chars = ZHS_CHARS_WRITTEN;
    else if (cli_opt_flag(argv, *i, "--chars")) cfg->chars = ZHS_CHARS_ALL;
    else if (cli_opt_value(argc, argv, i, "--segmenter", &v)) {
        if (v && !strcmp(v, "dict")) cfg->segmenter = ZHS_SEGMENTER_DICT;
        else if (v && !strcmp(v, "icu")) cfg->segmenter = ZHS_SEGMENTER_ICU;
        else {
            cli_usage_error(cmd, "--segmenter takes dict or icu");
            return -1;
        }
    } else if (cli_opt_value(argc, argv, i, "--user-dict", &v)) {
        if (!v) {
            cli_usage_error(cmd, "--user-dict needs a FILE (one word a line, optionally a tab and a frequency)");
            return -1;
        }
        cfg->user_dict = v;
        cfg->on_warning = cli_warn_stderr;
    } else {
        return 0;
    }
    return 1;
}

int cmd_analyze(int argc, char **argv)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    bool json = false, options = false;
    const char *text = NULL, *index = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help")) {
            printf("usage: zhs analyze [--json] [--index INDEX | analyzer options] [TEXT]\n"
                   "Prints each token: text, kind, position, byte offsets in TEXT and the original\n"
                   "characters.  Reads stdin when TEXT is not given.\n"
                   "  --index INDEX         analyze as INDEX does (its options and user dictionary)\n"
                   "  --segmenter dict|icu  dictionary segmenter (default) or ICU's word break\n"
                   "  --user-dict FILE      more words for the dict segmenter, one a line\n"
                   "  --no-fold             keep traditional characters (no T->S folding)\n"
                   "  --fold phrases|chars|none  T->S by OpenCC phrases (default), ICU per character, or none\n"
                   "  --no-bigrams, --no-words  token kinds\n"
                   "  --chars               every Han character as a token too (--no-chars, the default)\n");
            return CLI_OK;
        }
        if (cli_opt_flag(argv, i, "--json")) json = true;
        else if (cli_opt_value(argc, argv, &i, "--index", &v)) {
            if (!v) return cli_usage_error("analyze", "--index needs an INDEX directory");
            index = v;
        } else if ((r = cli_analyzer_option(argc, argv, &i, &cfg, "analyze")) != 0) {
            if (r < 0) return CLI_ERR;
            options = true;
        } else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("analyze", "unknown option %s", argv[i]);
        else if (text) return cli_usage_error("analyze", "give one TEXT (quote it if it has spaces)");
        else text = argv[i];
    }
    if (index && options)
        return cli_usage_error("analyze", "--index uses the index's analyzer: give no analyzer options with it");
    zhs_buf in;
    zhs_buf_init(&in);
    if (!text) {
        if (!cli_read_stdin(&in)) {
            zhs_buf_free(&in);
            fprintf(stderr, "zhs analyze: cannot read standard input\n");
            return CLI_ERR;
        }
        text = zhs_buf_cstr(&in);
    }
    size_t len = text == in.data ? in.len : strlen(text);
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    const zhs_token *tok;
    size_t n;
    int rc = ZHS_OK;
    if (index) {
        zhs_index *ix;
        if (zhs_index_open(&ix, index, &err) == ZHS_OK) {
            zhs_index_open_analyzer(&an, ix, &err);
            zhs_index_close(ix);
        }
        rc = err.code;
    } else {
        rc = zhs_analyzer_open(&an, &cfg, &err);
    }
    if (rc || zhs_analyzer_run(an, &tok, &n, text, len, &err)) {
        zhs_analyzer_close(an);
        zhs_buf_free(&in);
        return cli_error(&err);
    }
    zhs_buf out;
    zhs_buf_init(&out);
    if (json) {
        zhs_buf_puts(&out, "{\"analyzer\":");
        zhs_json_str(&out, zhs_analyzer_fingerprint(an), strlen(zhs_analyzer_fingerprint(an)));
        zhs_buf_puts(&out, ",\"tokens\":[");
        for (size_t i = 0; i < n; i++) {
            zhs_buf_puts(&out, i ? ",\n{\"token\":" : "\n{\"token\":");
            zhs_json_str(&out, tok[i].text, tok[i].len);
            zhs_buf_printf(&out, ",\"kind\":\"%s\",\"position\":%u,\"start\":%u,\"end\":%u,\"original\":",
                           kind_name(tok[i].kind), tok[i].position, tok[i].start, tok[i].end);
            zhs_json_str(&out, text + tok[i].start, tok[i].end - tok[i].start);
            zhs_buf_putc(&out, '}');
        }
        zhs_buf_puts(&out, "]}\n");
    } else {
        for (size_t i = 0; i < n; i++)
            zhs_buf_printf(&out, "%s\t%s\t%u\t%u-%u\t%.*s\n", tok[i].text, kind_name(tok[i].kind), tok[i].position,
                           tok[i].start, tok[i].end, (int)(tok[i].end - tok[i].start), text + tok[i].start);
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    zhs_buf_free(&out);
    zhs_buf_free(&in);
    zhs_analyzer_close(an);
    return CLI_OK;
}

int cmd_segment(int argc, char **argv)
{
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: zhs segment [--segmenter dict|icu] [--user-dict FILE] [--no-fold] < TEXT\n"
                   "Writes each input line back with a space between words, each word in its\n"
                   "original characters (for scoring against a gold segmentation).\n");
            return CLI_OK;
        }
        int r = cli_analyzer_option(argc, argv, &i, &cfg, "segment");
        if (r < 0) return CLI_ERR;
        if (r == 0) return cli_usage_error("segment", "unknown argument %s", argv[i]);
    }
    zhs_error err = {0};
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, &cfg, &err)) return cli_error(&err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = CLI_OK;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)n;
        bool nl = len && line[len - 1] == '\n';
        if (nl) len--;
        bool cr = len && line[len - 1] == '\r';
        if (cr) len--;
        const char *out;
        size_t outlen;
        if (zhs_analyzer_segment(an, &out, &outlen, line, len, &err)) {
            rc = cli_error(&err);
            break;
        }
        fwrite(out, 1, outlen, stdout);
        if (cr) fputc('\r', stdout);
        if (nl) fputc('\n', stdout);
    }
    free(line);
    zhs_analyzer_close(an);
    return rc;
}
