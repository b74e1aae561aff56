#!/usr/bin/env python3
"""man.py — writes the man pages of zhs from its own --help texts.

usage: man.py PATH/TO/zhs OUTDIR

Runs 'zhs --help' for the list of commands (the lines "  NAME ARGS   what it
does" of the usage text) and 'zhs NAME --help' for each, and writes zhs.1 and
zhs-NAME.1 into OUTDIR.  The help texts are the only source: a page cannot
say anything that --help does not.

How a help text is read:
  "usage: ..." and the following lines that start with "zhs "  SYNOPSIS
  "  -x, --opt ARG    what it does" (continued on lines indented
  further)                                                      OPTIONS
  anything else                                                 DESCRIPTION
"""
import os
import re
import subprocess
import sys

CMD_LINE = re.compile(r"^  ([a-z][a-z0-9-]*)(.*?)\s{2,}(\S.*)$")
OPT_LINE = re.compile(r"^ {1,4}-")
# An option's tag ends at the first run of 2+ spaces not followed by another
# option ("--no-eval  --no-lucene   leave a phase out").
OPT_SPLIT = re.compile(r"^\s*(.*?\S)\s{2,}(?!-)(\S.*)$")


def run_help(zhs, *args):
    """The text of 'zhs ARGS --help' (its stdout; stderr if it printed
    nothing there, whatever its exit status: a command whose help is
    missing gets a page with its one-line description, not a failed build)."""
    out = subprocess.run([zhs, *args, "--help"], capture_output=True, timeout=60)
    text = out.stdout or out.stderr
    return text.decode("utf-8", "replace")


def esc(text):
    """Escapes text for roff: backslashes, hyphens (\\- so that options
    copy and paste as ASCII), and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def header(name, version, what):
    return [
        '.TH "%s" "1" "" "zhs %s" "zhsearch manual"' % (name.upper(), version),
        ".nh",
        ".ad l",
        ".SH NAME",
        "%s \\- %s" % (esc(name), esc(what)),
    ]


def parse(text):
    """Splits a help text into synopsis lines, description paragraphs and
    (tag, description) options."""
    synopsis, paragraphs, options = [], [[]], []
    state = None
    for line in text.splitlines():
        if line.startswith("usage: "):
            synopsis.append(line[len("usage: "):].strip())
            state = "synopsis"
            continue
        if state == "synopsis" and line.strip().startswith("zhs "):
            synopsis.append(line.strip())
            continue
        if OPT_LINE.match(line):
            m = OPT_SPLIT.match(line)
            if m:
                options.append([m.group(1), m.group(2)])
            else:
                options.append([line.strip(), ""])
            state = "option"
            continue
        if state == "option" and re.match(r"^ {6,}\S", line):
            options[-1][1] = (options[-1][1] + " " + line.strip()).strip()
            continue
        state = "text"
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return synopsis, [p for p in paragraphs if p], options


def page_body(synopsis, paragraphs, options):
    out = []
    if synopsis:
        out.append(".SH SYNOPSIS")
        for i, s in enumerate(synopsis):
            if i:
                out.append(".br")
            out.append(esc(s))
    if paragraphs:
        out.append(".SH DESCRIPTION")
        for i, p in enumerate(paragraphs):
            if i:
                out.append(".PP")
            out.extend(esc(l) for l in p)
    if options:
        out.append(".SH OPTIONS")
        for tag, what in options:
            out.append(".TP")
            out.append("\\fB%s\\fR" % esc(tag))
            out.append(esc(what) if what else "\\&")
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: man.py PATH/TO/zhs OUTDIR")
    zhs, outdir = sys.argv[1], sys.argv[2]
    top = run_help(zhs)
    first = top.splitlines()[0]
    m = re.match(r"^zhs (\S+) \S+ (.*)$", first)
    if not m:
        sys.exit("man.py: cannot read the version from %r" % first)
    version, what = m.group(1), m.group(2)

    commands, rest = [], []
    for line in top.splitlines()[1:]:
        c = CMD_LINE.match(line)
        if c:
            commands.append((c.group(1), c.group(2).strip(), c.group(3)))
        else:
            rest.append(line)
    if not commands:
        sys.exit("man.py: 'zhs --help' lists no command")

    os.makedirs(outdir, exist_ok=True)
    pages = {}
    synopsis, paragraphs, options = parse("\n".join(rest))
    body = header("zhs", version, what) + page_body(synopsis, paragraphs, options)
    body.append(".SH COMMANDS")
    for name, args, desc in commands:
        body.append(".TP")
        body.append("\\fBzhs %s\\fR %s" % (esc(name), esc(args)))
        body.append("%s; see \\fBzhs\\-%s\\fR(1)." % (esc(desc), esc(name)))
    body.append(".SH SEE ALSO")
    body.append(",\n".join("\\fBzhs\\-%s\\fR(1)" % esc(n) for n, _, _ in commands))
    pages["zhs.1"] = body

    for name, args, desc in commands:
        synopsis, paragraphs, options = parse(run_help(zhs, name))
        body = header("zhs-" + name, version, desc) + page_body(synopsis, paragraphs, options)
        body.append(".SH SEE ALSO")
        body.append("\\fBzhs\\fR(1)")
        pages["zhs-%s.1" % name] = body

    # A page of a command that --help no longer lists is removed.
    for old in os.listdir(outdir):
        if old.startswith("zhs") and old.endswith(".1") and old not in pages:
            os.remove(os.path.join(outdir, old))
    for fname, body in pages.items():
        tmp = os.path.join(outdir, fname + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(".\\\" Generated by scripts/man.py from 'zhs --help': do not edit.\n")
            f.write("\n".join(body) + "\n")
        os.replace(tmp, os.path.join(outdir, fname))


if __name__ == "__main__":
    main()
