#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every function an installed header declares documents its calling context:
its doc comment (or the comment of the group it belongs to) has a "Context:"
line, as STYLE.md asks. Installed headers are the `headers = files(...)` of
each directory's meson.build. Prints the offenders and exits 1 if any.
"""
import glob
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
os.chdir(root)

headers = []
for mb in sorted(glob.glob("*/meson.build") + glob.glob("lib/*/meson.build") +
                 glob.glob("drivers/*/*/meson.build")):
    text = open(mb).read()
    for m in re.finditer(r"^\s*(?:dw_)?headers\s*\+?=\s*files\(([^)]*)\)", text, re.M):
        for name in re.findall(r"'([^']+\.h)'", m.group(1)):
            headers.append(os.path.join(os.path.dirname(mb), name))

# A prototype or an inline definition starting at column 0, and its name.
DECL = re.compile(r"^(?!typedef|#|extern \"C\")[A-Za-z_][\w \*]*?\b(dw_\w+)\s*\(")
bad = []
for h in headers:
    comment = None  # text of the doc comment that covers the next declaration
    in_comment = False
    pending_inline = False
    for n, line in enumerate(open(h), 1):
        s = line.strip()
        if in_comment:
            comment += line
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*"):
            if "@}" in s:  # end of a group: its comment no longer applies
                comment = None
                continue
            comment = line
            in_comment = "*/" not in s
            continue
        if s == "" or s == "{" or s.startswith("}") and pending_inline:
            continue
        if re.match(r"^static (inline|__rte_always_inline)", line):
            pending_inline = True
            continue
        m = DECL.match(line)
        if m:
            if comment is None or "Context:" not in comment:
                bad.append("%s:%d: %s() has no Context: line" % (h, n, m.group(1)))
            pending_inline = False
            continue  # the next declaration of a group shares the comment
        if line[0] in " \t":  # continuation or body lines
            continue
        comment = None
        pending_inline = False

for b in bad:
    print("check-context: " + b, file=sys.stderr)
if bad:
    sys.exit(1)
print("check-context: every function of %d installed headers has a Context: line" % len(headers))
